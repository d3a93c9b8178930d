"""SCALE TEST (issue 11): 2 ``rxagent serve --redis`` and 3 ``rxagent worker`` processes,
100 concurrent runs of 1,000 events each, started round robin and streamed over SSE from
the other server: every stream complete and in order. Real processes, one Redis; about
20 s here (two shared cores).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integrations.redis._serve_support import worker_command
from tests.integrations.web.server.support import read_frames

RUNS = 100
EVENTS = 1000
SILENCE = 10.0
"""The workers' heartbeat timeout (the servers' is twice that)."""

pytestmark = pytest.mark.timeout(180)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{process.args!r} did not start:\n{path.read_text()[-2000:]}")
        time.sleep(0.05)


@pytest.fixture
def deployment(redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """2 servers and 3 workers (processes) on one prefix; the servers' URLs."""
    prefix = f"scale{uuid.uuid4().hex[:6]}"
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for index in range(3):
            log = tmp_path / f"worker{index}.log"
            with log.open("wb") as out:
                # no process dies here: timeouts that a loaded CI machine cannot trip (a
                # 1 s one did, once: a worker starved for a second was taken for dead)
                command = worker_command(
                    redis_url, prefix, concurrency=40, heartbeat_timeout=SILENCE
                )
                processes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
            _wait_for(log, "serving ticker", processes[-1])
        for index in range(2):
            port = _free_port()
            log = tmp_path / f"server{index}.log"
            command = [
                *(sys.executable, "-m", "rxagent", "serve", "--redis", redis_url),
                *("--prefix", prefix, "--port", str(port), "--heartbeat-timeout", str(2 * SILENCE)),
                *("--agent", "ticker=tests.integrations.redis._serve_support:TICKER"),
            ]
            with log.open("wb") as out:
                processes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
            _wait_for(log, "rxagent serve: ticker at", processes[-1])
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _one_run(client: httpx.AsyncClient, start: str, stream: str, index: int) -> list[int]:
    """Start a run on ``start``, stream it from the beginning on ``stream``; its ticks."""
    body = {"assistant_id": "ticker", "input": {"n": EVENTS}, "stream_mode": "custom"}
    async with client.stream("POST", f"{start}/runs/stream", json=body) as started:
        assert started.status_code == 200
        location = started.headers["location"]  # /threads/<tid>/runs/<rid>/stream
    ticks: list[int] = []
    headers = {"Last-Event-ID": "-1"}
    async with client.stream("GET", stream + location, headers=headers) as joined:
        assert joined.status_code == 200, f"run {index}: {joined.status_code}"
        async for frame in read_frames(joined):
            assert frame.event in ("metadata", "custom"), f"run {index}: {frame}"
            if frame.event == "custom":
                ticks.append(json.loads(frame.data)["i"])
    return ticks


async def test_scale_100_runs_of_1000_events_through_2_servers_and_3_workers(
    deployment: list[str],
) -> None:
    limits = httpx.Limits(max_connections=2 * RUNS + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        runs = [
            _one_run(client, deployment[i % 2], deployment[(i + 1) % 2], i) for i in range(RUNS)
        ]
        results = await asyncio.gather(*runs)
    for index, ticks in enumerate(results):
        assert ticks == list(range(EVENTS)), f"run {index}: {len(ticks)} ticks, or out of order"
