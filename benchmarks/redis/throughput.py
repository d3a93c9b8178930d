"""Events/s through a run log: producer → store → subscriber, Redis beside memory.

One row is ``runs`` concurrent runs of the same events (:mod:`.workload`), each with one
producer and one subscriber that reads it from the start while it is written; the time is
from the first producer's start to the last subscriber's terminal entry.

* ``memory``: :class:`~rxagent.integrations.web.MemoryRunStore` (``append`` / ``read``), as
  ``rxagent serve`` without ``--redis`` keeps a run: all in this process's loop. Nothing
  is encoded (the store keeps the event objects), and as no append waits, a producer runs
  to its end before its subscriber reads (which the time includes).
* ``redis``: :func:`~rxagent.integrations.redis.publish` (one ``APPEND`` script call per
  entry, awaited, as a worker publishes) and
  :func:`~rxagent.integrations.redis.read_entries` (``XREAD BLOCK``) in this process.
* ``redis, subscriber in another process``: the same publishers here, the readers in a
  ``python -m benchmarks.redis._subscriber`` process (its clock is this one's).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from benchmarks.redis._server import ROOT
from benchmarks.redis.workload import source
from rxagent.events import Event
from rxagent.integrations.redis import publish, read_entries
from rxagent.integrations.web import Entry, MemoryRunStore
from rxagent.integrations.web._store import FROM_START

MEMORY = "memory store, same process"
REDIS = "Redis, subscriber in the same process"
REDIS_OTHER = "Redis, subscriber in another process"
PATHS = (MEMORY, REDIS, REDIS_OTHER)


@dataclass(frozen=True)
class ThroughputRow:
    """One path at one concurrency (the best of the repeats)."""

    path: str
    runs: int
    sent: int
    received: int
    seconds: float
    events_per_s: float
    cpu_us_per_event: float
    """CPU time of the benchmark's processes (and of redis-server) per event received."""
    redis_cpu_us_per_event: float
    """The part of ``cpu_us_per_event`` spent in redis-server (``INFO cpu``)."""


async def measure(
    url: str, events: Sequence[Event], runs: Sequence[int], repeats: int
) -> list[ThroughputRow]:
    """Every path at every concurrency in ``runs``, best of ``repeats`` (paths interleaved)."""
    best: dict[tuple[str, int], ThroughputRow] = {}
    for _ in range(repeats):
        for count in runs:
            for path in PATHS:
                row = await _once(path, url, events, count)
                kept = best.get((path, count))
                if kept is None or row.seconds < kept.seconds:
                    best[(path, count)] = row
    return [best[(path, count)] for count in runs for path in PATHS]


async def _once(path: str, url: str, events: Sequence[Event], runs: int) -> ThroughputRow:
    ids = [f"t{uuid.uuid4().hex[:10]}-{i}" for i in range(runs)]
    redis_cpu, cpu, other_cpu = await redis_cpu_seconds(url), time.process_time(), 0.0
    if path == MEMORY:
        seconds, received = await _memory(ids, events)
    elif path == REDIS:
        seconds, received = await _redis(url, ids, events)
    else:
        seconds, received, other_cpu = await _redis_other_process(url, ids, events)
    redis_cpu = await redis_cpu_seconds(url) - redis_cpu
    cpu = time.process_time() - cpu + other_cpu + redis_cpu
    sent = len(events) * runs
    per_event = 1e6 / max(received, 1)
    return ThroughputRow(
        path,
        runs,
        sent,
        received,
        seconds,
        received / seconds,
        cpu * per_event,
        redis_cpu * per_event,
    )


async def redis_cpu_seconds(url: str) -> float:
    """The CPU seconds redis-server has used (user + system, ``INFO cpu``)."""
    client = Redis.from_url(url)
    try:
        info = await client.info("cpu")
    finally:
        await client.aclose()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def _memory(ids: list[str], events: Sequence[Event]) -> tuple[float, int]:
    store = MemoryRunStore(max_runs=len(ids) + 10, max_entries_per_run=len(events) + 10)
    for run_id in ids:
        await store.create_run(run_id, "thread", "bench")

    async def produce(run_id: str) -> None:
        await store.append(run_id, "metadata", data={"run_id": run_id, "attempt": 1})
        async for event in source(events):
            await store.append(run_id, "event", event)
        await store.append(run_id, "end")

    async def consume(run_id: str) -> int:
        items = store.read(run_id, FROM_START)
        return sum([isinstance(item, Entry) and item.kind == "event" async for item in items])

    start = time.perf_counter()
    readers = [asyncio.create_task(consume(run_id)) for run_id in ids]
    await asyncio.gather(*(produce(run_id) for run_id in ids))
    received = sum(await asyncio.gather(*readers))
    return time.perf_counter() - start, received


async def _redis(url: str, ids: list[str], events: Sequence[Event]) -> tuple[float, int]:
    start = time.perf_counter()
    readers = [asyncio.create_task(count_events(url, run_id)) for run_id in ids]
    await asyncio.gather(*(publish(url, run_id, source(events)) for run_id in ids))
    received = sum(await asyncio.gather(*readers))
    return time.perf_counter() - start, received


async def count_events(url: str, run_id: str) -> int:
    """Read a run's log from the start to its terminal entry; the number of events."""
    return sum([entry.kind == "event" async for entry in read_entries(url, run_id)])


async def _redis_other_process(
    url: str, ids: list[str], events: Sequence[Event]
) -> tuple[float, int, float]:
    command = [sys.executable, "-m", "benchmarks.redis._subscriber", url, *ids]
    pipe = subprocess.PIPE
    with subprocess.Popen(command, cwd=ROOT, stdin=pipe, stdout=pipe, text=True) as process:
        report, start = await _drive(process, url, ids, events)
    if process.returncode != 0:
        raise RuntimeError(f"the subscriber process exited with {process.returncode}")
    seconds = (report["done_ns"] - start) / 1e9
    return seconds, int(report["received"]), float(report["cpu_s"])


async def _drive(
    process: subprocess.Popen[str], url: str, ids: list[str], events: Sequence[Event]
) -> tuple[dict[str, Any], int]:
    """Start the subscriber process's reads, publish here; its report, and when we began."""
    assert process.stdin is not None
    assert process.stdout is not None
    ready = await asyncio.to_thread(process.stdout.readline)
    assert ready.strip() == "ready", f"the subscriber process said {ready!r}"
    start = time.time_ns()
    process.stdin.write("go\n")
    process.stdin.flush()
    await asyncio.gather(*(publish(url, run_id, source(events)) for run_id in ids))
    report: dict[str, Any] = json.loads(await asyncio.to_thread(process.stdout.readline))
    return report, start
