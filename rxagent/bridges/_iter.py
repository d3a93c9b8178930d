"""``to_iter``: a plain iterator over an Observable, driving a private event loop.

Where the calling thread runs no event loop, the iterator drives its private loop itself,
while it waits. Where it does (Jupyter, IPython, sync code called from async code), the
same generator runs in a helper thread owned by the run and hands over what it pulls in
small batches, so events, errors, cancellation and the bound are the same.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import queue
import threading
import weakref
from collections.abc import Generator, Iterator
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

RELAY = 32
"""Items a helper thread hands to the calling thread at once (they count as held)."""

CLOSE_WAIT = 0.2
"""Seconds ``close()`` waits for a helper thread that a blocking sync tool keeps busy."""


def to_iter(
    observable: Observable[T], *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow = "block"
) -> BridgeIterator[T]:
    """Iterate over what ``observable`` pushes, in order, from synchronous code.

    The Observable runs on a private event loop that the iterator drives while it waits;
    inside a running event loop (a notebook cell, sync code called from async code) that
    loop runs in a helper thread owned by the run. Closing the iterator (or breaking out of
    a ``for`` loop) disposes the subscription, cancels the run and returns when its tasks
    have finished their cleanup; an iterator dropped unclosed is closed the same way.

    Args:
        observable: the source, e.g. ``agent.observe(inputs)``.
        maxsize: events held while the consumer lags.
        overflow: ``"block"`` makes producers that can wait (model streams, generators,
            sync tools) wait for room; ``"coalesce"`` never waits and loses nothing: pending
            tokens of one message are joined and pending custom progress of one source is
            replaced by the latest; ``"error"`` raises ``BufferOverflowError`` at the next
            pull once the consumer is ``maxsize`` behind, and stops the run.

    Example:
        >>> import reactivex as rx
        >>> list(to_iter(rx.of(1, 2, 3)))
        [1, 2, 3]
    """
    check_bridge_args(maxsize, overflow)
    return iterate(observable, maxsize, overflow)


def iterate(
    observable: Observable[Any], maxsize: int, overflow: str, accept: Accept | None = None
) -> BridgeIterator[Any]:
    """The iterator of ``to_iter`` and ``stream()``, on this thread or a helper thread."""
    if _loop_running():
        return _Relayed(observable, maxsize, overflow, accept)
    return BridgeIterator(observable, maxsize, overflow, accept)


class BridgeIterator(Iterator[T], Generic[T]):
    """What ``to_iter()`` and ``stream()`` return: an iterator with ``statistics()``."""

    __slots__ = ("__weakref__", "_gen", "_state")

    def __init__(
        self, observable: Observable[Any], maxsize: int, overflow: str, accept: Accept | None
    ) -> None:
        self._state = BufferRef()
        self._gen = _generate(self._state, observable, maxsize, overflow, accept)
        _OPEN.add(self)

    def __iter__(self) -> Iterator[T]:
        # a ``for`` loop pulls from the generator itself: no extra call per item
        return self._gen

    def __next__(self) -> T:
        item: T = next(self._gen)
        return item

    def close(self) -> None:
        """Cancel the run, if it still runs, and return when its tasks have finished."""
        self._gen.close()

    # No __del__: dropping the last reference to the generator closes it (its ``finally``
    # cancels the run), whether the iterator or a ``for`` loop held it last.

    def statistics(self) -> BridgeStatistics:
        """The bridge's buffer now (all zero before the first ``next``)."""
        return self._state.statistics()


def _generate(
    state: BufferRef,
    observable: Observable[Any],
    maxsize: int,
    overflow: str,
    accept: Accept | None,
) -> Generator[Any, None, None]:
    loop = asyncio.new_event_loop()
    buffer: Buffer[Any] = Buffer(loop, maxsize, overflow, accept)
    state.buffer = buffer
    try:
        buffer.attach(observable)
        while True:
            yield from buffer.ready()
            if buffer.done:
                raise_end(buffer)
                return
            buffer.sleep()
    finally:
        buffer.close()
        _close(loop)


class _Relayed(BridgeIterator[T]):
    """A :class:`BridgeIterator` whose generator runs in a helper thread, batch by batch."""

    __slots__ = ("_batch", "_end", "_replies", "_requests", "_thread")

    def __init__(
        self, observable: Observable[Any], maxsize: int, overflow: str, accept: Accept | None
    ) -> None:
        super().__init__(observable, maxsize, overflow, accept)
        self._batch: Iterator[T] = iter(())
        self._end: BaseException | None = None
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._replies: queue.SimpleQueue[tuple[list[Any], BaseException | None]] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(
            target=_serve,
            args=(self._gen, self._state, self._requests, self._replies),
            name=f"rxagent-stream-{next(_NAMES)}",
            daemon=True,
        )

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        for item in self._batch:
            return item
        if self._end is None:
            if not self._thread.is_alive():
                self._thread.start()
            self._requests.put(True)
            batch, self._end = self._replies.get()
            self._batch = iter(batch)
            for item in self._batch:
                return item
        if isinstance(self._end, BaseException):
            error, self._end = self._end, StopIteration()
            raise error
        raise StopIteration

    def close(self) -> None:
        """Cancel the run and wait for the helper thread (at most ``CLOSE_WAIT`` seconds
        when a blocking sync tool keeps it busy: such a tool is left to finish alone)."""
        self._batch = iter(())
        self._end = StopIteration()
        if self._thread.is_alive():
            self._requests.put(False)
            self._thread.join(CLOSE_WAIT)

    def __del__(self) -> None:
        self.close()  # as a ``break`` closes the plain iterator


def _serve(
    gen: Generator[Any, None, None],
    state: BufferRef,
    requests: queue.SimpleQueue[bool],
    replies: queue.SimpleQueue[tuple[list[Any], BaseException | None]],
) -> None:
    """The helper thread: pull a batch of the generator per request, close it on ``False``.

    A batch is what the buffer holds now, at most :data:`RELAY` items: the thread never
    waits for the run while the caller has items to process. The reply carries the end
    (``StopIteration`` or the run's error) once the generator has ended.
    """
    try:
        while requests.get():
            batch: list[Any] = []
            try:
                batch.append(next(gen))
                buffer = state.buffer
                while buffer is not None and buffer.items and len(batch) < RELAY:
                    batch.append(next(gen))
            except BaseException as end:
                replies.put((batch, end))
                return
            replies.put((batch, None))
    finally:
        gen.close()


_NAMES = itertools.count(1)
_OPEN: weakref.WeakSet[BridgeIterator[Any]] = weakref.WeakSet()


@atexit.register
def _close_open() -> None:
    """At interpreter exit, cancel the runs of iterators left open, quietly."""
    for iterator in list(_OPEN):
        iterator.close()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel whatever still runs on ``loop``, let it finish, and close the loop."""
    try:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
