"""What a retained run costs: Redis memory per finished run, beside the memory store's.

``runs`` runs of the same events (:mod:`.workload`) are published and finished, so each
log is retained (``retention``, 120 s by default) with its ``metadata`` and ``end``
entries. Redis: ``INFO memory`` ``used_memory`` before and after (the scripts already
loaded; the keys are deleted at the end), and ``MEMORY USAGE <log> SAMPLES 0`` of one
log. The memory store: ``tracemalloc``'s growth while a
:class:`~rxagent.integrations.web.MemoryRunStore` takes the same runs, each with event
objects of its own (decoded from JSON, as a run makes new ones), so the Python objects a
server keeps per run.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from benchmarks.redis.workload import fresh, source
from rxagent.events import Event
from rxagent.integrations.redis import publish, run_keys
from rxagent.integrations.web import MemoryRunStore


@dataclass(frozen=True)
class MemoryRow:
    """Memory held by ``runs`` finished runs of ``events`` events each, in one store."""

    store: str
    runs: int
    events: int
    bytes_total: int
    bytes_per_run: float
    bytes_per_event: float
    log_key_bytes: int
    """``MEMORY USAGE`` of one run's log key (Redis only; 0 for the memory store)."""


async def measure(url: str, events: Sequence[Event], runs: int) -> list[MemoryRow]:
    """Redis then the memory store, ``runs`` retained runs of ``events``."""
    return [await _redis(url, events, runs), await _memory(events, runs)]


async def _redis(url: str, events: Sequence[Event], runs: int) -> MemoryRow:
    client = Redis.from_url(url)
    warm = f"warm-{uuid.uuid4().hex[:8]}"
    ids = [f"m{uuid.uuid4().hex[:10]}-{i}" for i in range(runs)]
    try:
        await publish(url, warm, source(events[:2]))  # loads the scripts
        await client.unlink(*_keys(warm))
        before = int((await client.info("memory"))["used_memory"])
        await asyncio.gather(*(publish(url, run_id, source(events)) for run_id in ids))
        after = int((await client.info("memory"))["used_memory"])
        log_key = await client.memory_usage(run_keys(ids[0]).log, samples=0)
    finally:
        await client.unlink(*(key for run_id in ids for key in _keys(run_id)))
        await client.aclose()
    return _row("Redis (used_memory)", runs, len(events), after - before, int(log_key or 0))


def _keys(run_id: str) -> tuple[str, str]:
    keys = run_keys(run_id)
    return keys.log, keys.heartbeat


async def _memory(events: Sequence[Event], runs: int) -> MemoryRow:
    store = MemoryRunStore(max_runs=runs + 10, max_entries_per_run=len(events) + 10)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(runs):
            await _keep(store, f"m{i}", fresh(events))  # objects made while traced
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return _row("memory store (Python objects)", runs, len(events), grown, 0)


async def _keep(store: MemoryRunStore, run_id: str, events: Sequence[Event]) -> None:
    await store.create_run(run_id, "thread", "bench")
    await store.append(run_id, "metadata", data={"run_id": run_id, "attempt": 1})
    for event in events:
        await store.append(run_id, "event", event)
    await store.append(run_id, "end")


def _row(store: str, runs: int, events: int, total: int, log_key: int) -> MemoryRow:
    return MemoryRow(store, runs, events, total, total / runs, total / (runs * events), log_key)
