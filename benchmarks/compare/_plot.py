"""The PNG plot (matplotlib, Agg backend; skipped with a message when it is missing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from benchmarks.compare._report import events_per_s, median, us_per_event, us_per_input

_COLORS = {"rxagent": "C0", "rxagent + LangChain model": "C2", "langgraph": "C3"}


def plot_available() -> str | None:
    """Why no plot can be drawn here, or ``None``."""
    if importlib.util.find_spec("matplotlib") is None:
        return "matplotlib is not installed (pip install 'rxagent[bench]'): no plot"
    return None


def plot(results: dict[str, Any], path: Path) -> None:
    """Draw the four panels of the report into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(19, 9))
    _scaling(axes[0][0], results)
    _bars(axes[0][1], results, "fan_out", "fan-out, 64 branches: events/s")
    _concurrent(axes[0][2], results)
    _smoothness(axes[1][0], results)
    _operators(axes[1][1], results)
    _long_run(axes[1][2], results)
    figure.suptitle(f"rxagent beside LangGraph ({results['level']}): {results['machine']['cpu']}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _ok(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in group["rows"] if row["samples"]]


def _scaling(axis: Any, results: dict[str, Any]) -> None:
    lines: dict[str, list[tuple[int, float]]] = {}
    colors: dict[str, str] = {}
    for group in results["groups"]:
        if group["workload"] == "one_tool_call" and group["label"] == "three modes":
            for row in _ok(group):
                label = f"{row['name']} ({row['face']})"
                colors[label] = _COLORS.get(row["name"], "C7")
                lines.setdefault(label, []).append(
                    (group["params"]["n"], median(row, us_per_event))
                )
    for label, points in lines.items():
        xs, ys = zip(*sorted(points), strict=True)
        style = "--" if "async" in label else "-"
        marker = "s" if label.startswith("floor") else "o"
        axis.plot(xs, ys, style, marker=marker, color=colors[label], label=label)
    axis.set(
        xscale="log",
        yscale="log",
        xlabel="N answer tokens",
        ylabel="µs/event (lower is better)",
        title="one tool call, three modes (squares: the floors)",
    )
    if lines:
        axis.legend(fontsize=7)


def _bars(axis: Any, results: dict[str, Any], workload: str, title: str) -> None:
    groups = [g for g in results["groups"] if g["workload"] == workload]
    if not groups:
        return
    rows = _ok(max(groups, key=lambda g: g["params"].get("branches", 8)))
    labels = [f"{row['name']}\n({row['face']})" for row in rows]
    values = [median(row, events_per_s) for row in rows]
    colors = [_COLORS.get(row["name"], "C7") for row in rows]
    axis.barh(labels, values, color=colors)
    axis.set(xscale="log", xlabel="events/s (higher is better)", title=title)
    axis.tick_params(axis="y", labelsize=7)


def _smoothness(axis: Any, results: dict[str, Any]) -> None:
    groups = [
        g
        for g in results["groups"]
        if g["workload"] == "one_tool_call" and g["label"] == "three modes"
    ]
    if not groups:
        return
    rows = _ok(max(groups, key=lambda g: g["params"]["n"]))
    labels = [f"{row['name']}\n({row['face']})" for row in rows]
    axis.barh(
        labels,
        [median(row, lambda s: s["half"]) for row in rows],
        color=[_COLORS.get(row["name"], "C7") for row in rows],
    )
    axis.axvline(0.5, color="k", linestyle=":")
    axis.set(
        xlim=(0, 1),
        xlabel="time until half the events / wall time (0.5 = even)",
        title="smoothness, one tool call, three modes (largest N)",
    )
    axis.tick_params(axis="y", labelsize=7)


def _operators(axis: Any, results: dict[str, Any]) -> None:
    groups = [g for g in results["groups"] if g["workload"] == "operators"]
    if not groups:
        return
    rows = _ok(groups[-1])
    floor = next((r for r in rows if r["name"].startswith("base")), None)
    if floor is None:
        return
    base = median(floor, us_per_input)
    others = [row for row in rows if row is not floor]
    axis.barh(
        [_per(row) for row in others],
        [_over(row, base) for row in others],
        color="C0",
    )
    for name, limit in (("filter_mode", 0.5), ("buffer_tokens", 1.5), ("throttle_custom", 1.0)):
        names = [row["name"] for row in others]
        if name in names:
            index = names.index(name)
            axis.plot([limit, limit], [index - 0.4, index + 0.4], color="C3")
    axis.set(
        xlabel=f"µs over a bare filter + map ({base:.2f} µs/event); red: target",
        title="operator overhead",
    )


def _per(row: dict[str, Any]) -> str:
    return f"{row['name']} (per token)" if row["name"] == "buffer_tokens" else str(row["name"])


def _over(row: dict[str, Any], base: float) -> float:
    """The overhead per event; per input token for ``buffer_tokens`` (its target's unit)."""
    over = median(row, us_per_input) - base
    extra = row["samples"][0]["extra"]
    if row["name"] == "buffer_tokens":
        return over * float(extra["inputs"]) / float(extra["tokens"])
    return over


def _concurrent(axis: Any, results: dict[str, Any]) -> None:
    groups = [g for g in results["groups"] if g["workload"] == "concurrent"]
    points = sorted((g["params"]["n"], median(row, events_per_s)) for g in groups for row in _ok(g))
    if not points:
        return
    xs, ys = zip(*points, strict=True)
    axis.plot(xs, ys, "-o", color="C0", label="rxagent astream()")
    axis.axhline(200_000, color="C3", linestyle=":", label="target: 200k events/s")
    axis.set(
        xscale="log",
        xlabel="concurrent runs (1,000 tokens each)",
        ylabel="events/s (higher is better)",
        title="concurrent runs on the async face",
    )
    axis.set_ylim(bottom=0)
    axis.legend(fontsize=7)


def _long_run(axis: Any, results: dict[str, Any]) -> None:
    lines: dict[str, list[tuple[int, float]]] = {}
    for group in results["groups"]:
        if group["workload"] == "long_run":
            for row in _ok(group):
                if row["name"] == "rxagent":
                    label = f"rxagent ({row['face']})"
                    point = (group["params"]["n"], median(row, us_per_event))
                    lines.setdefault(label, []).append(point)
    if not lines:
        return
    for label, points in lines.items():
        xs, ys = zip(*sorted(points), strict=True)
        axis.plot(xs, ys, "--" if "async" in label else "-", marker="o", label=label)
    axis.set(
        xscale="log",
        xlabel="tokens in one run",
        ylabel="µs/token (flat is the target)",
        title="one long run, messages",
    )
    axis.set_ylim(bottom=0)
    axis.legend(fontsize=7)
