"""What both serving benchmarks share: the SSE client of one stream, stopping a process."""

from __future__ import annotations

import json
import subprocess
import time

import httpx


async def one_stream(
    client: httpx.AsyncClient, events: int, period: float
) -> tuple[list[float], float]:
    """The latencies (ms) of one run's custom events, and the ms from request to the first.

    The run is the paced graph of :mod:`benchmarks.serve.graphs` (assistant ``bench``):
    each custom event carries its emission time (``t``, ``time.time_ns()``)."""
    body = {
        "assistant_id": "bench",
        "input": {"events": events, "period": period},
        "stream_mode": ["custom"],
    }
    latencies: list[float] = []
    event_name = ""
    sent = time.perf_counter()
    first = 0.0
    async with client.stream("POST", "/runs/stream", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            arrived = time.time_ns()
            if line.startswith("event:"):
                event_name = line[6:].strip()
            elif line.startswith("data:") and event_name == "custom":
                payload = json.loads(line[5:])
                latencies.append((arrived - payload["t"]) / 1e6)
                first = first or (time.perf_counter() - sent) * 1000
    return latencies, first


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
