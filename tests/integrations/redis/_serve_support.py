"""Servers on Redis and workers for ``test_serve_redis.py``.

:func:`redis_servers` serves apps on ``RedisRunStore``s in threads; :func:`workers` runs a
real :class:`~rxagent.integrations.redis._worker.Worker` on the test's loop;
:func:`worker_command` is ``rxagent worker`` of the ``ticker`` agent, for processes that a
test kills or the scale test starts.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from typing import Any, TypedDict

from rxagent import END, START, StateGraph, get_stream_writer
from rxagent.graph import CompiledStateGraph
from rxagent.integrations.redis import RedisRunStore
from rxagent.integrations.redis._worker import Worker
from rxagent.integrations.web import create_app, serve_in_thread

HEARTBEAT_TIMEOUT = 1.0
"""The stores' and workers' heartbeat timeout here (a dead worker is noticed within it)."""


class TickState(TypedDict, total=False):
    n: int
    delay: float
    done: int


def ticker_agent() -> CompiledStateGraph:
    """Writes ``n`` custom events ``{"i": 0..n-1}``, ``delay`` s apart (input ``{"n",
    "delay"}``), then sets ``done``."""

    async def tick(state: TickState) -> dict[str, Any]:
        writer = get_stream_writer()
        count, delay = state.get("n", 10), state.get("delay", 0.0)
        for index in range(count):
            writer({"i": index})
            if delay:
                await asyncio.sleep(delay)
        return {"done": count}

    graph = StateGraph(TickState).add_node("tick", tick)
    return graph.add_edge(START, "tick").add_edge("tick", END).compile()


TICKER = ticker_agent()
"""The ``ticker`` agent, for ``rxagent worker --agent ticker=<this module>:TICKER``."""


@contextmanager
def redis_servers(
    url: str, agents: Mapping[str, Any], prefix: str, n: int = 2
) -> Iterator[list[str]]:
    """``n`` apps on ``RedisRunStore``s (one Redis, one prefix) on uvicorn; their URLs."""
    with ExitStack() as stack:
        urls = []
        for _ in range(n):
            store = RedisRunStore(url, prefix=prefix, heartbeat_timeout=HEARTBEAT_TIMEOUT)
            app = create_app(agents, store=store, keepalive=1.0)
            urls.append(stack.enter_context(serve_in_thread(app)))
        yield urls


@asynccontextmanager
async def workers(
    url: str, agents: Mapping[str, Any], prefix: str, *, concurrency: int = 8
) -> AsyncIterator[Worker]:
    """A :class:`Worker` for ``agents`` on this loop, stopped on the way out."""
    worker = Worker(
        url,
        agents,
        prefix=prefix,
        concurrency=concurrency,
        heartbeat_interval=0.2,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
        grace=0.0,
    )
    running = asyncio.create_task(worker.run())
    ready = asyncio.create_task(worker.ready.wait())
    await asyncio.wait([running, ready], return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if running.done():
        await running  # raises what stopped it
    try:
        yield worker
    finally:
        worker.stop()
        await running


def worker_command(
    url: str, prefix: str, *, concurrency: int = 4, heartbeat_timeout: float = HEARTBEAT_TIMEOUT
) -> list[str]:
    """``rxagent worker`` of ``TICKER`` with a fast heartbeat (a dead worker is noticed
    within ``heartbeat_timeout``), as a process's argv."""
    return [
        *(sys.executable, "-m", "rxagent", "worker", "--redis", url, "--prefix", prefix),
        *("--agent", "ticker=tests.integrations.redis._serve_support:TICKER"),
        *("--concurrency", str(concurrency), "--heartbeat-interval", "0.2"),
        *("--heartbeat-timeout", str(heartbeat_timeout), "--grace", "0"),
    ]
