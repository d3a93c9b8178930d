"""throttle_custom: leading and trailing per key, flushes, order, a virtual-time oracle, and
parity through every face."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable
from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st
from reactivex import Observable
from reactivex.notification import Notification
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.mockobserver import MockObserver

from rxagent.events import CustomEvent, Event, UpdateEvent
from rxagent.operators._throttle_custom import throttle_custom
from rxagent.operators._types import source_of
from tests.strategies import streams
from tests.support import (
    PROGRESS,
    SEED_INPUT,
    ObservableFace,
    failing,
    failing_agent,
    parallel_agent,
    pushed,
    sample_events,
    seed_agent,
    signature,
)

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)

Stream = list[tuple[int, Event]]
Emitted = list[tuple[int, Event]]
KeyFn = Callable[[CustomEvent], Hashable]


def by_payload(event: CustomEvent) -> Hashable:
    """The payload's key: shared by several sources, several keys per source."""
    return str(event.data["key"])


KEYS: list[KeyFn | None] = [None, by_payload]
"""The default key (the source) and a key that mixes sources."""


def key_of(key: KeyFn | None, event: CustomEvent) -> Hashable:
    return source_of(event) if key is None else key(event)


def run(
    stream: Stream, interval: int, key: KeyFn | None = None, fail: bool = False
) -> tuple[Emitted, int, str]:
    """Feed ``stream`` at its ticks; return the emissions, the end time and kind ("C"/"E")."""
    scheduler = TestScheduler()
    end = max((tick for tick, _ in stream), default=200) + 1
    last = on_error(end, RuntimeError("boom")) if fail else on_completed(end)
    hot = scheduler.create_hot_observable(*[on_next(t, e) for t, e in stream], last)
    *items, final = recorded(scheduler.start(lambda: hot.pipe(throttle_custom(interval, key=key))))
    assert (final[0], final[1].kind) == (end, "E" if fail else "C")
    assert all(n.kind == "N" for _, n in items)
    return [(t, n.value) for t, n in items], end, final[1].kind


def recorded(results: MockObserver[Event]) -> list[tuple[int, Notification[Event]]]:
    """``results.messages`` as ``(time, notification)``."""
    out = []
    for message in results.messages:
        assert isinstance(message.value, Notification)
        out.append((int(message.time), message.value))
    return out


class Oracle:
    """The windows simulated on the plain list; inputs come before timers due at their tick."""

    def __init__(self, interval: int, key: KeyFn | None) -> None:
        self.interval, self.key = interval, key
        self.out: Emitted = []
        self.pending: dict[Hashable, CustomEvent] = {}  # in arrival order
        self.open: set[Hashable] = set()
        self.timers: list[tuple[int, int, Hashable]] = []  # (due, order scheduled, key)
        self.order = 0

    def run(self, stream: Stream, end: int) -> Emitted:
        for tick, event in stream:
            self.fire_timers_before(tick)
            k = key_of(self.key, event) if isinstance(event, CustomEvent) else None
            if isinstance(event, CustomEvent) and k in self.open:
                self.pending.pop(k, None)
                self.pending[k] = event
                continue
            self.flush(tick, source_of(event))
            self.out.append((tick, event))
            if k is not None:
                self.open_window(tick, k)
        self.fire_timers_before(end)
        self.out.extend((end, e) for e in self.pending.values())
        return self.out

    def fire_timers_before(self, tick: int) -> None:
        while self.timers and self.timers[0][0] < tick:
            due, _, k = heapq.heappop(self.timers)
            if k in self.pending:
                self.flush(due, source_of(self.pending[k]), upto=k)
                self.open_window(due, k)
            else:
                self.open.discard(k)

    def open_window(self, now: int, k: Hashable) -> None:
        self.open.add(k)
        self.order += 1
        heapq.heappush(self.timers, (now + self.interval, self.order, k))

    def flush(self, now: int, source: Any, upto: Hashable | None = None) -> None:
        for k in list(self.pending):
            if source_of(self.pending[k]) == source:
                self.out.append((now, self.pending.pop(k)))
            if k == upto:
                return


def is_flush(emitted: Emitted, i: int, end: int) -> bool:
    """Whether emission ``i`` may be a flush: a same-source emission or the end follows it
    at the same instant (a flush always precedes one of those)."""
    time, event = emitted[i]
    if time == end:
        return True
    following = [e for t, e in emitted[i + 1 :] if t == time]
    return any(source_of(e) == source_of(event) for e in following)


