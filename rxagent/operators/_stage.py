"""``Stage``: an operator whose logic is a per-subscription *core* that any face can drive.

A core is built for one consumer around the observer it emits to, and is driven with
``on_next`` / ``on_error`` / ``on_completed``; ``cancel`` disposes its timers and forgets
what it holds. The Observable face (``Stage.__call__``) subscribes a core to the source.
The async-iterator face (``rxagent.aio``) builds the same core and pushes into it the items
of an async iterable. So each operator has one implementation and two faces.

A stateless selection's core is its predicate (``Select``); its Observable face is
reactivex's ``filter`` over that predicate. A ``timed`` stage schedules timers (it emits
between input events), so a pulling face must drive it through a scheduler: ``rxagent.aio``
runs it as an Observable behind a bridge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import CompositeDisposable, Disposable

from rxagent.events import Event


class Downstream(Protocol):
    """What a core emits to: a reactivex observer, the next core, or a face's sink."""

    def on_next(self, event: Event, /) -> None: ...

    def on_error(self, error: Exception, /) -> None: ...

    def on_completed(self) -> None: ...


class Core(Downstream, Protocol):
    """One consumer's state of an operator: it receives events and emits downstream."""

    def cancel(self) -> None:
        """Dispose the timers and forget what is held (the consumer went away)."""


MakeCore = Callable[[Downstream, abc.SchedulerBase | None], Core]
"""Builds a core around the observer it emits to and the subscriber's scheduler (or None)."""


class Stage:
    """An operator built from a core: callable as ``Observable[Event] -> Observable[Event]``.

    Args:
        make: builds a core per subscription.
        timed: whether the core schedules timers.

    Example:
        >>> from rxagent.operators import buffer_tokens, filter_mode
        >>> [(type(op).__name__, op.timed) for op in (filter_mode("custom"),
        ...  buffer_tokens(max_chars=8), buffer_tokens(max_delay=0.05))]
        [('Select', False), ('Stage', False), ('Stage', True)]
    """

    __slots__ = ("make", "timed")

    def __init__(self, make: MakeCore, *, timed: bool = False) -> None:
        self.make = make
        self.timed = timed

    def __call__(self, source: Observable[Event]) -> Observable[Event]:
        make = self.make

        def subscribe(
            observer: abc.ObserverBase[Event], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            core = make(observer, scheduler)
            subscription = source.subscribe(
                core.on_next, core.on_error, core.on_completed, scheduler=scheduler
            )
            return CompositeDisposable(subscription, Disposable(core.cancel))

        return Observable(subscribe)


class Select(Stage):
    """A stateless selection: the events for which ``keep`` is true, in order."""

    __slots__ = ("_filter", "keep")

    def __init__(self, keep: Callable[[Event], bool]) -> None:
        super().__init__(lambda observer, _: Keep(observer, keep))
        self.keep = keep
        self._filter: Callable[[Observable[Event]], Observable[Event]] = ops.filter(keep)

    def __call__(self, source: Observable[Event]) -> Observable[Event]:
        return self._filter(source)


class Keep:
    """The core of a selection: passes on the events ``keep`` accepts."""

    __slots__ = ("keep", "observer")

    def __init__(self, observer: Downstream, keep: Callable[[Event], bool]) -> None:
        self.observer, self.keep = observer, keep

    def on_next(self, event: Event) -> None:
        if self.keep(event):
            self.observer.on_next(event)

    def on_error(self, error: Exception) -> None:
        self.observer.on_error(error)

    def on_completed(self) -> None:
        self.observer.on_completed()

    def cancel(self) -> None:
        """Nothing is held."""
