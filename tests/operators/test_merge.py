"""merge: every event once, each source's order, provenance, completion and errors."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent.events import CustomEvent, Event
from rxagent.operators._filter_ns import filter_ns
from rxagent.operators._merge import merge
from tests.marbles import recorded
from tests.strategies import streams

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


def test_merged_agent_runs_keep_provenance() -> None:
    from rxagent import to_iter
    from tests.support import SEED_INPUT, seed_agent

    merged = merge(first=seed_agent().observe(SEED_INPUT), second=seed_agent().observe(SEED_INPUT))
    events = list(to_iter(merged))
    heads = {e.ns[0] for e in events}
    assert heads == {"first", "second"}
    for head in heads:
        progress = [e.data for e in events if e.ns[0] == head and e.mode == "custom"]
        assert [p["pct"] for p in progress] == [0, 50, 100]
