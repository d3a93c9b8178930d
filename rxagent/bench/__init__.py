"""Measure your own agent's streaming: events/s, first event, smoothness, peak RSS.

``rxagent bench --agent module:attr`` calls :func:`measure`. It streams the agent through
its public faces only (``stream()`` or ``astream()`` in LangChain's shapes), so it
measures anything that has them: an rxagent graph, a LangGraph graph, your own pipeline.
The comparison with LangGraph and the floors is not here: it lives in the repository's
``benchmarks/`` (``make bench``).

Example:
    >>> from rxagent import ScriptedModel, create_agent
    >>> agent = create_agent(ScriptedModel(["Hello there, world."]))
    >>> question = {"messages": [{"role": "user", "content": "Hi"}]}
    >>> result = measure(agent, question, stream_mode="messages", runs=2)
    >>> result.runs, result.events
    (2, 4)
    >>> result.events_per_s > 0 and 0 < result.half_events_at <= 1
    True
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ("Measurement", "measure", "peak_rss_mib")


@dataclass(frozen=True)
class Measurement:
    """What :func:`measure` saw: medians over the runs."""

    runs: int
    """How many runs were measured (after one untimed warm-up run)."""
    events: int
    """Items the consumer received in one run."""
    seconds: float
    """Wall time of one run, from the call to the last item."""
    events_per_s: float
    """``events / seconds``."""
    first_event_ms: float
    """From the call to the first item, in milliseconds."""
    half_events_at: float
    """The time until half the items had arrived over the wall time: 0.5 when the items
    stream evenly, near 1.0 when they come in a burst at the end."""
    peak_rss_mib: float
    """This process's peak resident set size after the runs, in MiB (imports included)."""


def measure(
    agent: Any,
    inputs: Any,
    *,
    stream_mode: str | list[str] | None = None,
    face: Literal["sync", "async"] = "sync",
    runs: int = 3,
) -> Measurement:
    """Stream ``agent`` on ``inputs`` ``runs`` times (after one warm-up) and time it.

    Args:
        agent: anything with ``stream(inputs, stream_mode=...)`` (and ``astream`` for the
            async face).
        inputs: the run's input, as ``stream()`` takes it.
        stream_mode: passed to ``stream()``; ``None``: the agent's default.
        face: ``"sync"`` consumes ``stream()``, ``"async"`` ``astream()`` in ``asyncio.run``.
        runs: measured runs (at least 1); every figure is the median over them.

    Raises:
        ValueError: ``runs`` below 1 or an unknown ``face``.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if face not in ("sync", "async"):
        raise ValueError(f"face must be 'sync' or 'async', got {face!r}")
    kwargs = {} if stream_mode is None else {"stream_mode": stream_mode}
    _one_run(agent, inputs, kwargs, face)  # warm-up: imports, caches, first compilation
    samples = [_one_run(agent, inputs, kwargs, face) for _ in range(runs)]
    events = int(statistics.median(count for count, _, _, _ in samples))
    seconds = statistics.median(wall for _, wall, _, _ in samples)
    return Measurement(
        runs=runs,
        events=events,
        seconds=seconds,
        events_per_s=events / seconds if seconds else math.nan,
        first_event_ms=statistics.median(first for _, _, first, _ in samples) * 1e3,
        half_events_at=statistics.median(half for _, _, _, half in samples),
        peak_rss_mib=peak_rss_mib(),
    )


_EVERY = 64
"""Stamp the clock at every 64th item (and the first): cheap enough for any stream."""


def _one_run(
    agent: Any, inputs: Any, kwargs: dict[str, Any], face: str
) -> tuple[int, float, float, float]:
    """One run: (items, wall seconds, seconds to the first item, half-items fraction)."""
    count, first, stamps = 0, math.nan, [0.0]

    def see() -> None:
        nonlocal count, first
        count += 1
        if count == 1:
            first = time.perf_counter()
        if count % _EVERY == 0:
            stamps.append(time.perf_counter())

    start = time.perf_counter()
    if face == "async":

        async def consume() -> None:
            async for _item in agent.astream(inputs, **kwargs):
                see()

        asyncio.run(consume())
    else:
        items: Iterable[Any] = agent.stream(inputs, **kwargs)
        for _item in items:
            see()
    wall = time.perf_counter() - start
    stamps[0] = first
    half = stamps[count // 2 // _EVERY] - start if count else math.nan
    return count, wall, first - start, half / wall if wall else math.nan


def peak_rss_mib() -> float:
    """This process's peak resident set size in MiB (``nan`` where it cannot be read)."""
    try:
        import resource
    except ImportError:  # Windows
        return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
