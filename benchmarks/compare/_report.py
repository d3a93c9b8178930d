"""The Markdown report: the machine, one table per workload, and the targets."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from importlib import metadata
from typing import Any, cast

from benchmarks.compare._targets import evaluate, machine_speed

_PACKAGES = ("rxagent", "reactivex", "pydantic", "langgraph", "langchain", "langchain-core")
_TITLES = {
    "one_tool_call": "1. One tool call",
    "fan_out": "2. Fan-out: 8 and 64 branches of N/branches tokens, merged",
    "long_stream": "3. Long stream: buffer_tokens + throttle_custom, consumer keeps nothing",
    "operators": "4. Operators: overhead over a bare filter + map, same pre-built events",
    "chat_node": "5. A LangChain chat model inside a node (the quickstart chatbot), messages",
    "langchain_long": "6. One long answer of a LangChain model through the fast path, messages",
    "concurrent": "7. Concurrent runs on the async face, three modes",
    "rounds": "8. An agent of many rounds (model ↔ tool), three modes",
    "long_run": "9. One long run (ScriptedModel), messages",
}


def machine() -> dict[str, Any]:
    """Where the suite ran: CPUs, CPU model, Python and package versions."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        model = names[0] if names else model
    except OSError:
        pass
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "packages": versions,
    }


def stat(row: dict[str, Any], value: Callable[[dict[str, Any]], float]) -> list[float]:
    """``value`` of each sample of ``row``."""
    return [value(sample) for sample in row["samples"]]


def median(row: dict[str, Any], value: Callable[[dict[str, Any]], float]) -> float:
    """The median of ``value`` over the samples of ``row`` (NaN without samples)."""
    values = stat(row, value)
    return float(statistics.median(values)) if values else float("nan")


def us_per_event(sample: dict[str, Any]) -> float:
    """µs per delivered event."""
    return float(sample["wall"]) / max(1, int(sample["events"])) * 1e6


def us_per_input(sample: dict[str, Any]) -> float:
    """µs per input event (workloads 3 and 4: the operators may emit fewer)."""
    return float(sample["wall"]) / max(1.0, float(sample["extra"].get("inputs", 1))) * 1e6


def events_per_s(sample: dict[str, Any]) -> float:
    """Delivered events per second."""
    return float(sample["events"] / sample["wall"]) if sample["wall"] else float("nan")


def _spread(values: list[float], fmt: str) -> str:
    if not values:
        return "–"
    low, mid, high = min(values), statistics.median(values), max(values)
    if len(values) == 1:
        return format(mid, fmt)
    return f"{mid:{fmt}} ({low:{fmt}}–{high:{fmt}})"


def _langgraph(group: dict[str, Any], face: str) -> dict[str, Any] | None:
    for row in group["rows"]:
        if row["name"] == "langgraph" and row["face"] == face and row["samples"]:
            return cast("dict[str, Any]", row)
    return None


def _ratio(group: dict[str, Any], row: dict[str, Any]) -> str:
    other = _langgraph(group, row["face"])
    if other is None or not row["samples"] or not row["name"].startswith("rxagent"):
        return ""
    return f"{median(row, events_per_s) / median(other, events_per_s):.1f}×"


def _size(group: dict[str, Any]) -> str:
    params = group["params"]
    size = f"N={params['n']:,}"
    return size + (f" K={params['k']:,}" if "k" in params else "")


def _flow_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    samples = row["samples"]
    return [
        f"{row['name']} ({row['face']})",
        f"{group['label']}, {_size(group)}",
        f"{samples[0]['events']:,}",
        _spread(stat(row, us_per_event), ".2f"),
        _spread(stat(row, events_per_s), ",.0f"),
        _ratio(group, row),
        _spread(stat(row, lambda s: s["first"] * 1e3), ".2f"),
        _spread(stat(row, lambda s: s["half"]), ".2f"),
        f"{row['rss_mib']:.0f}",
    ]


def _long_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    samples = row["samples"]
    return [
        f"{row['name']} ({row['face']})",
        f"{group['label']}, {_size(group)}",
        f"{samples[0]['extra']['inputs']:,.0f} → {samples[0]['events']:,}",
        _spread(stat(row, us_per_input), ".2f"),
        _spread(stat(row, lambda s: s["extra"]["rss_growth_mib"]), ".1f"),
        f"{row['rss_mib']:.0f}",
    ]


