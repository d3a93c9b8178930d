"""``to_aiter``: an async iterator over an Observable, on the running event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from reactivex import Observable

from rxagent.bridges._buffer import (
    DEFAULT_MAXSIZE,
    Accept,
    Buffer,
    Overflow,
    check_bridge_args,
    raise_end,
)

T = TypeVar("T")


def to_aiter(
    observable: Observable[T], *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow = "block"
) -> AsyncIterator[T]:
    """Iterate asynchronously over what ``observable`` pushes, in order.

    The subscription is made on the running loop with a scheduler bound to it, so
    time-based operators upstream use the loop, not threads. Closing the iterator
    (``aclose()``, or leaving an ``async with aclosing(...)`` block) disposes the
    subscription, cancels the run and waits until it has stopped.

    Args:
        observable: the source, e.g. ``agent.observe(inputs)``.
        maxsize: events held while the consumer lags.
        overflow: ``"block"`` makes producers that can wait wait for room; ``"coalesce"``
            never waits and loses nothing (pending tokens of one message are joined, pending
            custom progress of one source replaced by the latest); ``"error"`` ends the
            iteration with ``BufferOverflowError``.

    Example:
        >>> import asyncio, reactivex as rx
        >>> async def main() -> list[int]:
        ...     return [x async for x in to_aiter(rx.of(1, 2, 3))]
        >>> asyncio.run(main())
        [1, 2, 3]
    """
    check_bridge_args(maxsize, overflow)
    return _aiterate(observable, maxsize, overflow)


async def _aiterate(
    observable: Observable[Any], maxsize: int, overflow: str, accept: Accept | None = None
) -> AsyncIterator[T]:
    loop = asyncio.get_running_loop()
    buffer: Buffer[T] = Buffer(loop, maxsize, overflow, accept)
    subscription = buffer.attach(observable)
    try:
        while True:
            for item in buffer.ready():
                yield item
            if buffer.done:
                raise_end(buffer)
                return
            await buffer.wait()
    finally:
        subscription.dispose()
        tasks = [task for task in buffer.flow.tasks if not task.done()]
        if tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
