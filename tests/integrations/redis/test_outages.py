"""Redis going away under a run: restarted without persistence, or gone for good."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from rxagent.events import CustomEvent, Event
from rxagent.integrations.redis import (
    LogClosed,
    LogGap,
    LogUnavailable,
    ProducerDied,
    PublishFailed,
    RunPublisher,
    publish,
    subscribe,
)
from tests.integrations.redis._helpers import collect_until_error, dumps, new_run_id
from tests.integrations.redis._serve_support import redis_servers, ticker_agent, workers
from tests.integrations.redis.conftest import RedisServer
from tests.integrations.web.server.support import read_frames


async def paced(n: int, delay: float) -> AsyncIterator[Event]:
    for i in range(n):
        yield CustomEvent(data=i, seq=i)
        await asyncio.sleep(delay)


async def test_a_restart_without_persistence_is_reported_or_survived_never_silent(
    own_redis_server: RedisServer,
) -> None:
    url, run_id = own_redis_server.url, new_run_id()
    events = [event async for event in paced(150, 0)]
    producer = asyncio.create_task(
        publish(url, run_id, paced(150, 0.01), heartbeat_interval=0.1, reconnect_timeout=5)
    )
    reader = asyncio.create_task(
        collect_until_error(subscribe(url, run_id, heartbeat_timeout=2, block_ms=200))
    )
    await asyncio.sleep(0.4)
    own_redis_server.kill()  # every key is gone: the log, the heartbeat
    await asyncio.sleep(0.3)
    own_redis_server.start()
    got, error = await asyncio.wait_for(reader, 10)  # never a silent wait
    if error is None:  # survived: then it lost nothing and duplicated nothing
        assert dumps(got) == dumps(events)
    else:
        assert isinstance(error, LogGap | ProducerDied | LogUnavailable), error
        assert dumps(got) == dumps(events[: len(got)])
    outcome = await asyncio.gather(asyncio.wait_for(producer, 10), return_exceptions=True)
    assert not isinstance(outcome[0], asyncio.TimeoutError)
    # the log was re-created without its first entries: a reader from the start is told so
    _, late_error = await collect_until_error(subscribe(url, run_id, heartbeat_timeout=0.5))
    assert isinstance(late_error, LogGap | ProducerDied)


async def test_redis_gone_for_good_fails_the_producer_loudly(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = RunPublisher(own_redis_server.url, new_run_id(), reconnect_timeout=0.5)
    await publisher.start()
    own_redis_server.kill()
    with pytest.raises(PublishFailed, match="lost Redis while appending a 'event' entry"):
        await publisher.append(CustomEvent(data=1))
    await publisher.abandon(PublishFailed("x", "gone"))  # Redis still away: no error raised
    assert "retrying in" in caplog.text
    assert "giving up" in caplog.text


async def test_redis_gone_for_good_fails_the_reader_loudly(
    own_redis_server: RedisServer,
) -> None:
    url, run_id = own_redis_server.url, new_run_id()
    producer = asyncio.create_task(publish(url, run_id, paced(1000, 0.01), reconnect_timeout=0.3))
    reader = asyncio.create_task(
        collect_until_error(
            subscribe(url, run_id, heartbeat_timeout=0.3, block_ms=200, reconnect_timeout=1)
        )
    )
    await asyncio.sleep(0.2)
    own_redis_server.kill()
    _, error = await asyncio.wait_for(reader, 15)
    assert isinstance(error, LogUnavailable), error
    assert "lost Redis while reading" in str(error)
    with pytest.raises((PublishFailed, LogClosed)):
        await asyncio.wait_for(producer, 10)


async def test_a_restart_under_serve_ends_the_sse_stream_or_completes_it(
    own_redis_server: RedisServer,
) -> None:
    """``rxagent serve --redis`` with a worker: Redis restarted without persistence while a
    client streams a run. The stream completes in order or ends with an error frame, within
    a bounded time; it never hangs silently."""
    url, prefix = own_redis_server.url, f"o{new_run_id()}"
    agents = {"ticker": ticker_agent()}
    with redis_servers(url, agents, prefix, n=1) as [server]:
        async with workers(url, agents, prefix):
            body = {"assistant_id": "ticker", "input": {"n": 150, "delay": 0.01}}
            frames: list[Any] = []

            async def read() -> None:
                async with (
                    httpx.AsyncClient(timeout=30) as client,
                    client.stream(
                        "POST", f"{server}/runs/stream", json={**body, "stream_mode": "custom"}
                    ) as response,
                ):
                    async for frame in read_frames(response):
                        frames.append(frame)

            reading = asyncio.create_task(read())
            while sum(frame.event == "custom" for frame in frames) < 20:
                await asyncio.sleep(0.02)
            own_redis_server.kill()
            await asyncio.sleep(0.3)
            own_redis_server.start()
            await asyncio.wait_for(reading, 20)  # never a silent wait
    ticks = [json.loads(frame.data)["i"] for frame in frames if frame.event == "custom"]
    assert ticks == list(range(len(ticks)))  # in order, nothing twice
    if frames[-1].event == "error":
        assert json.loads(frames[-1].data)["error"] in ("LogGap", "ProducerDied", "LogUnavailable")
    else:
        assert ticks == list(range(150))