def _operator_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    floor = next(r for r in group["rows"] if r["name"].startswith("base"))
    base = median(floor, us_per_input) if floor["samples"] else float("nan")
    over = median(row, us_per_input) - base
    tokens = row["samples"][0]["extra"]["tokens"]
    per_token = over * row["samples"][0]["extra"]["inputs"] / tokens
    return [
        row["name"],
        f"{row['samples'][0]['extra']['inputs']:,.0f} → {row['samples'][0]['events']:,}",
        _spread(stat(row, us_per_input), ".3f"),
        "–" if row is floor else f"{over:+.3f}",
        "–" if row is floor else f"{per_token:+.3f}",
        f"{row['rss_mib']:.0f}",
    ]


_MODEL_ALONE = "LangChain model alone"


def _chat_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    n = int(group["params"]["n"])

    def per_token(sample: dict[str, Any]) -> float:
        return float(sample["wall"]) / n * 1e6

    bare = [
        other
        for other in group["rows"]
        if other["name"] == _MODEL_ALONE and other["face"] == row["face"] and other["samples"]
    ]
    over = "–"
    if bare and row["name"] != _MODEL_ALONE:
        over = f"{median(row, per_token) - median(bare[0], per_token):+.2f}"
    return [
        f"{row['name']} ({row['face']})",
        f"{group['label']}, {_size(group)}",
        f"{row['samples'][0]['events']:,}",
        _spread(stat(row, per_token), ".2f"),
        _ratio(group, row),
        over,
        _spread(stat(row, lambda s: s["first"] * 1e3), ".2f"),
        f"{row['rss_mib']:.0f}",
    ]


def _extra(row: dict[str, Any], key: str, fmt: str) -> str:
    return _spread(stat(row, lambda s: float(s["extra"][key])), fmt)


def _concurrent_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    return [
        row["name"],
        _runs_label(group["params"]),
        f"{row['samples'][0]['events']:,}",
        _spread(stat(row, events_per_s), ",.0f"),
        _extra(row, "first_per_run_ahead_ms", ".3f"),
        _worst_runs(row),
        _extra(row, "last_first_ms", ".1f"),
        _full_collections(row),
        _extra(row, "mib_per_run", ".3f"),
        f"{row['rss_mib']:.0f}",
    ]


def _runs_label(params: dict[str, Any]) -> str:
    passes = int(params.get("passes", 1))
    label = f"{params['n']:,} × {params['tokens']:,} tokens"
    return label if passes == 1 else f"{label}, {passes:,} passes"


def _worst_runs(row: dict[str, Any]) -> str:
    """Which run was the worst for its first event, in each sample (``run 0``: the first)."""
    runs = [sample["extra"].get("worst_run") for sample in row["samples"]]
    return ", ".join("–" if run is None else f"{int(run):,}" for run in runs) or "–"


def _full_collections(row: dict[str, Any]) -> str:
    """The full collections of the median sample's pass and their milliseconds."""
    if "full_gcs" not in row["samples"][0]["extra"]:
        return "–"
    count = statistics.median(float(s["extra"]["full_gcs"]) for s in row["samples"])
    return f"{count:g}: {_extra(row, 'full_gc_ms', '.1f')}"


def _rounds_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    return [
        row["name"],
        f"{group['params']['n']:,} rounds",
        f"{row['samples'][0]['events']:,}",
        _extra(row, "early_us", ",.0f"),
        _extra(row, "late_us", ",.0f"),
        _extra(row, "ratio", ".2f"),
        f"{row['rss_mib']:.0f}",
    ]


def _long_run_row(group: dict[str, Any], row: dict[str, Any]) -> list[str]:
    size = f"N={group['params']['n']:,}"
    if "sync_bytes_per_token" in row["samples"][0]["extra"]:  # the untimed memory row
        sync, run_async = "sync_bytes_per_token", "async_bytes_per_token"
        memory = f"{_extra(row, sync, '.1f')} / {_extra(row, run_async, '.1f')}"
        return [row["name"], size, "–", "–", "–", "–", "–", memory]
    return [
        f"{row['name']} ({row['face']})",
        size,
        f"{row['samples'][0]['events']:,}",
        _spread(stat(row, us_per_event), ".2f"),
        _spread(stat(row, events_per_s), ",.0f"),
        _spread(stat(row, lambda s: s["first"] * 1e3), ".2f"),
        f"{row['rss_mib']:.0f}",
        "–",
    ]


