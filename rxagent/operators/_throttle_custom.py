"""``throttle_custom``: rate-limit ``custom`` progress per key, leading and trailing."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable
from typing import Any

from reactivex import abc

from rxagent.events import CustomEvent, Event
from rxagent.operators._scheduling import LazyScheduler
from rxagent.operators._stage import Downstream, Stage
from rxagent.operators._types import Operator, SourceKey, source_of

_ALL: Any = object()


def throttle_custom(
    interval: float,
    *,
    key: Callable[[CustomEvent], Hashable] | None = None,
    scheduler: abc.SchedulerBase | None = None,
) -> Operator:
    """Rate-limit ``custom`` events per key: the first at once, then the latest per window.

    The first custom event of an idle key passes at once and opens a window of ``interval``
    seconds; later ones in the window replace the key's pending value, emitted when the
    window ends (which opens the next window). Pending values of a source are flushed
    before that source's next other event, and all of them before completion or an error,
    so the final progress is never lost. No source's order changes: with a ``key`` that
    splits a source, a value about to go out takes that source's earlier pending values
    (flushed) with it. Other modes pass through untouched, in order.

    Args:
        interval: the window, in seconds (ticks under a ``TestScheduler``); > 0.
        key: groups custom events; default: their source ``(run_id, ns, node, task_id)``.
        scheduler: for the windows' timers; default: see ``LazyScheduler``.

    Example:
        >>> import reactivex
        >>> from rxagent.events import CustomEvent
        >>> progress = [CustomEvent(data=f"{n}/100") for n in (0, 50, 100)]
        >>> _ = reactivex.from_iterable(progress).pipe(throttle_custom(0.5)).subscribe(
        ...     lambda event: print(event.data))
        0/100
        100/100

    ::

        input:   1-2-3--4U-----5-6-|       custom 1..6 and an update U, all of one source;
        output:  1----3--(4U)--5---(6|)    interval 5 ticks, one character a tick, (..) at
                                           one instant: 3 ends the first window, 4 is
                                           flushed before U, 6 before the completion
    """
    _check(interval, key)

    return Stage(
        lambda observer, given: _Windows(observer, interval, key, LazyScheduler(scheduler, given)),
        timed=True,
    )


def _check(interval: object, key: object) -> None:
    if isinstance(interval, bool) or not isinstance(interval, int | float):
        raise TypeError(f"throttle_custom: interval must be a number, got {interval!r}")
    if not (interval > 0 and math.isfinite(interval)):
        raise ValueError(f"throttle_custom: interval must be a finite number > 0, got {interval}")
    if key is not None and not callable(key):
        raise TypeError(f"throttle_custom: key must be callable or None, got {key!r}")


class _Windows:
    """One subscription's windows: open ones (timers) and pending values in arrival order."""

    def __init__(
        self,
        observer: Downstream,
        interval: float,
        key: Callable[[CustomEvent], Hashable] | None,
        timing: LazyScheduler,
    ) -> None:
        self.observer, self.interval, self.key, self.timing = observer, interval, key, timing
        self.lock = threading.RLock()
        self.timers: dict[Hashable, abc.DisposableBase] = {}  # the keys with an open window
        self.pending: dict[Hashable, tuple[SourceKey, CustomEvent]] = {}  # in arrival order
        self.counts: dict[SourceKey, int] = {}  # how many pending values each source has
        self.stopped = False  # completed, failed or disposed: no more windows

    def on_next(self, event: Event) -> None:
        with self.lock:
            if event.mode != "custom":
                if self.counts and (source := source_of(event)) in self.counts:
                    self._flush(source)
                self.observer.on_next(event)
                return
            if self.stopped:
                return
            source = source_of(event)
            try:
                key = source if self.key is None else self.key(event)
            except Exception as error:  # the user's key function: end the stream with it
                self.on_error(error)
                return
            if key in self.timers:
                self._pend(key, source, event)
                return
            if source in self.counts:
                self._flush(source)
            self.observer.on_next(event)
            self.timers[key] = self.timing.get().schedule_relative(self.interval, self._end, key)

    def _pend(self, key: Hashable, source: SourceKey, event: CustomEvent) -> None:
        """Make ``event`` the key's pending value, the latest to arrive."""
        old = self.pending.pop(key, None)
        if old is None or old[0] != source:
            self.counts[source] = self.counts.get(source, 0) + 1
            if old is not None:
                self._forget(old[0], 1)
        self.pending[key] = (source, event)

    def _end(self, _: abc.SchedulerBase, key: Hashable) -> None:
        """A window ends: emit the key's pending value and open the next, or go idle."""
        with self.lock:
            entry = None if self.stopped else self.pending.get(key)
            if entry is None:
                self.timers.pop(key, None)
                return
            self._flush(entry[0], until=key)
            self.timers[key] = self.timing.get().schedule_relative(self.interval, self._end, key)

    def _flush(self, source: SourceKey, until: Hashable = _ALL) -> None:
        """Emit the source's pending values in arrival order, up to the key ``until``."""
        keys = []
        for key, entry in self.pending.items():
            if entry[0] == source:
                keys.append(key)
            if key == until:
                break
        events = [self.pending.pop(key)[1] for key in keys]
        self._forget(source, len(keys))
        for event in events:
            self.observer.on_next(event)

    def _forget(self, source: SourceKey, count: int) -> None:
        left = self.counts[source] - count
        if left:
            self.counts[source] = left
        else:
            del self.counts[source]

    def _drain(self) -> None:
        """Emit every pending value (in arrival order) and close all windows."""
        events = [event for _, event in self.pending.values()]
        self.cancel()
        for event in events:
            self.observer.on_next(event)

    def on_completed(self) -> None:
        with self.lock:
            self._drain()
            self.observer.on_completed()

    def on_error(self, error: Exception) -> None:
        with self.lock:
            self._drain()
            self.observer.on_error(error)

    def cancel(self) -> None:
        """Cancel the timers and forget the pending values."""
        with self.lock:
            self.stopped = True
            for timer in self.timers.values():
                timer.dispose()
            self.timers.clear()
            self.pending.clear()
            self.counts.clear()
