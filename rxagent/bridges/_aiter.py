"""``to_aiter``: an async iterator over an Observable, on the running event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Generic, TypeVar

from reactivex import Observable

from rxagent.bridges._buffer import (
    DEFAULT_MAXSIZE,
    Accept,
    BridgeStatistics,
    Buffer,
    BufferRef,
    Overflow,
    check_bridge_args,
    raise_end,
)

T = TypeVar("T")


def to_aiter(
    observable: Observable[T], *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow = "block"
) -> BridgeAsyncIterator[T]:
    """Iterate asynchronously over what ``observable`` pushes, in order.

    The subscription is made on the running loop with a scheduler bound to it, so
    time-based operators upstream use the loop, not threads. Closing the iterator
    (``aclose()``, or leaving an ``async with aclosing(...)`` block) disposes the
    subscription, cancels the run and returns when every task of the run has finished its
    cleanup. An iterator dropped unclosed cancels its run quietly.

    Args:
        observable: the source, e.g. ``agent.observe(inputs)``.
        maxsize: events held while the consumer lags.
        overflow: ``"block"`` makes producers that can wait wait for room; ``"coalesce"``
            never waits and loses nothing (pending tokens of one message are joined, pending
            custom progress of one source replaced by the latest); ``"error"`` raises
            ``BufferOverflowError`` at the next pull once the consumer is ``maxsize``
            behind, and stops the run.

    Example:
        >>> import asyncio, reactivex as rx
        >>> async def main() -> list[int]:
        ...     return [x async for x in to_aiter(rx.of(1, 2, 3))]
        >>> asyncio.run(main())
        [1, 2, 3]
    """
    check_bridge_args(maxsize, overflow)
    return BridgeAsyncIterator(observable, maxsize, overflow)


class BridgeAsyncIterator(AsyncIterator[T], Generic[T]):
    """What ``to_aiter()`` and ``astream()`` return: an async iterator with ``statistics()``
    and an ``aclose()`` that waits for the run's cleanup."""

    __slots__ = ("_agen", "_state")

    def __init__(
        self,
        observable: Observable[Any],
        maxsize: int,
        overflow: str,
        accept: Accept | None = None,
    ) -> None:
        self._state = BufferRef()
        self._agen = _aiterate(self._state, observable, maxsize, overflow, accept)

    def __aiter__(self) -> AsyncIterator[T]:
        # ``async for`` pulls from the generator itself: no extra call per item
        return self._agen

    def __anext__(self) -> Any:
        return self._agen.__anext__()

    async def aclose(self) -> None:
        """Cancel the run, if it still runs, and return when its tasks have finished."""
        await self._agen.aclose()

    def statistics(self) -> BridgeStatistics:
        """The bridge's buffer now (all zero before the first ``anext``)."""
        return self._state.statistics()

    # No __del__: a dropped async generator is closed by the loop's finalizer hook (or by
    # ``asyncio.run``'s ``shutdown_asyncgens``), which runs its ``finally`` and cancels the run.


async def _aiterate(
    state: BufferRef,
    observable: Observable[Any],
    maxsize: int,
    overflow: str,
    accept: Accept | None,
) -> AsyncGenerator[Any, None]:
    buffer: Buffer[Any] = Buffer(asyncio.get_running_loop(), maxsize, overflow, accept)
    state.buffer = buffer
    try:
        buffer.attach(observable)
        items, flow, plain = buffer.items, buffer.flow, buffer.plain()
        popleft, queue = items.popleft, flow.queue
        while True:
            if plain:  # :meth:`Buffer.ready` in line, one generator fewer per event
                while items:
                    item = popleft()
                    if flow.pressure and len(items) + len(queue) <= flow.low:
                        flow.release()
                    yield item
            else:
                for item in buffer.ready():
                    yield item
            if buffer.done:
                raise_end(buffer)
                return
            await buffer.wait()
    finally:
        buffer.close()
        await buffer.flow.finished()
