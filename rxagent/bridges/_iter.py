"""``to_iter``: a plain iterator over an Observable, driving a private event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
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


def to_iter(
    observable: Observable[T], *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow = "block"
) -> Iterator[T]:
    """Iterate over what ``observable`` pushes, in order, from synchronous code.

    The Observable runs on a private event loop that the iterator drives while it waits, so
    no thread is started for it. Closing the iterator (or breaking out of a ``for`` loop)
    disposes the subscription, which cancels the run.

    Args:
        observable: the source, e.g. ``agent.observe(inputs)``.
        maxsize: events held while the consumer lags.
        overflow: ``"block"`` makes producers that can wait (model streams, generators)
            wait for room; ``"coalesce"`` never waits and loses nothing: pending tokens of
            one message are joined and pending custom progress of one source is replaced
            by the latest; ``"error"`` ends the iteration with ``BufferOverflowError``.

    Example:
        >>> import reactivex as rx
        >>> list(to_iter(rx.of(1, 2, 3)))
        [1, 2, 3]
    """
    check_bridge_args(maxsize, overflow)
    return _iterate(observable, maxsize, overflow)


def _iterate(
    observable: Observable[Any], maxsize: int, overflow: str, accept: Accept | None = None
) -> Iterator[T]:
    if _loop_running():
        raise RuntimeError(
            "A synchronous stream cannot run inside a running event loop; "
            "use the async face (astream() or to_aiter()) there"
        )
    loop = asyncio.new_event_loop()
    buffer: Buffer[T] = Buffer(loop, maxsize, overflow, accept)
    subscription = buffer.attach(observable)
    try:
        while True:
            yield from buffer.ready()
            if buffer.done:
                raise_end(buffer)
                return
            buffer.sleep()
    finally:
        subscription.dispose()
        _close(loop)


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
