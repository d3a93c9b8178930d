"""Pulling an async iterable of events: entering it, pumping it into an observer, closing it.

Invariants of :func:`pumped` (each has a test in ``tests/aio/test_source.py``):

P1. *Pull on room.* The pump runs on the subscriber's loop and pulls the next item only
    after the observer returned from the last one and, while the consumer's :class:`Flow`
    has pressure, only once it has room again: a bridge ``maxsize`` behind holds at most
    ``maxsize + 1`` items the iterable yielded.
P2. *Closed once.* Whatever ends the subscription (the end of the iterable, its error,
    disposal, cancellation of the loop's task), the iterator is ``aclose()``d before the
    pump's task ends; a bridge's ``aclose()`` waits for it.
P3. *Errors in order.* An error the iterable raises reaches the observer after every item
    it yielded before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator

from aiostream import Stream
from aiostream.core import streamcontext
from reactivex import Observable, abc

from rxagent._flow import PACE_EVERY, Flow, flow_of, loop_of
from rxagent.events import Event
from rxagent.graph._node import launch


def pumped(iterable: AsyncIterable[Event]) -> Observable[Event]:
    """A cold Observable that iterates ``iterable`` anew for each subscription (P1–P3).

    On a loop (the subscriber's scheduler's, else the running one) the pump is a task of
    that loop and disposal cancels it; with no loop at all, ``subscribe`` runs the whole
    iteration in ``asyncio.run`` before it returns, as a graph run does.
    """

    def subscribe(
        observer: abc.ObserverBase[Event], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        flow = flow_of(scheduler)
        return launch(loop_of(scheduler), flow, _pump(iterable, observer, flow))

    return Observable(subscribe)


async def _pump(
    iterable: AsyncIterable[Event], observer: abc.ObserverBase[Event], flow: Flow
) -> None:
    try:
        iterator = await enter(iterable)
        try:
            await _drain(iterator, observer.on_next, flow)
        finally:
            await close(iterator)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        observer.on_error(error)
        return
    observer.on_completed()


async def _drain(iterator: AsyncIterator[Event], emit: abc.OnNext[Event], flow: Flow) -> None:
    count = PACE_EVERY - 1  # look at pacing after the first item: the first look yields
    async for event in iterator:
        emit(event)
        if flow.pressure:  # the consumer is full: pull again once it has room (P1)
            await flow.pace()
            continue
        count += 1
        if count == PACE_EVERY:
            count = 0
            if flow.due():
                await flow.pace()


async def enter(iterable: AsyncIterable[Event]) -> AsyncIterator[Event]:
    """``aiter(iterable)``; an aiostream stream is entered first, as aiostream requires (a
    streamer the caller entered is used as it is)."""
    if isinstance(iterable, Stream):
        streamer: AsyncIterator[Event] = await streamcontext(iterable).__aenter__()
        return streamer
    return aiter(iterable)


async def close(iterator: AsyncIterator[Event]) -> None:
    """``await iterator.aclose()``, if it has one (an async generator, a streamer...)."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