# --- properties --------------------------------------------------------------------------

INTERVALS = st.integers(1, 80)


@given(streams(), INTERVALS, st.sampled_from(KEYS))
def test_first_event_of_an_idle_key_passes_at_once(
    stream: Stream, interval: int, key: KeyFn | None
) -> None:
    emitted, _, _ = run(stream, interval, key)
    at = {id(e): t for t, e in emitted}
    last_arrival: dict[Hashable, int] = {}
    for tick, event in stream:
        if isinstance(event, CustomEvent):
            k = key_of(key, event)
            if k not in last_arrival or tick > last_arrival[k] + 2 * interval:
                assert at.get(id(event)) == tick, "an idle key's event passes at its own time"
            last_arrival[k] = tick


@given(streams(), INTERVALS, st.sampled_from(KEYS))
def test_per_key_emissions_are_at_least_interval_apart_except_flushes(
    stream: Stream, interval: int, key: KeyFn | None
) -> None:
    emitted, end, _ = run(stream, interval, key)
    times: dict[Hashable, list[int]] = {}
    for i, (time, event) in enumerate(emitted):
        if isinstance(event, CustomEvent) and not is_flush(emitted, i, end):
            times.setdefault(key_of(key, event), []).append(time)
    for ts in times.values():
        assert all(b - a >= interval for a, b in itertools.pairwise(ts))


@given(streams(), INTERVALS, st.sampled_from(KEYS), st.booleans())
def test_latest_value_of_each_key_is_emitted_before_a_later_same_source_event_and_the_end(
    stream: Stream, interval: int, key: KeyFn | None, fail: bool
) -> None:
    emitted, _, _ = run(stream, interval, key, fail)
    position = {id(e): i for i, (_, e) in enumerate(emitted)}
    latest: dict[Hashable, CustomEvent] = {}
    for _, event in stream:
        if isinstance(event, CustomEvent):
            latest[key_of(key, event)] = event
            continue
        for value in latest.values():
            if source_of(value) == source_of(event):
                assert position[id(value)] < position[id(event)]
    assert all(id(value) in position for value in latest.values()), "final progress kept"


@given(streams(), INTERVALS, st.sampled_from(KEYS))
def test_output_is_a_subsequence_keeping_every_non_custom_event_and_each_sources_order(
    stream: Stream, interval: int, key: KeyFn | None
) -> None:
    emitted, _, _ = run(stream, interval, key)
    index = {id(e): i for i, (_, e) in enumerate(stream)}
    positions = [index[id(e)] for _, e in emitted]  # KeyError: not an input event
    assert len(set(positions)) == len(positions), "no event twice"
    kept = {id(e) for _, e in emitted}
    assert all(id(e) in kept for _, e in stream if not isinstance(e, CustomEvent))
    last: dict[Any, int] = {}
    for (_, event), i in zip(emitted, positions, strict=True):
        assert i > last.get(source_of(event), -1), "a source's order is kept"
        last[source_of(event)] = i


@given(streams(), INTERVALS, st.sampled_from(KEYS))
def test_matches_the_plain_list_oracle_in_virtual_time(
    stream: Stream, interval: int, key: KeyFn | None
) -> None:
    emitted, end, _ = run(stream, interval, key)
    expected = Oracle(interval, key).run(stream, end)
    assert [(t, id(e)) for t, e in emitted] == [(t, id(e)) for t, e in expected]


# --- examples in virtual time ------------------------------------------------------------


def custom(n: int, task: str = "t1", **data: Any) -> CustomEvent:
    return CustomEvent(data={"n": n, **data}, task_id=task, node="tools")


def update(task: str = "t1") -> UpdateEvent:
    return UpdateEvent(data={"tools": {}}, task_id=task, node="tools")


def start(scheduler: TestScheduler, hot: Observable[Event], op: Any) -> list[tuple[int, Any]]:
    results = recorded(scheduler.start(lambda: hot.pipe(op)))
    return [(t, n.value if n.kind == "N" else n.kind) for t, n in results]


