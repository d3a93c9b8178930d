"""The issue's targets, evaluated on one run's results (never shaped: printed as measured)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, cast

Target = dict[str, Any]
_Row = dict[str, Any]


def _median(row: _Row | None, value: Callable[[dict[str, Any]], float]) -> float:
    from benchmarks.compare._report import median

    return math.nan if row is None else median(row, value)


def _groups(results: dict[str, Any], workload: str, label: str) -> list[dict[str, Any]]:
    found = [g for g in results["groups"] if g["workload"] == workload and g["label"] == label]
    return sorted(found, key=lambda g: g["params"]["n"])


def _largest(results: dict[str, Any], workload: str, label: str) -> dict[str, Any] | None:
    groups = _groups(results, workload, label)
    return groups[-1] if groups else None


def _row(group: dict[str, Any] | None, name: str, face: str) -> _Row | None:
    for row in group["rows"] if group else []:
        if row["name"] == name and row["face"] == face and row["samples"]:
            return cast("_Row", row)
    return None


def _target(text: str, value: float, limit: float, measured: str, *, at_most: bool) -> Target:
    if math.isnan(value):
        return {"target": text, "measured": "not measured (a row is missing)", "pass": None}
    passed = value <= limit if at_most else value >= limit
    return {"target": text, "measured": measured, "pass": passed}


def _where(group: dict[str, Any] | None) -> str:
    if group is None:
        return ""
    params = group["params"]
    return f"N={params['n']:,}" + (f", K={params['k']:,}" if "k" in params else "")


def _speedups(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import events_per_s

    cases = (
        ("one_tool_call", "three modes", 15, "one tool call, three modes"),
        ("one_tool_call", "custom only", 3, "custom only"),
        ("fan_out", "8 branches", 15, "fan-out"),
    )
    for workload, label, factor, text in cases:
        group = _largest(results, workload, label)
        for face in ("sync", "async"):
            ours = _median(_row(group, "rxagent", face), events_per_s)
            theirs = _median(_row(group, "langgraph", face), events_per_s)
            ratio = ours / theirs
            yield _target(
                f"{text} ({face}, {_where(group)}): rxagent ≥ {factor}× LangGraph events/s",
                ratio,
                factor,
                f"{ratio:.1f}× ({ours:,.0f} vs {theirs:,.0f}/s)",
                at_most=False,
            )


REFERENCE_FLOOR = {"sync": 0.85, "async": 1.08}
"""The token-chunk floor (µs/event) of the machine the issue set its µs targets on."""


def _seeds_floor(results: dict[str, Any], face: str) -> float:
    """The token-chunk floor of the seeds' workload (largest N) in this run, µs/event."""
    from benchmarks.compare._agents import CHUNK_FLOOR
    from benchmarks.compare._report import us_per_event

    group = _largest(results, "one_tool_call", "three modes")
    return _median(_row(group, CHUNK_FLOOR, face), us_per_event)


def machine_speed(results: dict[str, Any]) -> str:
    """One line for the report: this run's floor beside the targets' reference machine's."""
    floors = [_seeds_floor(results, face) for face in REFERENCE_FLOOR]
    if any(math.isnan(floor) for floor in floors):
        return "Machine speed: not measured (the seeds' floor rows are missing)."
    ours = " / ".join(f"{floor:.2f}" for floor in floors)
    theirs = " / ".join(f"{floor:.2f}" for floor in REFERENCE_FLOOR.values())
    return (
        f"Machine speed: token-chunk floor {ours} µs/event (sync / async, seeds' workload); "
        f"the issue set its µs targets beside {theirs} (the verdicts below are absolute)."
    )


