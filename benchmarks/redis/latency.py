"""Emission in a graph node → arrival at an SSE client, ``serve --redis`` beside ``serve``.

The graph is the serving benchmark's (``benchmarks/serve/graphs.py``, ``rx``): one node
writes ``events`` custom payloads ``{"i", "t": time.time_ns()}``, ``period`` s apart. The
client is this process (httpx, ``POST /runs/stream``, ``stream_mode=["custom"]``), with 1,
10 and 100 concurrent streams, for

* ``rxagent serve`` alone: the run runs in the server and its log is the memory store;
* ``rxagent serve --redis`` with one ``rxagent worker --concurrency <most streams>``: the
  server appends a run request, the worker runs the graph and publishes the log, the server
  reads it (``XREAD BLOCK``) and encodes it to SSE: three processes and Redis.

Each configuration starts its processes once, warms up with a short run, then measures
each concurrency in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.redis._server import cpu_seconds, serve, worker
from benchmarks.redis.throughput import redis_cpu_seconds
from benchmarks.serve.client import one_stream

IN_PROCESS = "rxagent serve (runs in process, memory store)"
ON_REDIS = "rxagent serve --redis + 1 rxagent worker"


@dataclass(frozen=True)
class LatencyRow:
    """One configuration at one concurrency."""

    server: str
    streams: int
    events: int
    received: int
    p50_ms: float
    p99_ms: float
    events_per_s: float
    first_event_ms: float
    server_cpu_us_per_event: float
    """CPU of the ``rxagent serve`` process per event received."""
    worker_cpu_us_per_event: float
    """CPU of the ``rxagent worker`` process per event received (0: no worker)."""
    redis_cpu_us_per_event: float
    """CPU of redis-server per event received (0: no Redis)."""


def measure(url: str, streams: Sequence[int], events: int, period: float) -> list[LatencyRow]:
    """Both configurations at every concurrency in ``streams`` (Redis at ``url``)."""
    rows: list[LatencyRow] = []
    with tempfile.TemporaryDirectory(prefix="rxagent-bench-serve-") as folder:
        for name in (IN_PROCESS, ON_REDIS):
            with _deployment(name, url, max(streams), Path(folder)) as deployment:
                rows += asyncio.run(_all(deployment, streams, events, period))
    return rows


@dataclass(frozen=True)
class _Deployment:
    name: str
    base: str
    server: int
    """The pid of ``rxagent serve``."""
    worker: int | None
    """The pid of ``rxagent worker``."""
    redis: str | None
    """Redis's URL."""

    async def cpu(self) -> tuple[float, float, float]:
        """CPU seconds used so far: the server's, the worker's, redis-server's."""
        worker = 0.0 if self.worker is None else cpu_seconds(self.worker)
        redis = 0.0 if self.redis is None else await redis_cpu_seconds(self.redis)
        return cpu_seconds(self.server), worker, redis


@contextlib.contextmanager
def _deployment(name: str, url: str, concurrency: int, folder: Path) -> Iterator[_Deployment]:
    if name == IN_PROCESS:
        with serve(None, "", folder) as (base, server):
            yield _Deployment(name, base, server, None, None)
        return
    prefix = f"lat{uuid.uuid4().hex[:8]}"
    with (
        worker(url, prefix, concurrency, folder) as worker_pid,
        serve(url, prefix, folder) as (base, server),
    ):
        yield _Deployment(name, base, server, worker_pid, url)


async def _all(
    deployment: _Deployment, streams: Sequence[int], events: int, period: float
) -> list[LatencyRow]:
    limits = httpx.Limits(max_connections=max(streams) + 5)
    async with httpx.AsyncClient(base_url=deployment.base, timeout=120, limits=limits) as client:
        await one_stream(client, 5, period)  # warm up: imports, first-run caches
        return [await _streams(deployment, client, n, events, period) for n in streams]


async def _streams(
    deployment: _Deployment, client: httpx.AsyncClient, streams: int, events: int, period: float
) -> LatencyRow:
    cpu = await deployment.cpu()
    start = time.perf_counter()
    results = await asyncio.gather(*(one_stream(client, events, period) for _ in range(streams)))
    elapsed = time.perf_counter() - start
    used = [after - before for after, before in zip(await deployment.cpu(), cpu, strict=True)]
    latencies = sorted(ms for result, _ in results for ms in result)
    first = statistics.median(first for _, first in results)
    received = len(latencies)
    q = statistics.quantiles(latencies, n=100) if received >= 2 else [latencies[0]] * 99
    per_event = [seconds * 1e6 / max(received, 1) for seconds in used]
    return LatencyRow(
        deployment.name,
        streams,
        events * streams,
        received,
        q[49],
        q[98],
        received / elapsed,
        first,
        *per_event,
    )
