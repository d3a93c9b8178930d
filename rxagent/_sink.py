"""Where the engine pushes: an observer's three callbacks, without reactivex's wrapping.

``Observable.subscribe`` wraps every observer in an ``AutoDetachObserver`` (one more call per
item) and, on a thread with no trampoline yet, schedules the subscription on
``CurrentThreadScheduler`` (tens of µs per subscription). Inside one run the engine
subscribes once per node task and pushes every token through two observers, so where it
subscribes to its own Observables (whose subscribe functions neither raise nor push
before they return) it hands them a :class:`Callbacks` instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from reactivex import Observable, abc


class Sink(Protocol):
    """What the engine pushes to: a reactivex observer, or :class:`Callbacks`."""

    def on_next(self, value: Any, /) -> None:
        """One item."""

    def on_error(self, error: Exception, /) -> None:
        """The end, with an error."""

    def on_completed(self) -> None:
        """The end."""


class Callbacks:
    """An observer made of three functions, called as they are.

    Example:
        >>> seen = []
        >>> sink = Callbacks(seen.append, seen.append, lambda: seen.append("done"))
        >>> sink.on_next(1); sink.on_completed()
        >>> seen
        [1, 'done']
    """

    __slots__ = ("on_completed", "on_error", "on_next")

    def __init__(
        self,
        on_next: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_completed: Callable[[], None],
    ) -> None:
        self.on_next = on_next
        self.on_error = on_error
        self.on_completed = on_completed


def _raise(error: Exception) -> None:
    raise error


def _ignore() -> None:
    return None


class DirectObservable(Observable[Any]):
    """An ``Observable`` that subscribes its callbacks as they are (see the module).

    For the engine's private Observables only: its subscribe function must not raise and
    the subscriber must ignore what arrives after the end (the bridges' buffers do).

    Example:
        >>> from reactivex.disposable import Disposable
        >>> def subscribe(observer, scheduler=None):
        ...     observer.on_next(1)
        ...     observer.on_completed()
        ...     return Disposable()
        >>> seen = []
        >>> _ = DirectObservable(subscribe).subscribe(seen.append, on_completed=lambda: None)
        >>> seen
        [1]
    """

    def __init__(self, subscribe: abc.Subscription[Any]) -> None:
        # not ``Observable.__init__``: one is made per ``stream()`` call, and the lock it
        # makes (for operators that synchronise on their source) is made on first use
        self._subscribe = subscribe
        self._lock: threading.RLock | None = None

    @property
    def lock(self) -> threading.RLock:
        """The lock reactivex's operators take on their source, made when first asked for."""
        if self._lock is None:
            self._lock = threading.RLock()
        return self._lock

    @lock.setter
    def lock(self, value: threading.RLock) -> None:
        self._lock = value

    def subscribe(  # type: ignore[override]
        self,
        on_next: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_completed: Callable[[], None] | None = None,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        """Subscribe three callbacks (an observer object takes reactivex's usual path)."""
        if on_next is None or hasattr(on_next, "on_next"):
            return super().subscribe(on_next, on_error, on_completed, scheduler=scheduler)
        sink = Callbacks(on_next, on_error or _raise, on_completed or _ignore)
        return self._subscribe_core(sink, scheduler)  # type: ignore[arg-type]