def test_the_docstring_marble() -> None:
    c, u = [custom(n) for n in range(7)], update()
    scheduler = TestScheduler()
    at = [(0, c[1]), (2, c[2]), (4, c[3]), (7, c[4]), (8, u), (14, c[5]), (16, c[6])]
    hot = scheduler.create_hot_observable(*[on_next(210 + t, e) for t, e in at], on_completed(228))
    assert start(scheduler, hot, throttle_custom(5, scheduler=scheduler)) == [
        (210, c[1]),
        (215, c[3]),  # the first window ends with the latest value
        (218, c[4]),  # flushed before the update
        (218, u),
        (224, c[5]),  # the key was idle again: passes at once
        (228, c[6]),  # flushed before completion
        (228, "C"),
    ]


def test_a_window_with_a_pending_value_opens_the_next() -> None:
    c = [custom(n) for n in range(4)]
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, c[0]), on_next(212, c[1]), on_next(216, c[2]), on_next(217, c[3]),
        on_completed(300),
    )  # fmt: skip
    assert start(scheduler, hot, throttle_custom(5)) == [
        (210, c[0]),
        (215, c[1]),
        (220, c[3]),
        (300, "C"),
    ]


def test_keys_have_their_own_windows_and_flushes_keep_arrival_order() -> None:
    a0, b0, a1, b1, a2 = (custom(n, key=k) for n, k in enumerate("ababa"))
    u = update()
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, a0), on_next(211, b0), on_next(212, a1), on_next(213, b1),
        on_next(214, a2), on_next(216, u), on_next(218, a0), on_completed(230),
    )  # fmt: skip
    op = throttle_custom(10, key=lambda e: e.data["key"])
    assert start(scheduler, hot, op) == [
        (210, a0),
        (211, b0),
        (216, b1),  # b1 arrived before a2 (a1 was replaced)
        (216, a2),
        (216, u),  # the flush did not reset the windows:
        (220, a0),  # key a's ends at 220 with a pending value, and opens the next
        (230, "C"),
    ]


def test_the_timer_flushes_earlier_values_of_the_same_source_first() -> None:
    a0, b0, b1, a1 = (custom(n, key=k) for n, k in enumerate("abba"))
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, a0), on_next(215, b0), on_next(216, b1), on_next(217, a1),
        on_completed(300),
    )  # fmt: skip
    assert start(scheduler, hot, throttle_custom(10, key=lambda e: e.data["key"])) == [
        (210, a0),
        (215, b0),
        (220, b1),  # key b's window is still open, but b1 came before a1
        (220, a1),
        (300, "C"),
    ]


def test_other_modes_pass_through_untouched_and_sources_are_independent() -> None:
    x0, x1, y0 = custom(0, "x"), custom(1, "x"), custom(0, "y")
    u = update("y")
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, x0), on_next(211, y0), on_next(212, x1), on_next(213, u),
        on_completed(250),
    )  # fmt: skip
    assert start(scheduler, hot, throttle_custom(20)) == [
        (210, x0),
        (211, y0),  # another source: its own key, passes at once
        (213, u),  # x1 is not y's: not flushed
        (230, x1),
        (250, "C"),
    ]


def test_pending_values_are_emitted_before_an_error() -> None:
    c0, c1 = custom(0), custom(1)
    scheduler = TestScheduler()
    error = RuntimeError("run failed")
    hot = scheduler.create_hot_observable(on_next(210, c0), on_next(211, c1), on_error(212, error))
    assert start(scheduler, hot, throttle_custom(50)) == [(210, c0), (212, c1), (212, "E")]


def test_a_failing_key_function_ends_the_stream_with_its_error() -> None:
    c0, c1, bad = custom(0, key="a"), custom(1, key="a"), custom(2)
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, c0), on_next(211, c1), on_next(212, bad), on_next(213, custom(3, key="a")),
        on_completed(300),
    )  # fmt: skip
    op = throttle_custom(50, key=lambda e: e.data["key"])
    assert start(scheduler, hot, op) == [(210, c0), (212, c1), (212, "E")]


class RecordingScheduler(TestScheduler):
    """Keeps the disposables of relative timers (the operator's windows)."""

    def __init__(self) -> None:
        super().__init__()
        self.timers: list[Any] = []

    def schedule_relative(self, duetime: Any, action: Any, state: Any = None) -> Any:
        timer = super().schedule_relative(duetime, action, state)
        self.timers.append(timer)
        return timer


def test_disposal_cancels_the_timers() -> None:
    c0, c1 = custom(0), custom(1)
    scheduler = RecordingScheduler()
    hot = scheduler.create_hot_observable(on_next(210, c0), on_next(211, c1))
    results = scheduler.start(lambda: hot.pipe(throttle_custom(50)), disposed=230)
    assert [(t, n.value) for t, n in recorded(results)] == [(210, c0)]
    assert len(scheduler.timers) == 1
    assert scheduler.timers[0].is_disposed


