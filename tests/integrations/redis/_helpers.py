"""Small helpers shared by the Redis tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from reactivex import Observable
from redis.asyncio import Redis

from rxagent.bridges import to_aiter
from rxagent.events import EVENT_ADAPTER, Event


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex[:12]}"


def dumps(events: Sequence[Event]) -> list[bytes]:
    return [EVENT_ADAPTER.dump_json(event) for event in events]


async def collect(events: Observable[Event]) -> list[Event]:
    return [event async for event in to_aiter(events)]


async def collect_until_error(events: Observable[Event]) -> tuple[list[Event], Exception | None]:
    """The events, and the error that ended them (``None`` if they completed)."""
    got: list[Event] = []
    try:
        async for event in to_aiter(events):
            got.append(event)
    except Exception as error:
        return got, error
    return got, None


@asynccontextmanager
async def client(url: str, **kwargs: Any) -> AsyncIterator[Redis]:
    redis = Redis.from_url(url, **kwargs)
    try:
        yield redis
    finally:
        await redis.aclose()


def log_key(run_id: str, prefix: str = "rxagent") -> str:
    return f"{prefix}:run:{run_id}:log"


def heartbeat_key(run_id: str, prefix: str = "rxagent") -> str:
    return f"{prefix}:run:{run_id}:heartbeat"


Row = tuple[bytes, dict[bytes, bytes]]


async def log_rows(url: str, run_id: str) -> list[Row]:
    """The run's log as ``XRANGE`` gives it (bytes ids and fields)."""
    async with client(url) as redis:
        return cast(list[Row], await redis.xrange(log_key(run_id)))


async def write_raw(url: str, run_id: str, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """XADD ``rows`` (``(id, fields)``; id ``*`` for automatic) to the run's log as they are."""
    async with client(url) as redis:
        for entry_id, fields in rows:
            await redis.xadd(log_key(run_id), cast(Any, fields), id=entry_id)
