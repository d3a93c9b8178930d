"""The bounded buffer between a pushing Observable and a pulling iterator."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar, get_args

from reactivex import Observable, abc

from rxagent._flow import Flow, LoopScheduler, RunCancelledError
from rxagent._handoff import ready_queue, wake_next
from rxagent._types import SKIP
from rxagent.bridges._coalesce import Coalescer, Joined

T = TypeVar("T")

_get_ident = threading.get_ident

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


Accept = Callable[[Any], Any]
"""Maps a pushed item to what the iterator yields, or to :data:`SKIP`."""


@dataclass(frozen=True, slots=True)
class BridgeStatistics:
    """A snapshot of a bridge's buffer, from ``iterator.statistics()``.

    Example:
        >>> BridgeStatistics(maxsize=64, held=0, high_water=0, coalesced=0, blocked_s=0.0)
        BridgeStatistics(maxsize=64, held=0, high_water=0, coalesced=0, blocked_s=0.0)
    """

    maxsize: int
    """Events the bridge holds before its overflow policy applies."""
    held: int
    """Events emitted and not yet pulled now: the buffer plus the thread-to-loop queue."""
    high_water: int
    """The most events ever held at once, counted as ``held``."""
    coalesced: int
    """Events folded into pending ones (``overflow="coalesce"``)."""
    blocked_s: float
    """Seconds the buffer was full, holding producers back (``overflow="block"``)."""


class Buffer(Generic[T]):
    """Holds what the Observable pushed until the iterator pulls it (see ``rxagent._flow``).

    An ``accept`` function, applied as items arrive, filters and reshapes them on the
    producer's side so the iterator only pops (this is how ``stream()`` shapes events).
    Items pushed from another thread than the loop's are queued through the flow (I4, I5).
    """

    __slots__ = (
        "_coalescer",
        "_direct",
        "_queue",
        "_ready",
        "_waiter",
        "accept",
        "closed",
        "done",
        "error",
        "flow",
        "high_water",
        "items",
        "loop",
        "maxsize",
        "overflow",
        "sleeping",
        "subscription",
        "thread",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        maxsize: int,
        overflow: str,
        accept: Accept | None = None,
    ) -> None:
        self.loop = loop
        self.thread = threading.get_ident()
        """The loop's thread: the buffer is created on it."""
        self._coalescer: Coalescer | None = None
        if overflow == "coalesce":
            # events are kept raw, so they can be joined, and shaped when pulled
            self._coalescer = Coalescer()
        self.accept = accept
        self._direct = accept is None and self._coalescer is None
        """Items go into :attr:`items` as they come (:meth:`on_next`'s hot path)."""
        self.items: deque[T] = deque()
        self.maxsize = maxsize
        self.overflow = overflow
        self.flow = Flow(maxsize)
        self.flow.buffer = self.items
        self.flow.loop = loop
        self._queue = self.flow.queue
        self.high_water = 0
        """The most events held at once, seen on the loop (I1)."""
        self.done = False
        self.closed = False
        """Set when the consumer went away: threads pushing from now on stop."""
        self.error: BaseException | None = None
        self.subscription: abc.DisposableBase | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._ready = ready_queue(loop)
        """The loop's ready queue, where a woken consumer goes first (``rxagent._handoff``)."""
        self.sleeping = False
        """Set while a sync bridge runs the loop waiting for items: the first item, or the
        end, stops the loop at the end of this turn."""

    def on_next(self, item: Any) -> None:
        if self.done:
            return
        if _get_ident() != self.thread:
            self._from_thread(self.on_next, item)
            return
        items = self.items
        if self._direct:  # no filter, no coalescing: most bridges (``stream()`` shapes upstream)
            items.append(item)
        elif not self._take(items, item):
            return
        held = len(items) + len(self._queue)
        if held > self.high_water:
            self.high_water = held
        if held >= self.maxsize:  # held, not the buffer alone (I2)
            self._full()
        if self.sleeping or self._waiter is not None:
            self._wake()

    def _take(self, items: deque[Any], item: Any) -> bool:
        """Filter ``item`` into ``items`` through ``accept``, or coalesce it; ``False`` when
        it was filtered out."""
        coalescer = self._coalescer
        if coalescer is not None:
            coalescer.push(items, item, len(items) >= self.maxsize)
            return True
        if self.accept is not None:
            item = self.accept(item)
            if item is SKIP:
                return False
        items.append(item)
        return True

    def _from_thread(self, fn: Callable[[Any], None], arg: Any) -> None:
        """A push from a plain thread: apply it on the loop, in order, with backpressure."""
        with contextlib.suppress(RunCancelledError):  # the consumer went away: drop it
            self.flow.put(fn, arg, self)

    def _wake(self) -> None:
        if self.sleeping:
            self.sleeping = False
            self.loop.stop()
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                wake_next(self._ready, waiter)  # the consumer runs next, its events still hot

    def _full(self) -> None:
        """``held`` reached ``maxsize``: hold the producers back (I2), or overflow (a
        coalescing buffer joins events instead: it never holds producers back)."""
        if self._coalescer is not None:
            return
        if self.overflow == "error":
            if len(self.items) < self.maxsize:
                return  # queued calls may push nothing (filtered out): only events count
            self.error = BufferOverflowError(
                f"The consumer fell {self.maxsize} events behind (maxsize={self.maxsize}, "
                f"overflow='error'); raise maxsize or use overflow='block' or 'coalesce'"
            )
            self.items.clear()  # fail fast: the next pull raises
            self._finish()
            if self.subscription is not None:
                self.subscription.dispose()  # stop the run now
        else:
            self.flow.hold()

    def on_error(self, error: Exception) -> None:
        if threading.get_ident() != self.thread:
            self._from_thread(self.on_error, error)
        elif not self.done:
            self.error = error
            self._finish()

    def on_completed(self) -> None:
        if threading.get_ident() != self.thread:
            self._from_thread(lambda _: self.on_completed(), None)
        elif not self.done:
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
        elif self.flow.pressure and len(self.items) + len(self._queue) <= self.flow.low:
            self.flow.release()
        return item

    def attach(self, observable: Observable[Any]) -> abc.DisposableBase:
        """Subscribe to ``observable`` with a scheduler bound to this buffer's loop and flow."""
        scheduler = LoopScheduler(self.loop, self.flow)
        subscription = observable.subscribe(
            self.on_next, self.on_error, self.on_completed, scheduler=scheduler
        )
        self.subscription = subscription
        if isinstance(self.error, BufferOverflowError):
            subscription.dispose()  # it overflowed while subscribing
        return subscription

    def close(self) -> None:
        """The consumer went away: stop the run and wake threads that wait for room."""
        self.closed = True
        self.done = True
        if self.subscription is not None:
            self.subscription.dispose()
        self.flow.closed()

    def statistics(self) -> BridgeStatistics:
        """A snapshot of the buffer (see :class:`BridgeStatistics`)."""
        flow = self.flow
        return BridgeStatistics(
            maxsize=self.maxsize,
            held=len(self.items) + len(flow.queue),
            high_water=max(self.high_water, flow.peak()),
            coalesced=0 if self._coalescer is None else self._coalescer.coalesced,
            blocked_s=flow.blocked_s,
        )

    def plain(self) -> bool:
        """Whether every pulled item is one to yield (no coalescing: no ``SKIP`` is held),
        so that a consumer may pop :attr:`items` itself, as :meth:`ready` does."""
        return self._coalescer is None

    def ready(self) -> Iterator[Any]:
        """Yield what can be pulled now, without waiting."""
        items = self.items
        if self._coalescer is None:  # :meth:`pop` in line, the hot path (``to_aiter``'s too)
            popleft, flow, queue = items.popleft, self.flow, self._queue
            while items:
                item = popleft()
                if flow.pressure and len(items) + len(queue) <= flow.low:
                    flow.release()
                yield item
            return
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


class BufferRef:
    """What a bridge iterator shares with the generator that fills it: the buffer, once
    made. The generator must not hold the iterator, so that dropping the iterator ends
    the run at once (no reference cycle to wait for)."""

    __slots__ = ("buffer",)

    def __init__(self) -> None:
        self.buffer: Buffer[Any] | None = None

    def statistics(self) -> BridgeStatistics:
        """The buffer's statistics; all zero before the iteration started."""
        if self.buffer is None:
            return BridgeStatistics(0, 0, 0, 0, 0.0)
        return self.buffer.statistics()


def raise_end(buffer: Buffer[Any]) -> None:
    """At the end of the items: re-raise the Observable's error, if any."""
    if buffer.error is not None:
        raise buffer.error
