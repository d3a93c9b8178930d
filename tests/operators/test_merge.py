"""merge: every event once, each source's order, provenance, completion and errors, through
every face."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st
from reactivex import Observable
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent.events import CustomEvent, Event
from rxagent.operators._filter_ns import filter_ns
from rxagent.operators._merge import merge
from tests.marbles import recorded
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


def _hot(scheduler: TestScheduler, stream: list[tuple[int, Event]], end: int) -> Any:
    return scheduler.create_hot_observable(
        *[on_next(tick, event) for tick, event in stream], on_completed(end)
    )


@given(st.lists(streams(max_sources=2), min_size=1, max_size=3), st.booleans())
def test_every_event_exactly_once_each_source_order_kept(
    inputs: list[list[tuple[int, Event]]], named: bool
) -> None:
    scheduler = TestScheduler()
    ends = [max([t for t, _ in s], default=200) + 1 + i for i, s in enumerate(inputs)]
    hots = [_hot(scheduler, s, end) for s, end in zip(inputs, ends, strict=True)]
    merged = merge(**{f"s{i}": hot for i, hot in enumerate(hots)}) if named else merge(*hots)
    results = scheduler.start(lambda: merged, disposed=10**9)
    got = recorded(results)
    values = [value for _, kind, value in got if kind == "N"]
    assert len(values) == sum(len(s) for s in inputs)
    for i, stream in enumerate(inputs):
        if named:
            mine = [e for e in values if e.ns[:1] == (f"s{i}",)]
            assert [(e.seq, e.ns[1:]) for e in mine] == [(e.seq, e.ns) for _, e in stream]
        else:
            assert all(any(e is v for v in values) for _, e in stream)
    assert got[-1][:2] == (max(ends), "C"), "completes when all sources complete"


@given(streams())
def test_merge_of_one_source_is_the_identity_up_to_ns(stream: list[tuple[int, Event]]) -> None:
    events = [e for _, e in stream]
    out: list[Event] = []
    merge(only=rx.from_iterable(events)).subscribe(out.append)
    assert [e.model_copy(update={"ns": e.ns[1:]}) for e in out] == events
    plain: list[Event] = []
    merge(rx.from_iterable(events)).subscribe(plain.append)
    assert plain == events


def test_named_sources_are_selectable_again() -> None:
    a = rx.of(CustomEvent(data=1), CustomEvent(data=2))
    b = rx.of(CustomEvent(data="x", ns=("agent:1",)))
    out: list[Event] = []
    merge(researcher=a, writer=b).pipe(filter_ns("writer")).subscribe(out.append)
    assert [(e.ns, e.data) for e in out] == [(("writer", "agent:1"), "x")]


def test_an_error_is_delivered_after_the_others_earlier_events() -> None:
    scheduler = TestScheduler()
    good = scheduler.create_hot_observable(on_next(210, CustomEvent(data="ok")), on_completed(400))
    bad = scheduler.create_hot_observable(on_error(220, RuntimeError("run failed")))
    results = scheduler.start(lambda: merge(good, bad))
    got = recorded(results)
    assert [kind for _, kind, _ in got] == ["N", "E"]
    assert str(got[1][2]) == "run failed"


def test_merge_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one source"):
        merge()


# --- parity: every face ------------------------------------------------------------------

BOOM = RuntimeError("boom")


def _by_head(events: list[Event]) -> dict[str, list[Event]]:
    """The events of each named source, in order."""
    out: dict[str, list[Event]] = {}
    for event in events:
        out.setdefault(event.ns[0], []).append(event)
    return out


def _assert_merged_like_plain(
    face: ObservableFace,
    merged: Observable[Event],
    key: Callable[[list[Event]], Any],
    failed: str | None = None,
) -> dict[str, list[Event]]:
    """Each source's events through ``face`` are those a plain subscriber gets, in order;
    with an error (from source ``failed``), the others' are a prefix and the error is the
    same object. Sources interleave as the face schedules them, so only this is fixed."""
    got, plain = face.outcome(merged), pushed(merged)
    assert got.error is plain.error
    assert (got.error is None) == (failed is None)
    mine, theirs = _by_head(got.items), _by_head(plain.items)
    assert set(mine) <= set(theirs)
    for head, expected in theirs.items():
        seen = key(mine.get(head, []))
        if failed in (None, head):
            assert seen == key(expected), head
        else:
            assert seen == key(expected)[: len(seen)], head
    return mine


def test_every_face_keeps_each_merged_runs_events_and_provenance(face: ObservableFace) -> None:
    merged = merge(
        first=seed_agent().observe(SEED_INPUT), second=parallel_agent().observe(SEED_INPUT)
    )
    heads = _assert_merged_like_plain(face, merged, signature)
    assert set(heads) == {"first", "second"}
    assert [e.data for e in heads["first"] if e.mode == "custom"] == PROGRESS
    assert len([e for e in heads["second"] if e.mode == "custom"]) == 7


def test_every_face_merges_finite_streams(face: ObservableFace) -> None:
    events = sample_events()
    left = [e for e in events if e.task_id in ("t1", "t2")]
    right = [e for e in events if e.task_id not in ("t1", "t2")]
    merged = merge(left=rx.from_iterable(left), right=rx.from_iterable(right))
    heads = _assert_merged_like_plain(face, merged, _without_head)
    assert _without_head(heads["left"]) == left
    assert _without_head(heads["right"]) == right
    unnamed = face(merge(rx.from_iterable(left), rx.from_iterable(right)))
    assert sorted(e.seq for e in unnamed) == [e.seq for e in events]
    assert [e for e in unnamed if e in left] == left


def _without_head(events: list[Event]) -> list[Event]:
    return [e.model_copy(update={"ns": e.ns[1:]}) for e in events]


def test_every_face_ends_a_merge_with_a_sources_error_after_its_events(
    face: ObservableFace,
) -> None:
    events = sample_events()
    merged = merge(good=rx.from_iterable(events), bad=failing(events[:5], BOOM))
    heads = _assert_merged_like_plain(face, merged, _without_head, failed="bad")
    assert _without_head(heads["bad"]) == events[:5]
    runs = merge(good=seed_agent().observe(SEED_INPUT), bad=failing_agent().observe(SEED_INPUT))
    heads = _assert_merged_like_plain(face, runs, signature, failed="bad")
    assert [e.data for e in heads["bad"] if e.mode == "custom"] == PROGRESS
