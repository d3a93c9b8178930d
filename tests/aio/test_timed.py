"""The timed pipes (``buffer_tokens(max_delay=...)``, ``throttle_custom``): in virtual time
they give what their operators give; on a real loop, whatever the timing, they keep their
order and content guarantees. No test sleeps or measures time."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent import aio
from rxagent import operators as ops
from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent, source_of
from rxagent.messages import AIMessageChunk
from tests.aio.helpers import BOOM, collect, pulled, turns
from tests.marbles import recorded
from tests.strategies import events_of, streams

Stream = list[tuple[int, Event]]
Make = Callable[[TestScheduler], Any]


def by_payload(event: CustomEvent) -> Hashable:
    return str(event.data["key"])


def in_virtual_time(stream: Stream, make: Make, fail: bool) -> tuple[list[Event], Any]:
    """What ``make(scheduler)`` (an Observable operator) emits on ``stream`` at its ticks."""
    scheduler = TestScheduler()
    end = max(tick for tick, _ in stream) + 1 if stream else 201
    last = ReactiveTest.on_error(end, BOOM) if fail else ReactiveTest.on_completed(end)
    hot = scheduler.create_hot_observable(
        *[ReactiveTest.on_next(tick, event) for tick, event in stream], last
    )
    results = recorded(scheduler.start(lambda: hot.pipe(make(scheduler)), disposed=end + 1))
    *items, (_, kind, error) = results
    assert kind in "CE"
    return [value for _, _, value in items], error


def pulled_in_virtual_time(stream: Stream, make: Make, fail: bool) -> tuple[list[Event], Any]:
    """What ``make(scheduler)`` (an aio pipe) yields on an async iterable that, before each
    event, runs the timers due before its tick and sets the clock to it (so timers due at
    a tick fire after the event of that tick, as in ``TestScheduler``), and so at the end."""
    scheduler = TestScheduler()
    end = max(tick for tick, _ in stream) + 1 if stream else 201

    def until(tick: int) -> None:
        scheduler.advance_to(tick - 0.5)  # due times are whole ticks: those before ``tick``
        scheduler.sleep(0.5)  # the clock at ``tick``, its timers not yet run

    async def feed() -> AsyncIterator[Event]:
        for tick, event in stream:
            until(tick)
            yield event
        until(end)
        if fail:
            raise BOOM

    outcome = pulled(make(scheduler)(feed()))
    return outcome.items, outcome.error


buffers = st.builds(
    lambda delay, chars, boundary: {"max_delay": delay, "max_chars": chars, "boundary": boundary},
    st.integers(1, 12),
    st.none() | st.integers(1, 8),
    st.sampled_from([None, "word", "sentence", "line"]),
)


@given(streams(), buffers, st.booleans())
def test_buffer_tokens_in_virtual_time_gives_what_the_operator_gives(
    stream: Stream, options: dict[str, Any], fail: bool
) -> None:
    want = in_virtual_time(stream, lambda s: ops.buffer_tokens(**options, scheduler=s), fail)
    got = pulled_in_virtual_time(stream, lambda s: aio.buffer_tokens(**options, scheduler=s), fail)
    assert got == want


@given(streams(), st.integers(1, 12), st.sampled_from([None, by_payload]), st.booleans())
def test_throttle_custom_in_virtual_time_gives_what_the_operator_gives(
    stream: Stream, interval: int, key: Any, fail: bool
) -> None:
    want = in_virtual_time(
        stream, lambda s: ops.throttle_custom(interval, key=key, scheduler=s), fail
    )
    got = pulled_in_virtual_time(
        stream, lambda s: aio.throttle_custom(interval, key=key, scheduler=s), fail
    )
    assert got == want


def test_the_virtual_clock_makes_timers_fire_between_events() -> None:
    """The harness is not vacuous: a window that ends between two events emits its value
    (without the timer, 1 would be replaced by 2 and lost)."""
    progress = [CustomEvent(data={"key": "a", "n": n}, task_id="t") for n in range(3)]
    other = UpdateEvent(data={"tools": None}, task_id="other")
    stream: Stream = [(210, progress[0]), (211, progress[1]), (220, other), (222, progress[2])]
    make: Make = lambda s: aio.throttle_custom(5, scheduler=s)  # noqa: E731
    got, _ = pulled_in_virtual_time(stream, make, False)
    assert [event.data["n"] if event.mode == "custom" else "U" for event in got] == [0, 1, "U", 2]


# --- on a real loop: guarantees that hold whatever the timing -------------------------------


async def slowly(events: list[Event]) -> AsyncIterator[Event]:
    """The events, giving the loop a turn before each (timers may or may not fire)."""
    for event in events:
        await turns(1)
        yield event


def chunk_of(event: Event) -> AIMessageChunk | None:
    if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
        return event.data[0]
    return None


def texts_before_each_other_event(events: list[Event]) -> list[tuple[Any, str]]:
    """For each non-token event, its source's token text so far (per message id)."""
    text: dict[Any, str] = defaultdict(str)
    out = []
    for event in events:
        chunk = chunk_of(event)
        if chunk is not None:
            text[(source_of(event), chunk.id)] += chunk.text
        else:
            source = source_of(event)
            mine = sorted((k[1] or "", v) for k, v in text.items() if k[0] == source and v)
            out.append((event.seq, repr(mine)))
    return out


@given(streams(), st.sampled_from([1e-4, 1e-3]))
def test_buffer_tokens_on_a_loop_loses_and_reorders_nothing(stream: Stream, delay: float) -> None:
    events = events_of(stream)
    got = asyncio.run(collect(aio.buffer_tokens(max_delay=delay)(slowly(events)))).items
    assert texts_before_each_other_event(got) == texts_before_each_other_event(events)
    assert [e for e in got if chunk_of(e) is None] == [e for e in events if chunk_of(e) is None]


@given(streams(), st.sampled_from([1e-4, 1e-3]), st.sampled_from([None, by_payload]))
def test_throttle_custom_on_a_loop_keeps_order_and_the_last_values(
    stream: Stream, interval: float, key: Any
) -> None:
    events = events_of(stream)
    got = asyncio.run(collect(aio.throttle_custom(interval, key=key)(slowly(events)))).items
    assert [e for e in got if e.mode != "custom"] == [e for e in events if e.mode != "custom"]
    for source in {source_of(e) for e in events}:
        seqs = [e.seq for e in got if source_of(e) == source]
        assert seqs == sorted(seqs), "no source's order changes"
    keyed = (lambda e: source_of(e)) if key is None else key
    last = {keyed(e): e for e in events if isinstance(e, CustomEvent)}
    assert all(event in got for event in last.values()), "the final progress is never lost"
    assert all(e in events for e in got)
