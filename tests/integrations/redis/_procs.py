"""Producers and subscribers in processes of their own, for the Redis tests.

``python -m tests.integrations.redis._procs subscribe URL RUN_ID HEARTBEAT_TIMEOUT BLOCK_MS``
prints ``EVENT <json>`` per event, then ``DONE`` or ``ERROR <class> <message>``.
``python -m tests.integrations.redis._procs produce URL RUN_ID N DELAY HEARTBEAT_INTERVAL``
publishes ``N`` custom events ``DELAY`` seconds apart, then prints ``DONE``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

from rxagent.bridges import to_aiter
from rxagent.events import EVENT_ADAPTER, CustomEvent, Event
from rxagent.integrations.redis import publish, subscribe


def numbered(i: int) -> CustomEvent:
    """The ``i``-th event a test producer sends."""
    return CustomEvent(data={"n": i, "nested": {"list": [i, "x"]}}, node="tool", seq=i)


async def _subscribe(url: str, run_id: str, heartbeat_timeout: float, block_ms: int) -> None:
    events = subscribe(url, run_id, heartbeat_timeout=heartbeat_timeout, block_ms=block_ms)
    try:
        async for event in to_aiter(events):
            print("EVENT", EVENT_ADAPTER.dump_json(event).decode(), flush=True)
    except Exception as error:
        print("ERROR", type(error).__name__, str(error).replace("\n", " "), flush=True)
    else:
        print("DONE", flush=True)


async def _events(n: int, delay: float) -> AsyncIterator[Event]:
    for i in range(n):
        yield numbered(i)
        await asyncio.sleep(delay)


async def _produce(url: str, run_id: str, n: int, delay: float, interval: float) -> None:
    await publish(url, run_id, _events(n, delay), heartbeat_interval=interval)
    print("DONE", flush=True)


def main(argv: list[str]) -> None:
    command, url, run_id, *rest = argv
    if command == "subscribe":
        asyncio.run(_subscribe(url, run_id, float(rest[0]), int(rest[1])))
    else:
        asyncio.run(_produce(url, run_id, int(rest[0]), float(rest[1]), float(rest[2])))


if __name__ == "__main__":
    main(sys.argv[1:])
