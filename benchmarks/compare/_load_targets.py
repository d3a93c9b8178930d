"""Issue 12's targets under load: concurrent runs, 1,000 rounds, one long run."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from benchmarks.compare._load import MEMORY, ONE_OBJECT
from benchmarks.compare._report import events_per_s, us_per_event
from benchmarks.compare._targets import Target, _groups, _median, _row, _target


def _extra(row: dict[str, Any] | None, key: str) -> float:
    return _median(row, lambda sample: float(sample["extra"][key]))


def concurrent(results: dict[str, Any]) -> Iterator[Target]:
    """≥ 200k events/s and ≤ 0.1 MiB per run at 1,000 runs; first event; flat throughput."""
    groups = [g for g in results["groups"] if g["workload"] == "concurrent"]
    groups.sort(key=lambda g: g["params"]["n"])
    rows = [(g["params"]["n"], _row(g, "rxagent astream()", "push")) for g in groups]
    small, large = (rows[0], rows[-1]) if len(rows) > 1 else ((0, None), (0, None))
    runs, tokens = large[0], groups[-1]["params"]["tokens"] if groups else 0
    rate = _median(large[1], events_per_s)
    yield _target(
        f"{runs:,} concurrent runs × {tokens:,} tokens (astream): ≥ 200,000 events/s",
        rate,
        200_000,
        f"{rate:,.0f} events/s",
        at_most=False,
    )
    mib = _extra(large[1], "mib_per_run")
    yield _target(
        f"{runs:,} concurrent runs: ≤ 0.1 MiB per run (tracemalloc peak / runs)",
        mib,
        0.1,
        f"{mib:.3f} MiB/run",
        at_most=True,
    )
    first = _extra(large[1], "first_per_run_ahead_ms")
    last = _extra(large[1], "last_first_ms")
    yield _target(
        f"{runs:,} concurrent runs: time to first event ≤ 0.4 ms per run started ahead of it "
        "(worst run)",
        first,
        0.4,
        f"{first:.3f} ms per run{_worst(large[1])} (the last run's first event at "
        f"{last:.1f} ms{_pauses(large[1])})",
        at_most=True,
    )
    low = _median(small[1], events_per_s)
    ratio = rate / low
    yield _target(
        f"throughput at {runs:,} runs ≥ 80% of that at {small[0]:,}",
        ratio,
        0.8,
        f"{ratio:.0%} ({rate:,.0f} vs {low:,.0f} events/s)",
        at_most=False,
    )


def _worst(row: dict[str, Any] | None) -> str:
    """Which run was the worst, in each sample (run 0 starts first)."""
    runs = [s["extra"].get("worst_run") for s in row["samples"]] if row and row["samples"] else []
    if not runs or any(run is None for run in runs):
        return ""
    if len(set(runs)) == 1:
        return f", worst at run {int(runs[0]):,} in every sample"
    return f", worst at runs {', '.join(f'{int(run):,}' for run in runs)} (one per sample)"


def _pauses(row: dict[str, Any] | None) -> str:
    """The garbage collector's full collections during the pass (median sample)."""
    if not row or not row["samples"] or "full_gcs" not in row["samples"][0]["extra"]:
        return ""
    count, ms = _extra(row, "full_gcs"), _extra(row, "full_gc_ms")
    noun = "collection" if count == 1 else "collections"
    return f"; the pass's {count:g} full {noun}: {ms:.1f} ms"


def rounds(results: dict[str, Any]) -> Iterator[Target]:
    """The cost of a round at round 1,000 ≤ 1.5× that at round 10."""
    for group in _groups(results, "rounds", "model ↔ tool, three modes"):
        for row in group["rows"]:
            found = _row(group, row["name"], "push")
            ratio = _extra(found, "ratio")
            early, late = _extra(found, "early_us"), _extra(found, "late_us")
            yield _target(
                f"{group['params']['n']:,}-round agent, {row['name']}: a round at the end "
                "≤ 1.5× a round near round 10",
                ratio,
                1.5,
                f"{late:,.0f} vs {early:,.0f} µs = {ratio:.2f}×",
                at_most=True,
            )


def long_run(results: dict[str, Any]) -> Iterator[Target]:
    """Flat µs/token from the smallest to the largest run; retained memory O(text)."""
    groups = _groups(results, "long_run", "one answer, messages")
    first, last = (groups[0], groups[-1]) if len(groups) > 1 else (None, None)
    span = f"{first['params']['n']:,} → {last['params']['n']:,}" if first and last else ""
    for face in ("sync", "async"):
        small = _median(_row(first, "rxagent", face), us_per_event)
        large = _median(_row(last, "rxagent", face), us_per_event)
        yield _target(
            f"one long run, flat µs/token ({face}, {span} tokens, ≤ 1.25×)",
            large / small,
            1.25,
            f"{small:.2f} → {large:.2f} µs/token = {large / small:.2f}×",
            at_most=True,
        )
        per_token = _extra(_row(last, MEMORY, "push"), f"{face}_bytes_per_token")
        size = last["params"]["n"] if last else math.nan
        yield _target(
            f"one long run of {size:,} tokens ({face}): retained memory O(text), under one "
            f"Python object per token (tracemalloc peak < {ONE_OBJECT} B/token)",
            per_token,
            ONE_OBJECT,
            f"{per_token:.1f} B/token",
            at_most=True,
        )