_LAYOUTS: dict[str, tuple[tuple[str, ...], Callable[..., list[str]]]] = {
    "concurrent": (
        (
            "configuration",
            "runs",
            "events",
            "events/s",
            "first event per run ahead (ms, worst)",
            "worst run (each sample)",
            "last run's first event (ms)",
            "full collections: ms",
            "MiB per run (tracemalloc)",
            "peak RSS (MiB)",
        ),
        _concurrent_row,
    ),
    "rounds": (
        (
            "configuration",
            "workload",
            "events",
            "round near 10 (µs)",
            "round at the end (µs)",
            "ratio",
            "peak RSS (MiB)",
        ),
        _rounds_row,
    ),
    "long_run": (
        (
            "configuration",
            "tokens",
            "events",
            "µs/event",
            "events/s",
            "first event (ms)",
            "peak RSS (MiB)",
            "traced peak B/token (sync / async)",
        ),
        _long_run_row,
    ),
    "flow": (
        (
            "configuration",
            "workload",
            "events",
            "µs/event",
            "events/s",
            "vs LangGraph",
            "first event (ms)",
            "half events at",
            "peak RSS (MiB)",
        ),
        _flow_row,
    ),
    "long_stream": (
        (
            "configuration",
            "workload",
            "events in → out",
            "µs/input event",
            "RSS growth (MiB)",
            "peak RSS (MiB)",
        ),
        _long_row,
    ),
    "operators": (
        (
            "pipeline tail",
            "events in → out",
            "µs/input event",
            "overhead µs/event",
            "overhead µs/token",
            "peak RSS (MiB)",
        ),
        _operator_row,
    ),
    "chat_node": (
        (
            "configuration",
            "workload",
            "events",
            "µs/token",
            "vs LangGraph",
            "over the model alone (µs/token)",
            "first event (ms)",
            "peak RSS (MiB)",
        ),
        _chat_row,
    ),
}


def _table(workload: str, groups: list[dict[str, Any]]) -> list[str]:
    columns, make = _LAYOUTS.get(workload, _LAYOUTS["flow"])
    lines = ["| " + " | ".join(columns) + " |", "|---|---|" + "---:|" * (len(columns) - 2)]
    notes = []
    for group in groups:
        for row in group["rows"]:
            if row["status"] == "ok" and row["samples"]:
                lines.append("| " + " | ".join(make(group, row)) + " |")
            else:
                notes.append(
                    f"- {row['name']} ({row['face']}), {_size(group)}: "
                    f"{row['status']}: {row['reason']}"
                )
    return lines + (["", *notes] if notes else [])


def render(results: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    info = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    lines = [
        f"# rxagent beside LangGraph and the floors ({results['level']})",
        "",
        f"Machine: {info['nproc']} CPUs, {info['cpu']}, {info['platform']}, Python "
        f"{info['python']}; {versions}.",
        f"Cells: median (min–max) of {results['repeat']} run(s); each configuration in its "
        "own process, runs of a comparison interleaved, each run timed from a collected "
        "heap (gc.collect() before it). 'half events at' = time until half "
        "the events arrived / wall time (0.5 = even streaming, 1.0 = all at the end).",
        machine_speed(results),
    ]
    for workload, title in _TITLES.items():
        groups = [g for g in results["groups"] if g["workload"] == workload]
        if groups:
            lines += ["", f"## {title}", "", *_table(workload, groups)]
    lines += ["", "## Targets", ""]
    if results["level"] != "full":
        lines += [
            f"The targets are set for the full sizes; at '{results['level']}' sizes they "
            "are indicative only.",
            "",
        ]
    lines += ["| target | measured | result |", "|---|---|---|"]
    for target in evaluate(results):
        mark = {True: "✅ pass", False: "❌ miss", None: "– not measured"}[target["pass"]]
        lines.append(f"| {target['target']} | {target['measured']} | {mark} |")
    return "\n".join(lines) + "\n"
