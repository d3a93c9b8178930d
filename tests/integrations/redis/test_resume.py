"""A reader that disconnects anywhere and resumes from its last id loses and repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.events import CustomEvent, Event
from rxagent.integrations.redis import publish, read_entries
from rxagent.integrations.web._entries import Entry
from tests.integrations.redis._helpers import dumps, new_run_id
from tests.integrations.redis.conftest import RedisServer

N = 40


async def paced() -> AsyncIterator[Event]:
    for i in range(N):
        yield CustomEvent(data=i, seq=i)
        if i % 7 == 0:
            await asyncio.sleep(0.005)


async def read_in_pieces(url: str, run_id: str, pieces: list[int]) -> list[Entry]:
    """Read ``pieces[0]`` entries, disconnect, resume after the last id, and so on."""
    seen: list[Entry] = []
    after = "-"
    for size in [*pieces, 10**6]:
        entries = read_entries(url, run_id, after=after, heartbeat_timeout=5)
        try:
            async for entry in entries:
                seen.append(entry)
                if entry.terminal:
                    return seen
                size -= 1
                if size == 0:
                    break
        finally:
            await entries.aclose()  # type: ignore[attr-defined]  # an async generator
        after = str(seen[-1].id) if seen else "-"
    return seen


@settings(max_examples=8, deadline=None)
@given(pieces=st.lists(st.integers(1, N // 2), min_size=1, max_size=5))
def test_resuming_from_the_last_id_loses_and_duplicates_nothing(
    redis_server: RedisServer, pieces: list[int]
) -> None:
    async def scenario() -> tuple[list[Entry], list[Event]]:
        run_id = new_run_id()
        producer = asyncio.create_task(publish(redis_server.url, run_id, paced()))
        seen = await read_in_pieces(redis_server.url, run_id, pieces)
        await producer
        return seen, [event async for event in paced()]

    seen, events = asyncio.run(scenario())
    assert [entry.kind for entry in seen] == ["metadata"] + ["event"] * N + ["end"]
    assert [entry.id for entry in seen] == sorted({entry.id for entry in seen})
    assert dumps([entry.event for entry in seen if entry.event is not None]) == dumps(events)