def test_completion_cancels_the_timers() -> None:
    scheduler = RecordingScheduler()
    hot = scheduler.create_hot_observable(on_next(210, custom(0)), on_completed(220))
    scheduler.start(lambda: hot.pipe(throttle_custom(50)))
    assert [timer.is_disposed for timer in scheduler.timers] == [True]


def test_the_operators_scheduler_wins_over_the_subscribers() -> None:
    scheduler, given = RecordingScheduler(), RecordingScheduler()
    hot = scheduler.create_hot_observable(on_next(210, custom(0)), on_next(211, custom(1)))
    scheduler.start(lambda: hot.pipe(throttle_custom(5, scheduler=given)))
    assert (len(scheduler.timers), len(given.timers)) == (0, 1)


@pytest.mark.parametrize(
    ("interval", "key", "error", "match"),
    [
        (0, None, ValueError, "interval must be a finite number > 0, got 0"),
        (-1.5, None, ValueError, "> 0, got -1.5"),
        (float("inf"), None, ValueError, "finite"),
        (float("nan"), None, ValueError, "finite"),
        ("1", None, TypeError, "interval must be a number, got '1'"),
        (True, None, TypeError, "interval must be a number"),
        (1, "task_id", TypeError, "key must be callable or None, got 'task_id'"),
    ],
)
def test_arguments_are_checked_when_built(
    interval: Any, key: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        throttle_custom(interval, key=key)


# --- parity: every face ------------------------------------------------------------------


# A window far longer than the run never ends in it, so every face must give what the same
# operator gives on a plain list under a clock that never moves; short windows: laws only.

BOOM = RuntimeError("boom")


def _slow(frozen: bool = False) -> Any:
    return throttle_custom(30.0, scheduler=TestScheduler() if frozen else None)


def _progress(events: list[Event]) -> list[Any]:
    return [e.data for e in events if e.mode == "custom"]


def test_every_face_gets_the_first_and_the_final_progress(face: ObservableFace) -> None:
    run = seed_agent().observe(SEED_INPUT)
    events = face.assert_oracle(run, _slow(), like=_slow(frozen=True), key=signature)
    assert _progress(events) == [PROGRESS[0], PROGRESS[-1]]
    assert events[-1].mode == "values"


def test_every_face_throttles_parallel_tools_apart(face: ObservableFace) -> None:
    run = parallel_agent().observe(SEED_INPUT)
    events = face.assert_oracle(run, _slow(), like=_slow(frozen=True), key=signature)
    assert sorted((p["tool"], p["step"]) for p in _progress(events)) == [
        ("fetch", 0),
        ("fetch", 3),
        ("search", 0),
        ("search", 2),
    ]


def test_every_face_throttles_a_finite_stream(face: ObservableFace) -> None:
    events = face.assert_oracle(rx.from_iterable(sample_events()), _slow(), like=_slow(True))
    assert _progress(events) == [{"pct": 0}, {"pct": 100}]


def test_every_face_flushes_the_pending_progress_before_the_upstream_error(
    face: ObservableFace,
) -> None:
    events = sample_events()
    cut = [e.data for e in events].index({"pct": 50}) + 1
    out = face.assert_oracle(failing(events[:cut], BOOM), _slow(), like=_slow(True))
    assert _progress(out) == [{"pct": 0}, {"pct": 50}]
    run = failing_agent().observe(SEED_INPUT)
    out = face.assert_oracle(run, _slow(), like=_slow(frozen=True), key=signature)
    assert _progress(out) == [PROGRESS[0], PROGRESS[-1]]


def test_every_face_with_real_timers_keeps_the_first_and_final_progress(
    face: ObservableFace,
) -> None:
    """Timing decides what is dropped in between, never the ends or the other events."""
    run = seed_agent().observe(SEED_INPUT)
    events = face(run.pipe(throttle_custom(0.001)))
    progress = _progress(events)
    assert progress[0] == PROGRESS[0]
    assert progress[-1] == PROGRESS[-1]
    assert all(p in PROGRESS for p in progress)
    plain = pushed(run).items
    others = [e for e in signature(events) if e[0] != "custom"]
    assert others == [e for e in signature(plain) if e[0] != "custom"]
