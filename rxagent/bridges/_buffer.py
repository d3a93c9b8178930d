"""The bounded buffer between a pushing Observable and a pulling iterator."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Generic, Literal, TypeAlias, TypeVar, get_args

from reactivex import Observable, abc

from rxagent.bridges._coalesce import Coalescer, Joined
from rxagent.bridges._flow import Flow, LoopScheduler

T = TypeVar("T")

Overflow: TypeAlias = Literal["block", "coalesce", "error"]
"""What a bridge does when its buffer is full."""

OVERFLOWS: tuple[str, ...] = get_args(Overflow)

DEFAULT_MAXSIZE = 4096
"""Events a bridge holds before its overflow policy applies."""


class BufferOverflowError(RuntimeError):
    """The consumer fell ``maxsize`` events behind with ``overflow="error"``."""


def check_bridge_args(maxsize: int, overflow: str) -> None:
    """Validate bridge arguments when the bridge is built, not at the first event."""
    if overflow not in OVERFLOWS:
        raise ValueError(f"Unknown overflow {overflow!r}; valid choices: {', '.join(OVERFLOWS)}")
    if not isinstance(maxsize, int) or maxsize < 1:
        raise ValueError(f"maxsize must be a positive int, got {maxsize!r}")


SKIP: Any = object()
"""Returned by a buffer's ``accept`` function for an item the iterator does not yield."""

Accept = Callable[[Any], Any]
"""Maps a pushed item to what the iterator yields, or to :data:`SKIP`."""


class Buffer(Generic[T]):
    """Holds what the Observable pushed until the iterator pulls it.

    An ``accept`` function, applied as items arrive, filters and reshapes them on the
    producer's side so the iterator only pops (this is how ``stream()`` shapes events).
    """

    __slots__ = (
        "_coalescer",
        "_low",
        "_waiter",
        "accept",
        "done",
        "error",
        "flow",
        "items",
        "loop",
        "maxsize",
        "overflow",
        "sleeping",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        maxsize: int,
        overflow: str,
        accept: Accept | None = None,
    ) -> None:
        self.loop = loop
        self._coalescer: Coalescer | None = None
        if overflow == "coalesce":
            # events are kept raw, so they can be joined, and shaped when pulled
            self._coalescer = Coalescer()
        self.accept = accept
        self.items: deque[T] = deque()
        self.maxsize = maxsize
        self._low = maxsize // 2
        self.overflow = overflow
        self.flow = Flow()
        self.done = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.sleeping = False
        """Set while a sync bridge runs the loop waiting for items: the first item, or the
        end, stops the loop at the end of this turn."""

    def on_next(self, item: Any) -> None:
        items = self.items
        coalescer = self._coalescer
        if coalescer is not None:
            coalescer.push(items, item, len(items) >= self.maxsize)
        else:
            accept = self.accept
            if accept is not None:
                item = accept(item)
                if item is SKIP:
                    return
            items.append(item)
            if len(items) >= self.maxsize:
                self._full()
        self._wake()

    def _wake(self) -> None:
        if self.sleeping:
            self.sleeping = False
            self.loop.stop()
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _full(self) -> None:
        if self.overflow == "error":
            if self.error is None:
                self.error = BufferOverflowError(
                    f"The consumer fell {self.maxsize} events behind (maxsize={self.maxsize}, "
                    f"overflow='error'); raise maxsize or use overflow='block'"
                )
            self._finish()
        else:
            self.flow.hold()

    def on_error(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        self._finish()

    def on_completed(self) -> None:
        self._finish()

    def _finish(self) -> None:
        self.done = True
        self._wake()

    def sleep(self) -> None:
        """Sync bridges: run the loop until there is something to pull, or the end."""
        if not self.items and not self.done:
            self.sleeping = True
            self.loop.run_forever()
            self.sleeping = False

    def pop(self) -> Any:
        """The next item (the caller checked there is one); may be ``SKIP`` when coalescing."""
        item: Any = self.items.popleft()
        coalescer = self._coalescer
        if coalescer is not None:
            coalescer.popped()
            if type(item) is Joined:
                item = item.event()
            if self.accept is not None:
                item = self.accept(item)
        elif self.flow.pressure and len(self.items) <= self._low:
            self.flow.release()
        return item

    @property
    def coalesced(self) -> int:
        """How many events were folded into pending ones (``overflow="coalesce"``)."""
        return 0 if self._coalescer is None else self._coalescer.coalesced

    def attach(self, observable: Observable[Any]) -> abc.DisposableBase:
        """Subscribe to ``observable`` with a scheduler bound to this buffer's loop and flow."""
        scheduler = LoopScheduler(self.loop, self.flow)
        return observable.subscribe(
            self.on_next, self.on_error, self.on_completed, scheduler=scheduler
        )

    def ready(self) -> Iterator[Any]:
        """Yield what can be pulled now, without waiting."""
        items = self.items
        while items:
            item = self.pop()
            if item is not SKIP:
                yield item

    def wait(self) -> asyncio.Future[None]:
        """A future that is done when there is something to pull, or the end."""
        waiter = self.loop.create_future()
        if self.items or self.done:
            waiter.set_result(None)
        else:
            self._waiter = waiter
        return waiter


def raise_end(buffer: Buffer[Any]) -> None:
    """At the end of the items: re-raise the Observable's error, if any."""
    if buffer.error is not None:
        raise buffer.error
