"""Agents for the worker tests, and ``rxagent worker`` processes running them.

``steps``: custom events ``{"i": 0..n-1}`` then an update ``{"out": n}``, deterministic.
``gated``: a custom event ``"started"``, then waits until the Redis key ``input["gate"]``
(at ``input["url"]``) exists, then ``"done"``: the test decides when a run is mid-way.
Both read ``input["n"]`` / ``input["gate"]``; their state is ``{"n", "gate", "url", "out"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TypedDict

from redis.asyncio import Redis

from rxagent import END, START, StateGraph, get_stream_writer

ROOT = Path(__file__).resolve().parents[3]
MODULE = "tests.integrations.redis._worker_procs"


class State(TypedDict, total=False):
    n: int
    gate: str
    url: str
    out: int


def _steps_node(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    for i in range(state.get("n", 3)):
        write({"i": i})
    return {"out": state.get("n", 3)}


async def _gated_node(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    write("started")
    redis = Redis.from_url(state["url"])
    try:
        while not await redis.exists(state["gate"]):
            await asyncio.sleep(0.02)
    finally:
        await redis.aclose()
    write("done")
    return {"out": 1}


def _graph(node: Any) -> Any:
    graph = StateGraph(State)
    graph.add_node("work", node)
    graph.add_edge(START, "work")
    graph.add_edge("work", END)
    return graph.compile()


steps = _graph(_steps_node)
gated = _graph(_gated_node)

AGENTS = (f"steps={MODULE}:steps", f"gated={MODULE}:gated")
FAST = ("--heartbeat-interval", "0.2", "--heartbeat-timeout", "1", "--block-ms", "200")


def spawn_worker(url: str, *extra: str) -> subprocess.Popen[str]:
    """``python -m rxagent worker`` with both agents and small timeouts; returns once it
    says it serves (killed, and an ``AssertionError``, if not within 10 s)."""
    agents = [arg for spec in AGENTS for arg in ("--agent", spec)]
    command = [sys.executable, "-m", "rxagent", "worker", "--redis", url, *agents, *FAST, *extra]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until ready or exit
    if not line.startswith("rxagent worker:"):
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"the worker did not start: {line!r} {err[-2000:]}")
    return process


def stop(process: subprocess.Popen[str], timeout: float = 10) -> tuple[int, str]:
    """Wait for ``process`` to exit (killed after ``timeout``); its code and stderr."""
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return process.returncode, err


@contextlib.contextmanager
def workers(url: str, n: int, *extra: str) -> Iterator[list[subprocess.Popen[str]]]:
    """``n`` worker processes, killed at the end whatever happened."""
    started: list[subprocess.Popen[str]] = []
    try:
        for _ in range(n):
            started.append(spawn_worker(url, *extra))
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            stop(process)


async def wait_until(check: Any, what: str, timeout: float = 10.0) -> None:
    """Poll ``await check()`` every 20 ms until true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def aiter_list(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]
