"""``rxagent._sink.DirectObservable``: callbacks as they are, and still an Observable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from rxagent._sink import DirectObservable


def _three(observer: abc.ObserverBase[int], scheduler: abc.SchedulerBase | None = None) -> Any:
    for value in (1, 2, 3):
        observer.on_next(value)
    observer.on_completed()
    return Disposable()


def test_callbacks_are_called_as_they_are() -> None:
    seen: list[object] = []
    source = DirectObservable(_three)
    source.subscribe(seen.append, seen.append, lambda: seen.append("done"))
    assert seen == [1, 2, 3, "done"]
    assert source._lock is None  # no lock was needed


def test_an_observer_object_and_reactivex_operators_still_work() -> None:
    source = DirectObservable(_three)
    seen: list[int] = []
    # take_while synchronises on its source's lock: made when first asked for, then kept
    below_three: Callable[[int], bool] = lambda value: value < 3  # noqa: E731
    source.pipe(ops.take_while(below_three)).subscribe(seen.append)
    assert seen == [1, 2]
    lock = source.lock
    assert lock is source.lock
    assert isinstance(lock, type(threading.RLock()))
    assert reactivex.concat(source, source).pipe(ops.to_list()).run() == [1, 2, 3, 1, 2, 3]


def test_the_lock_may_be_set_as_on_any_observable() -> None:
    source = DirectObservable(_three)
    lock = threading.RLock()
    source.lock = lock
    assert source.lock is lock
