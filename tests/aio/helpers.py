"""Helpers of the aio tests: async iterables that count what they are asked, and the pull."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import TypeVar

from aiostream.core import streamcontext

from rxagent.events import Event, MessageEvent
from rxagent.messages import text_chunk
from tests.support import Outcome

T = TypeVar("T")

BOOM = RuntimeError("boom")


def token(n: int, message: str | None = None) -> MessageEvent:
    """A token event with ``seq`` ``n``, of message ``message`` (default: one per token)."""
    return MessageEvent(data=(text_chunk(f"t{n}", message or f"m{n}"), {}), seq=n)


def tokens(count: int) -> list[Event]:
    """``count`` token events, one message each, ``seq`` 0, 1, ..."""
    return [token(n) for n in range(count)]


class Feed:
    """A re-iterable async iterable of ``events`` (then ``error``, if given) that counts
    the items pulled and the ``aclose()`` calls of its iterators; ``events=None``: endless."""

    def __init__(self, events: Sequence[Event] | None, error: Exception | None = None) -> None:
        self.events = events
        self.error = error
        self.pulled = 0
        self.closed = 0
        self.iterators = 0

    def __aiter__(self) -> AsyncIterator[Event]:
        self.iterators += 1
        return _FeedIterator(self)


class _FeedIterator:
    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.index = 0
        self.done = False

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        feed = self.feed
        if self.done:
            raise StopAsyncIteration
        if feed.events is None:
            feed.pulled += 1
            self.index += 1
            return token(self.index - 1)
        if self.index < len(feed.events):
            self.index += 1
            feed.pulled += 1
            return feed.events[self.index - 1]
        self.done = True
        if feed.error is not None:
            raise feed.error
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.done = True
        self.feed.closed += 1


async def generate(events: Sequence[Event], error: Exception | None = None) -> AsyncIterator[Event]:
    """An async generator of ``events``, then ``error`` if given."""
    for event in events:
        yield event
    if error is not None:
        raise error


async def collect(iterable: AsyncIterable[T]) -> Outcome[T]:
    """The items of ``iterable`` (entered as aiostream requires), then its error."""
    items: list[T] = []
    try:
        async with streamcontext(iterable) as events:
            async for event in events:
                items.append(event)
    except Exception as error:
        return Outcome(items, error)
    return Outcome(items)


def pulled(iterable: AsyncIterable[T]) -> Outcome[T]:
    """``collect`` in ``asyncio.run``."""
    return asyncio.run(collect(iterable))


async def turns(count: int = 5) -> None:
    """Give the loop ``count`` turns (a slow consumer; no time passes)."""
    for _ in range(count):
        await asyncio.sleep(0)
