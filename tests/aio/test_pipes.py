"""Every aio pipe gives what its Observable operator gives, on the same events, through every
way a chain can run: cores in the consumer's task, an Observable origin behind a bridge,
an async iterable pumped behind a bridge, and back to an Observable with ``source``."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
import reactivex
from aiostream import pipe, stream
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as rx_ops

from rxagent import aio
from rxagent import operators as ops
from rxagent.aio._drive import drive
from rxagent.aio._stream import READ_AHEAD, EventStream
from rxagent.bridges import to_aiter
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.messages import text_chunk
from rxagent.operators._stage import Select, Stage
from tests.aio.helpers import BOOM, Feed, generate, pulled, tokens, turns
from tests.strategies import events_of, streams
from tests.support import Outcome, failing, pushed

Case = tuple[str, tuple[Any, ...], dict[str, Any]]

UNTIMED: list[Case] = [
    ("filter_mode", ("messages", "custom"), {}),
    ("filter_mode", ("updates",), {}),
    ("filter_node", ("model",), {}),
    ("filter_ns", ("agent",), {}),
    ("filter_ns", ((),), {}),
    ("exclude_tags", ("internal",), {}),
    ("final_answer", (), {}),
    ("final_answer", (), {"eager": True}),
    ("accumulate_messages", (), {}),
    ("buffer_tokens", (), {}),
    ("buffer_tokens", (), {"boundary": "word"}),
    ("buffer_tokens", (), {"boundary": "sentence", "max_chars": 8}),
    ("buffer_tokens", (), {"boundary": "line"}),
    ("buffer_tokens", (), {"boundary": re.compile(r"\.")}),
    ("buffer_tokens", (), {"max_chars": 3}),
]
"""Operators whose aio pipes drive their cores in the consumer's task."""

TIMED: list[Case] = [
    ("buffer_tokens", (), {"max_delay": 3600}),
    ("throttle_custom", (3600,), {}),
    ("throttle_custom", (3600,), {"key": lambda event: event.data["key"]}),
]
"""Operators with timers, whose aio pipes run behind a bridge; no timer fires in a test."""


def rx(case: Case) -> ops.Operator:
    name, args, kwargs = case
    operator: ops.Operator = getattr(ops, name)(*args, **kwargs)
    return operator


def face(case: Case) -> aio.Pipe:
    name, args, kwargs = case
    made: aio.Pipe = getattr(aio, name)(*args, **kwargs)
    return made


