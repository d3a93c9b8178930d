"""``source``: any async iterable of events as an rxagent Observable."""

from __future__ import annotations

from collections.abc import AsyncIterable

from reactivex import Observable

from rxagent.aio._pump import pumped
from rxagent.aio._stream import EventStream
from rxagent.events import Event


def source(iterable: AsyncIterable[Event]) -> Observable[Event]:
    """Make an async iterable of events (a Redis subscription, an SSE client, another
    framework's stream) a cold Observable, to pipe rxagent's operators onto.

    Each subscription iterates ``iterable`` anew (an async generator can be iterated
    once: subscribe once) on the subscriber's loop, pulling the next event only when the
    consumer has room: behind ``to_aiter(..., maxsize=n)`` it is at most ``n + 1`` events
    ahead. Disposing the subscription, or closing the iterator of a bridge, cancels the
    pull and ``aclose()``s the iterable; an error it raises ends the Observable after the
    events before it. Subscribed from plain code with no loop, it runs to the end inside
    ``subscribe`` (with ``asyncio.run``), as a graph run does. An ``EventStream`` gives
    its Observable itself (``EventStream.observe``), without a second bridge.

    Example:
        >>> from rxagent import operators as ops
        >>> from rxagent.events import CustomEvent
        >>> async def progress():
        ...     for n in (0, 50, 100):
        ...         yield CustomEvent(data=n)
        >>> _ = source(progress()).pipe(ops.throttle_custom(3600)).subscribe(
        ...     lambda event: print(event.data))
        0
        100
    """
    if isinstance(iterable, EventStream):
        return iterable.observe()
    return pumped(iterable)