def _per_event(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import us_per_event

    group = _largest(results, "one_tool_call", "three modes")
    for face in ("sync", "async"):
        ours = _median(_row(group, "rxagent", face), us_per_event)
        floor = _seeds_floor(results, face)
        # The machine beside the verdict; the verdict itself stays the absolute one.
        relative = "" if math.isnan(floor) else f" = {ours / floor:.2f}× the floor's {floor:.2f}"
        yield _target(
            f"seeds' workload ≤ 2.0 µs/event ({face}, three modes, {_where(group)})",
            ours,
            2.0,
            f"{ours:.2f} µs/event{relative}",
            at_most=True,
        )


def _flow_rows(results: dict[str, Any]) -> Iterator[tuple[dict[str, Any], _Row]]:
    for group in results["groups"]:
        if group["workload"] in ("one_tool_call", "fan_out"):
            for row in group["rows"]:
                if row["name"] == "rxagent" and row["samples"]:
                    yield group, row


def _latency(results: dict[str, Any]) -> Iterator[Target]:
    worst_first, first_at = math.nan, ""
    worst_half, half_at = math.nan, ""
    for group, row in _flow_rows(results):
        first = _median(row, lambda s: s["first"] * 1e3)
        if not first <= worst_first:
            worst_first, first_at = first, f"{group['label']} {_where(group)} {row['face']}"
        if row["samples"][0]["events"] < 10_000:  # too few events to judge (updates only)
            continue
        half = _median(row, lambda s: s["half"])
        if not abs(half - 0.5) <= abs(worst_half - 0.5):
            worst_half, half_at = half, f"{group['label']} {_where(group)} {row['face']}"
    yield _target(
        "time to first event ≤ 5 ms at every N (rxagent, worst median)",
        worst_first,
        5.0,
        f"{worst_first:.2f} ms ({first_at})",
        at_most=True,
    )
    yield _target(
        "smooth: half the events by 0.35–0.65 of wall time (rxagent, ≥ 10,000 events, worst)",
        abs(worst_half - 0.5),
        0.15,
        f"{worst_half:.2f} ({half_at})",
        at_most=True,
    )


def _rss(row: _Row | None) -> float:
    return math.nan if row is None or row["rss_mib"] is None else float(row["rss_mib"])


def _memory(results: dict[str, Any]) -> Iterator[Target]:
    group = _largest(results, "one_tool_call", "three modes")
    for face in ("sync", "async"):
        ours = _rss(_row(group, "rxagent", face))
        theirs = _rss(_row(group, "langgraph", face))
        yield _target(
            f"peak RSS ≤ 1/3 of LangGraph's ({face}, three modes, {_where(group)})",
            ours / theirs,
            1 / 3,
            f"{ours:.0f} vs {theirs:.0f} MiB = {ours / theirs:.2f}×",
            at_most=True,
        )
    long = _largest(results, "long_stream", "buffer_tokens + throttle_custom")
    growth = _median(_row(long, "rxagent", "push"), lambda s: s["extra"]["rss_growth_mib"])
    yield _target(
        f"O(1) memory: RSS growth < 10 MB over {_where(long)} tokens (workload 3)",
        growth,
        10.0,
        f"{growth:.1f} MiB",
        at_most=True,
    )


def _delivery(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import us_per_event

    group = _largest(results, "one_tool_call", "messages only")
    for face in ("sync", "async"):
        bare = _median(_row(group, "LangChain model alone", face), us_per_event)
        ours = _median(_row(group, "rxagent + LangChain model", face), us_per_event) - bare
        theirs = _median(_row(group, "langgraph", face), us_per_event) - bare
        if theirs <= 0:  # LangGraph's overhead is lost in the noise: no ratio to judge
            theirs = math.nan
        yield _target(
            f"same LangChain model: rxagent's delivery overhead ≤ 1/5 of LangGraph's ({face}, "
            f"messages, {_where(group)})",
            ours / theirs,
            0.2,
            f"{ours:.2f} vs {theirs:.2f} µs/token over the model's {bare:.2f} = "
            f"{ours / theirs:.2f}×",
            at_most=True,
        )


_FAST = "rxagent + LangChain model (fast path)"
_RAW = "LangChain model raw chunks"


def _fast_path(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import events_per_s, us_per_event

    group = _largest(results, "one_tool_call", "messages only")
    where = f"messages, {_where(group)}"
    for face in ("sync", "async"):
        fast = _median(_row(group, _FAST, face), us_per_event)
        raw = _median(_row(group, _RAW, face), us_per_event)
        yield _target(
            f"LangChain model, fast path: ≤ 10 µs/token end to end ({face}, {where})",
            fast,
            10.0,
            f"{fast:.2f} µs/token",
            at_most=True,
        )
        yield _target(
            f"LangChain model, fast path: ≤ 3.5 µs/token over the provider's raw chunk stream "
            f"({face}, {where})",
            fast - raw,
            3.5,
            f"{fast - raw:.2f} µs/token over the raw stream's {raw:.2f}",
            at_most=True,
        )
        ours = _median(_row(group, _FAST, face), events_per_s)
        theirs = _median(_row(group, "langgraph", face), events_per_s)
        yield _target(
            f"LangChain model, fast path: ≥ 2× LangGraph's events/s ({face}, {where})",
            ours / theirs,
            2.0,
            f"{ours / theirs:.1f}× ({ours:,.0f} vs {theirs:,.0f}/s)",
            at_most=False,
        )
        ours = _median(_row(group, "rxagent + LangChain model (traced)", face), us_per_event)
        theirs = _median(_row(group, "langgraph (traced)", face), us_per_event)
        yield _target(
            f"LangChain model with a tracer configured: no slower than LangGraph ({face}, {where})",
            ours / theirs,
            1.0,
            f"{ours:.2f} vs {theirs:.2f} µs/event = {ours / theirs:.2f}×",
            at_most=True,
        )
    yield from _long_answer(results)


def _long_answer(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import us_per_event

    groups = _groups(results, "langchain_long", "fast path, messages")
    first, last = (groups[0], groups[-1]) if len(groups) > 1 else (None, None)
    span = f"N={_where(first)[2:]} → {_where(last)[2:]}" if first and last else ""
    for face in ("sync", "async"):
        small = _median(_row(first, _FAST, face), us_per_event)
        large = _median(_row(last, _FAST, face), us_per_event)
        yield _target(
            f"LangChain model, fast path: flat µs/token ({face}, {span}, ≤ 1.25×)",
            large / small,
            1.25,
            f"{small:.2f} → {large:.2f} µs/token = {large / small:.2f}×",
            at_most=True,
        )
        tokens = (last["params"]["n"] - first["params"]["n"]) if first and last else math.nan
        grown = _rss(_row(last, _FAST, face)) - _rss(_row(first, _FAST, face))
        per_token = grown * 2**20 / tokens
        yield _target(
            f"LangChain model, fast path: ≤ 50 bytes retained per token ({face}, peak RSS "
            f"growth over {span})",
            per_token,
            50.0,
            f"{per_token:.0f} B/token ({grown:+.1f} MiB)",
            at_most=True,
        )


def _operators(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._report import us_per_input

    group = _largest(results, "operators", "pre-built events")
    floor = _median(_row(group, "base: filter+map", "push"), us_per_input)
    for name, limit, per_token in (
        ("filter_mode", 0.5, False),
        ("buffer_tokens", 1.5, True),
        ("throttle_custom", 1.0, False),
    ):
        row = _row(group, name, "push")
        over = _median(row, us_per_input) - floor
        unit = "event"
        if per_token and row is not None:
            extra = row["samples"][0]["extra"]
            over, unit = over * extra["inputs"] / extra["tokens"], "input token"
        yield _target(
            f"{name}: ≤ {limit} µs per {unit} over a bare filter + map",
            over,
            limit,
            f"{over:+.3f} µs/{unit} (filter + map {floor:.3f})",
            at_most=True,
        )


def _load_targets(results: dict[str, Any]) -> Iterator[Target]:
    from benchmarks.compare._load_targets import concurrent, long_run, rounds

    yield from concurrent(results)
    yield from rounds(results)
    yield from long_run(results)


def evaluate(results: dict[str, Any]) -> list[Target]:
    """Every target with what was measured and pass (True), miss (False) or None."""
    return [
        *_speedups(results),
        *_per_event(results),
        *_load_targets(results),
        *_latency(results),
        *_memory(results),
        *_delivery(results),
        *_fast_path(results),
        *_operators(results),
    ]