def tagged(events: list[Event]) -> list[Event]:
    """The events, with the messages of the subagent source tagged ``internal``."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, MessageEvent) and event.task_id == "t3":
            message, metadata = event.data
            event = event.model_copy(update={"data": (message, {**metadata, "tags": ["internal"]})})
        out.append(event)
    return out


def reference(events: list[Event], error: Exception | None, *cases: Case) -> Outcome[Event]:
    """What the Observable operators push, in plain synchronous code."""
    observable = failing(events, error) if error else reactivex.from_iterable(events)
    for case in cases:
        observable = rx(case)(observable)
    return pushed(observable)


def assert_same(got: Outcome[Event], want: Outcome[Event]) -> None:
    assert got.items == want.items
    assert got.error is want.error


def chained(origin: Any, *cases: Case) -> EventStream:
    xs = aio.events(origin)
    for case in cases:
        xs = xs | face(case)
    return xs


failures = st.sampled_from([None, BOOM])


# --- parity, one operator -----------------------------------------------------------------


@given(streams(), st.sampled_from(UNTIMED + TIMED), failures)
def test_a_pipe_over_an_async_iterable_gives_what_its_operator_gives(
    stream_: list[tuple[int, Event]], case: Case, error: Exception | None
) -> None:
    events = tagged(events_of(stream_))
    got = pulled(face(case)(generate(events, error)))
    assert_same(got, reference(events, error, case))


@given(streams(), st.sampled_from(UNTIMED + TIMED), failures)
def test_a_pipe_over_an_observable_gives_what_its_operator_gives(
    stream_: list[tuple[int, Event]], case: Case, error: Exception | None
) -> None:
    events = tagged(events_of(stream_))
    observable = failing(events, error) if error else reactivex.from_iterable(events)
    assert_same(pulled(chained(observable, case)), reference(events, error, case))


@given(streams(), st.sampled_from(UNTIMED + TIMED), failures)
def test_source_then_the_operator_gives_what_the_operator_gives(
    stream_: list[tuple[int, Event]], case: Case, error: Exception | None
) -> None:
    events = tagged(events_of(stream_))
    assert_same(
        pushed(aio.source(generate(events, error)).pipe(rx(case))),
        reference(events, error, case),
    )


# --- parity, chains -----------------------------------------------------------------------


@given(streams(), st.lists(st.sampled_from(UNTIMED + TIMED), min_size=2, max_size=4), failures)
def test_a_chain_of_pipes_gives_what_the_chain_of_operators_gives(
    stream_: list[tuple[int, Event]], cases: list[Case], error: Exception | None
) -> None:
    events = tagged(events_of(stream_))
    want = reference(events, error, *cases)
    assert_same(pulled(chained(generate(events, error), *cases)), want)
    observable = failing(events, error) if error else reactivex.from_iterable(events)
    assert_same(pulled(chained(observable, *cases)), want)
    assert_same(pushed(chained(generate(events, error), *cases).observe()), want)


@given(streams(), st.lists(st.sampled_from(UNTIMED), min_size=1, max_size=3))
def test_pipes_after_an_aiostream_stream_and_before_aiostream_operators(
    stream_: list[tuple[int, Event]], cases: list[Case]
) -> None:
    events = tagged(events_of(stream_))
    xs: Any = stream.iterate(generate(events))
    for case in cases:
        xs = xs | face(case)
    seqs: Any = xs | pipe.map(seq_of)
    assert pulled(seqs).items == [event.seq for event in reference(events, None, *cases).items]


def seq_of(event: Event, *_: Event) -> int:
    return event.seq


def test_any_reactivex_operator_lifts_into_a_pipe() -> None:
    events = tokens(6)
    xs = aio.events(generate(events)) | aio.lift(rx_ops.skip(2)) | aio.filter_mode("messages")
    assert pulled(xs).items == events[2:]
    assert len(xs.operators) == 2


# --- how a chain runs ---------------------------------------------------------------------


def test_piping_fuses_pipes_into_one_stream() -> None:
    origin = Feed(tokens(3))
    xs = aio.events(origin) | aio.filter_mode("messages") | aio.buffer_tokens(max_chars=4)
    assert isinstance(xs, EventStream)
    assert xs.origin is origin
    assert [type(operator) for operator in xs.operators] == [Select, Stage]
    ys = aio.filter_node("model")(origin)
    assert ys.origin is origin
    assert len(ys.operators) == 1


def test_untimed_stages_run_in_the_consumers_task_without_read_ahead() -> None:
    """Each item is pulled only once the previous one went out: no task, no buffer."""
    feed = Feed(None)

    async def main() -> list[int]:
        seen = []
        xs = aio.events(feed) | aio.filter_mode("messages") | aio.accumulate_messages()
        async with xs.stream() as events:
            async for event in events:
                seen.append(feed.pulled - event.seq)
                if event.seq == 50:
                    break
        return seen

    assert set(asyncio.run(main())) == {1}
    assert feed.closed == 1


def test_a_timed_stage_runs_behind_a_bridge_with_bounded_read_ahead() -> None:
    feed = Feed(None)

    async def main() -> int:
        most = 0
        xs = aio.events(feed) | aio.throttle_custom(3600)
        async with xs.stream() as events:
            async for event in events:
                await turns(5)  # a slow consumer: the pump gets turns
                most = max(most, feed.pulled - event.seq)
                if event.seq == 300:
                    break
        return most

    assert 1 < asyncio.run(main()) <= READ_AHEAD + 1
    assert feed.closed == 1


def test_drive_of_no_stage_is_the_iterable_itself() -> None:
    feed = Feed([])
    assert drive(feed, []) is feed


def test_an_error_of_the_source_comes_after_the_flushed_events() -> None:
    tokens = [MessageEvent(data=(text_chunk(t, "m1"), {}), seq=n) for n, t in enumerate("abc")]
    got = pulled(aio.buffer_tokens()(generate(tokens, BOOM)))
    assert [event.data[0].text for event in got.items] == ["a", "bc"]
    assert got.error is BOOM


def test_an_error_inside_a_core_ends_the_stream_and_closes_the_source() -> None:
    def broken(event: Any) -> Any:
        raise ValueError("key")

    feed = Feed([CustomEvent(data=1), CustomEvent(data=2)])
    got = pulled(aio.events(feed) | aio.throttle_custom(1, key=broken))
    assert isinstance(got.error, ValueError)
    assert feed.closed == 1


# --- the aiostream contract and the faces' signatures ---------------------------------------


def test_iterating_outside_a_stream_context_warns_as_aiostream_does() -> None:
    async def main() -> None:
        xs = aio.events(generate(tokens(2))) | aio.filter_mode("messages")
        with pytest.warns(UserWarning, match="outside of its context"):
            async for _ in xs:
                pass

    asyncio.run(main())


def test_a_closed_streamer_cannot_be_iterated_again() -> None:
    async def main() -> None:
        xs = aio.events(generate(tokens(2))) | aio.final_answer()
        async with xs.stream() as events:
            await anext(events)
        with pytest.raises(RuntimeError, match="closed"):
            await anext(events)

    asyncio.run(main())


def test_a_stream_iterates_afresh_each_time() -> None:
    feed = Feed(tokens(4))
    xs = aio.events(feed) | aio.filter_mode("messages")
    assert pulled(xs).items == pulled(xs).items == list(feed.events or [])
    assert feed.iterators == 2


@pytest.mark.parametrize("name", [n for n in ops.__all__ if n not in ("Operator", "source_of")])
def test_every_operator_has_a_pipe_with_its_signature(name: str) -> None:
    operator: Callable[..., Any] = getattr(ops, name)
    made: Callable[..., Any] = getattr(aio, name)
    if name == "merge":
        return  # a creation function over async iterables
    assert inspect.signature(made) == inspect.signature(operator)
    assert made.__module__ == "rxagent.aio._faces"


def test_pipes_validate_their_arguments_when_built() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        aio.buffer_tokens(max_chars=0)
    with pytest.raises(ValueError, match="valid"):
        aio.filter_mode("nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="maxsize"):
        aio.events(reactivex.empty(), maxsize=0)


def isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions, each alphabetically (isort's order)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2), name


def test_all_is_a_sorted_tuple_of_real_names() -> None:
    assert isinstance(aio.__all__, tuple)
    assert list(aio.__all__) == sorted(aio.__all__, key=isort_key)
    assert all(hasattr(aio, name) for name in aio.__all__)


# --- an Observable back out -----------------------------------------------------------------


def test_source_of_an_event_stream_is_its_observable_without_a_bridge() -> None:
    events = tokens(5)
    xs = aio.events(reactivex.from_iterable(events)) | aio.filter_mode("messages")
    seen: list[Event] = []
    aio.source(xs).subscribe(seen.append)  # synchronous: no loop, no pump, no bridge
    assert seen == events


def test_to_aiter_of_observe_matches_the_stream() -> None:
    events = tokens(5)
    xs = aio.events(generate(events)) | aio.buffer_tokens(max_delay=3600)

    async def main() -> list[Event]:
        return [event async for event in to_aiter(xs.observe())]

    assert asyncio.run(main()) == events
