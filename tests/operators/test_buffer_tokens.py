"""buffer_tokens: virtual-time examples, properties over interleaved streams, an oracle, a law,
and parity through every face."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as rx_ops
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent import ScriptedModel, create_agent
from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent
from rxagent.messages import AIMessageChunk, join_chunks
from rxagent.operators._buffer_tokens import Boundary, _Buffers, _Rules, buffer_tokens
from rxagent.operators._scheduling import LazyScheduler
from rxagent.operators._types import SourceKey, source_of
from tests.marbles import recorded
from tests.strategies import streams
from tests.support import (
    SEED_INPUT,
    ObservableFace,
    failing,
    failing_agent,
    parallel_agent,
    pushed,
    sample_events,
    signature,
)

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)

Stream = list[tuple[int, Event]]
Emitted = list[tuple[float, Event]]
META = {"langgraph_node": "model"}
BOOM = RuntimeError("boom")


def token(
    text: str, message: str = "m1", *, task: str = "t1", seq: int = 0, **chunk: Any
) -> MessageEvent:
    """A token event of source ``("r", (), "model", task)``."""
    data = (AIMessageChunk(content=text, id=message, **chunk), META)
    return MessageEvent(data=data, run_id="r", node="model", task_id=task, seq=seq)


def custom(task: str = "t1", seq: int = 0) -> CustomEvent:
    return CustomEvent(data={"n": seq}, run_id="r", node="model", task_id=task, seq=seq)


def run(stream: Stream, end: int, fail: bool = False, **options: Any) -> Emitted:
    """Feed ``stream`` at its ticks and end it at ``end``; return the emissions."""
    scheduler = TestScheduler()
    last = on_error(end, BOOM) if fail else on_completed(end)
    hot = scheduler.create_hot_observable(*[on_next(t, e) for t, e in stream], last)
    results = scheduler.start(lambda: hot.pipe(buffer_tokens(**options)), disposed=end + 1)
    *items, final = recorded(results)
    assert final == (end, "E", BOOM) if fail else final == (end, "C", None)
    assert all(kind == "N" for _, kind, _ in items)
    return [(time, value) for time, _, value in items]


def texts(emitted: Emitted) -> list[tuple[float, str]]:
    """``(time, text)`` of token emissions, ``(time, "<mode>")`` of the others."""
    return [(t, c.text if (c := chunk_of(e)) else f"<{e.mode}>") for t, e in emitted]


def chunk_of(event: Event) -> AIMessageChunk | None:
    """The chunk of a token event, else None."""
    if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
        return event.data[0]
    return None


# --- examples in virtual time ---------------------------------------------------------------


def test_first_chunk_passes_at_once_then_max_delay_flushes() -> None:
    """``H-e-l--l-o|`` with max_delay 30: H at once, ``el`` 30 after e, ``lo`` at the end."""
    stream: Stream = [(210, token("H")), (220, token("e")), (230, token("l"))]
    stream += [(260, token("l")), (270, token("o"))]
    assert texts(run(stream, 280, max_delay=30)) == [(210, "H"), (250, "el"), (280, "lo")]


def test_the_docstring_marble() -> None:
    """``a-b-c-d-------e-x-|`` gives ``a----B---d------(Ex)|`` with max_delay=3."""
    scheduler = TestScheduler()
    ticks = {"a": 210, "b": 212, "c": 214, "d": 216, "e": 224}
    x = custom(seq=9)
    hot = scheduler.create_hot_observable(
        *[on_next(t, token(text)) for text, t in ticks.items()], on_next(226, x), on_completed(228)
    )
    results = scheduler.start(lambda: hot.pipe(buffer_tokens(max_delay=3, scheduler=scheduler)))
    *items, end = recorded(results)
    assert [(t, c.text if (c := chunk_of(e)) else e) for t, _, e in items] == [
        (210, "a"),
        (215, "bc"),
        (219, "d"),
        (226, "e"),
        (226, x),
    ]
    assert end == (228, "C", None)


def test_max_chars_flushes_when_the_held_text_reaches_it() -> None:
    stream: Stream = [(210 + i, token(t)) for i, t in enumerate(["a", "bc", "d", "efg", "h"])]
    assert texts(run(stream, 300, max_chars=3)) == [
        (210, "a"),
        (212, "bcd"),
        (213, "efg"),
        (300, "h"),
    ]


@pytest.mark.parametrize(
    ("boundary", "pieces", "expected"),
    [
        ("word", ["He", "llo", " wor", "ld", ", ", "you"], ["He", "llo", " world, ", "you"]),
        ("sentence", ["A", "b.", " C", 'd!" ', "e", "?"], ["A", "b.", ' Cd!" ', "e?"]),
        ("line", ["a", "b", "\nc", "d\n", "e"], ["a", "b", "\ncd\n", "e"]),
        (re.compile(r"[;|]"), ["a", "b", ";c", "d|", "e"], ["a", "b", ";cd|", "e"]),
    ],
)
def test_boundaries_flush_before_and_after(
    boundary: Boundary, pieces: list[str], expected: list[str]
) -> None:
    stream: Stream = [(210 + i, token(t)) for i, t in enumerate(pieces)]
    assert [text for _, text in texts(run(stream, 300, boundary=boundary))] == expected


def test_word_boundary_times() -> None:
    stream: Stream = [
        (210, token("Hi")),
        (220, token(" th")),
        (230, token("ere")),
        (240, token(" you")),
    ]
    assert texts(run(stream, 300, boundary="word")) == [(210, "Hi"), (240, " there"), (300, " you")]


def test_a_non_token_event_of_the_source_flushes_first_others_pass() -> None:
    """``H-e-x-c-l-u|``: x (another source's event) passes, c (the same source's) flushes."""
    other = custom("t2", seq=9)
    mine = custom("t1", seq=8)
    stream: Stream = [(210, token("H")), (220, token("e")), (230, other), (240, mine)]
    stream += [
        (250, token("l")),
        (260, UpdateEvent(data={}, run_id="r", node="model", task_id="t1")),
    ]
    out = run(stream, 300)
    assert texts(out) == [
        (210, "H"),
        (230, "<custom>"),
        (240, "e"),
        (240, "<custom>"),
        (260, "l"),
        (260, "<updates>"),
    ]
    assert out[1][1] is other
    assert out[3][1] is mine


def test_another_message_and_last_chunk_flush() -> None:
    stream: Stream = [(210, token("a", "m1")), (220, token("b", "m1")), (230, token("c", "m1"))]
    stream += [
        (240, token("x", "m2")),
        (250, token("y", "m2")),
        (260, token("z", "m2", chunk_position="last")),
    ]
    assert texts(run(stream, 300)) == [(210, "a"), (240, "bc"), (240, "x"), (260, "yz")]


def test_completion_flushes_sources_in_the_order_their_buffers_started() -> None:
    stream: Stream = [(210, token("a", task="t1")), (211, token("b", task="t2"))]
    stream += [(220, token("c", task="t2")), (230, token("d", task="t1"))]
    out = run(stream, 300, max_delay=100)
    assert [(t, e.task_id, chunk_of(e).text) for t, e in out if chunk_of(e)] == [  # type: ignore[union-attr]
        (210, "t1", "a"),
        (211, "t2", "b"),
        (300, "t2", "c"),
        (300, "t1", "d"),
    ]


def test_error_flushes_then_forwards_the_error() -> None:
    stream: Stream = [(210, token("a")), (220, token("b")), (230, token("c"))]
    assert texts(run(stream, 240, fail=True)) == [(210, "a"), (240, "bc")]


def test_no_limits_holds_a_whole_message_until_it_ends() -> None:
    stream: Stream = [(210 + i, token(t)) for i, t in enumerate(["a", " b", ". ", "c\n"])]
    assert texts(run(stream, 900)) == [(210, "a"), (900, " b. c\n")]


def test_the_joined_chunk_keeps_the_first_event_and_joins_everything() -> None:
    call = {"name": "f", "args": '{"x": ', "id": "c1", "index": 0}
    rest = {"name": None, "args": "1}", "id": None, "index": 0}
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    first, second = token("Hi", seq=1), token(" there", seq=2, tool_call_chunks=[call])
    third = token("", seq=3, tool_call_chunks=[rest], usage_metadata=usage)
    fourth = token("!", seq=4, usage_metadata=usage, chunk_position="last")
    out = run([(210, first), (220, second), (230, third), (240, fourth)], 300)
    assert [t for t, _ in out] == [210, 240]
    assert out[0][1] is first
    joined = out[1][1]
    assert isinstance(joined, MessageEvent)
    assert joined.model_dump(exclude={"data"}) == second.model_dump(exclude={"data"})
    assert joined.data[1] is second.data[1]
    chunk = joined.data[0]
    assert chunk == join_chunks([second.data[0], third.data[0], fourth.data[0]])  # type: ignore[list-item]
    assert (chunk.text, chunk.id, chunk.chunk_position) == (" there!", "m1", "last")
    assert chunk.tool_call_chunks[0]["args"] == '{"x": 1}'
    assert chunk.tool_calls[0]["args"] == {"x": 1}
    assert chunk.usage_metadata == {"input_tokens": 2, "output_tokens": 4, "total_tokens": 6}


def test_a_single_held_chunk_is_reemitted_as_is() -> None:
    second = token("b")
    out = run([(210, token("a")), (220, second)], 300, max_delay=10)
    assert out[1] == (230, second)
    assert out[1][1] is second


def test_empty_chunks_are_absorbed_and_do_not_count_as_first() -> None:
    empty_first, empty_held = token(""), token("")
    stream: Stream = [(210, empty_first), (220, token("a")), (230, token("b")), (240, empty_held)]
    stream += [(250, token("c", "m2")), (260, token("", "m2"))]
    out = run(stream, 300)
    assert texts(out) == [(220, "a"), (250, "b"), (250, "c")]
    assert all(e is not empty_first for _, e in out)


def test_the_subscribers_scheduler_times_the_flush() -> None:
    """No ``scheduler=``: the TestScheduler passed to ``subscribe`` runs the timers."""
    stream: Stream = [(210, token("a")), (220, token("b"))]
    assert texts(run(stream, 300, max_delay=5)) == [(210, "a"), (225, "b")]


def test_disposal_cancels_the_timers() -> None:
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(on_next(210, token("a")), on_next(220, token("b")))
    timers: list[Any] = []
    schedule = scheduler.schedule_relative

    def spy(*args: Any, **kwargs: Any) -> Any:
        timers.append(schedule(*args, **kwargs))
        return timers[-1]

    scheduler.schedule_relative = spy  # type: ignore[method-assign]
    results = scheduler.start(lambda: hot.pipe(buffer_tokens(max_delay=50)), disposed=240)
    assert [m.time for m in results.messages] == [210]
    assert len(timers) == 1
    assert timers[0].is_disposed


def test_state_stays_flat_over_many_messages() -> None:
    """No per-message state outlives the message: one source, 5,000 messages."""
    sink: list[Event] = []
    rules = _Rules(4, None, None, None)
    buffers = _Buffers(reactivex.Observer(sink.append), rules, LazyScheduler())
    for m in range(5000):
        for text in ["a", "b", "c"]:
            buffers.on_next(token(text, f"m{m}"))
        assert len(buffers.sources) == 1
        assert len(buffers.pending) <= 1
    buffers.on_next(token("", "m-last", chunk_position="last"))
    assert not buffers.sources
    assert not buffers.pending


def test_a_downstream_take_disposes_mid_flush() -> None:
    """Disposal from inside an emission (``take``) leaves no error and no held state."""
    events: list[Event] = [token("a"), token("b"), token("c", chunk_position="last"), custom()]
    got: list[Event] = []
    reactivex.from_iterable(events).pipe(buffer_tokens(), rx_ops.take(2)).subscribe(got.append)
    assert [c.text for e in got if (c := chunk_of(e))] == ["a", "bc"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_chars": 0}, ValueError),
        ({"max_chars": -3}, ValueError),
        ({"max_chars": 2.5}, TypeError),
        ({"max_chars": True}, TypeError),
        ({"max_delay": 0}, ValueError),
        ({"max_delay": float("inf")}, ValueError),
        ({"max_delay": float("nan")}, ValueError),
        ({"max_delay": "1"}, TypeError),
        ({"boundary": "paragraph"}, ValueError),
        ({"boundary": 3}, TypeError),
        ({"boundary": re.compile(rb"\n")}, TypeError),
    ],
)
def test_arguments_are_checked_when_built(options: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match=r"positive|'word', 'sentence', 'line'"):
        buffer_tokens(**options)


# --- parity: every face ------------------------------------------------------------------
# A max_delay far beyond the run never fires, so every face must give what the same operator
# gives on a plain list under a clock that never moves; short delays are checked by laws.

WORDS = " ".join(f"word{i}." if i % 10 == 9 else f"word{i}" for i in range(40))


def _sized(frozen: bool = False) -> Any:
    scheduler = TestScheduler() if frozen else None
    return buffer_tokens(max_chars=12, boundary="sentence", max_delay=60.0, scheduler=scheduler)


def _texts_by_message(events: list[Event]) -> dict[str | None, str]:
    out: dict[str | None, str] = defaultdict(str)
    for event in events:
        if (chunk := chunk_of(event)) is not None:
            out[chunk.id] += chunk.text
    return dict(out)


def test_every_face_buffers_an_agent_run_by_size_and_sentence(face: ObservableFace) -> None:
    run = create_agent(ScriptedModel([WORDS])).observe(SEED_INPUT)
    out = face.assert_oracle(run, _sized(), like=_sized(frozen=True), key=signature)
    assert list(_texts_by_message(out).values()) == [WORDS]
    assert len([e for e in out if chunk_of(e)]) < 25, "40 word tokens, joined"
    parallel = parallel_agent().observe(SEED_INPUT)
    face.assert_oracle(parallel, _sized(), like=_sized(frozen=True), key=signature)


def test_every_face_buffers_a_finite_stream(face: ObservableFace) -> None:
    events = sample_events()
    out = face.assert_oracle(reactivex.from_iterable(events), buffer_tokens(max_chars=4))
    assert _texts_by_message(out) == _texts_by_message(events)
    assert len(out) < len(events)


def test_every_face_flushes_before_the_upstream_error(face: ObservableFace) -> None:
    events = sample_events()
    cut = next(i for i, e in enumerate(events) if e.task_id == "t4") + 3  # mid-answer
    out = face.assert_oracle(failing(events[:cut], BOOM), buffer_tokens())
    assert _texts_by_message(out)["m3"] == "It is sun", "the held text comes before the error"
    run = failing_agent().observe(SEED_INPUT)
    face.assert_oracle(run, _sized(), like=_sized(frozen=True), key=signature)


def test_every_face_with_real_timers_keeps_every_messages_text(face: ObservableFace) -> None:
    """Timing decides the joins, not the text: each message's text is the plain run's."""
    run = create_agent(ScriptedModel([WORDS])).observe(SEED_INPUT)
    out = face(run.pipe(buffer_tokens(max_delay=0.001)))
    plain = pushed(run).items
    assert sorted(_texts_by_message(out).values()) == sorted(_texts_by_message(plain).values())
    assert [e for e in signature(out) if e[0] != "messages"] == [
        e for e in signature(plain) if e[0] != "messages"
    ]


# --- properties over interleaved multi-source streams --------------------------------------


@dataclass(frozen=True)
class Case:
    """A stream, how it ends, and the operator's options."""

    stream: Stream
    end: int
    fail: bool
    max_chars: int | None
    max_delay: float | None
    boundary: Boundary | None

    def options(self) -> dict[str, Any]:
        return {"max_chars": self.max_chars, "max_delay": self.max_delay, "boundary": self.boundary}

    def run(self) -> Emitted:
        return run(self.stream, self.end, self.fail, **self.options())


BOUNDARIES: list[Boundary | None] = [None, "word", "sentence", "line", re.compile(r"b+|\?")]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    stream = draw(streams())
    last = stream[-1][0] if stream else 200
    return Case(
        stream=stream,
        end=last + draw(st.integers(1, 80)),
        fail=draw(st.booleans()),
        max_chars=draw(st.none() | st.integers(1, 12)),
        max_delay=draw(st.none() | st.integers(1, 60).map(float)),
        boundary=draw(st.sampled_from(BOUNDARIES)),
    )


def message_of(event: Event) -> tuple[SourceKey, str | None]:
    chunk = chunk_of(event)
    assert chunk is not None
    return source_of(event), chunk.id


def is_empty(chunk: AIMessageChunk) -> bool:
    return not (
        chunk.content or chunk.tool_call_chunks or chunk.usage_metadata or chunk.chunk_position
    )


def by_message(events: list[Event]) -> dict[tuple[SourceKey, str | None], list[AIMessageChunk]]:
    """The token chunks of each message, in order."""
    out: dict[tuple[SourceKey, str | None], list[AIMessageChunk]] = defaultdict(list)
    for event in events:
        if (chunk := chunk_of(event)) is not None:
            out[message_of(event)].append(chunk)
    return out


def args_of(chunks: list[AIMessageChunk]) -> dict[int | None, str]:
    args: dict[int | None, str] = defaultdict(str)
    for chunk in chunks:
        for piece in chunk.tool_call_chunks:
            args[piece["index"]] += piece["args"] or ""
    return dict(args)


@given(cases())
def test_first_chunk_of_a_message_is_not_delayed(case: Case) -> None:
    out = case.run()
    seen: set[tuple[SourceKey, str | None]] = set()
    for tick, event in case.stream:
        chunk = chunk_of(event)
        if chunk is not None and not is_empty(chunk) and message_of(event) not in seen:
            seen.add(message_of(event))
            assert any(t == tick and e is event for t, e in out)


@given(cases())
def test_no_empty_chunk_is_emitted(case: Case) -> None:
    assert not any((c := chunk_of(e)) is not None and is_empty(c) for _, e in case.run())


@given(cases())
def test_per_message_text_and_tool_args_equal_the_inputs(case: Case) -> None:
    given_ = by_message([e for _, e in case.stream])
    got = by_message([e for _, e in case.run()])
    for message, chunks in given_.items():
        out = got.get(message, [])
        assert "".join(c.text for c in out) == "".join(c.text for c in chunks)
        assert args_of(out) == args_of(chunks)


@given(cases())
def test_no_event_overtakes_its_sources_earlier_tokens(case: Case) -> None:
    """When a non-token event of a source is emitted, all of the source's earlier text is."""
    out = case.run()
    for position, (_, event) in enumerate(out):
        if chunk_of(event) is None:
            key = source_of(event)
            before = [e for _, e in case.stream if source_of(e) == key and e.seq < event.seq]
            emitted = [e for _, e in out[:position] if source_of(e) == key]
            assert sig(emitted) == sig(before)


def sig(events: list[Event]) -> str:
    """The text and tool-call args of the token events, in order."""
    chunks = [c for e in events if (c := chunk_of(e)) is not None]
    return "".join(c.text + "".join(p["args"] or "" for p in c.tool_call_chunks) for c in chunks)


@given(cases())
def test_other_events_pass_unchanged_at_once(case: Case) -> None:
    out = case.run()
    others = [(t, e) for t, e in case.stream if chunk_of(e) is None]
    assert [(t, id(e)) for t, e in out if chunk_of(e) is None] == [(t, id(e)) for t, e in others]


@given(cases())
def test_matches_the_list_oracle(case: Case) -> None:
    """Exactly the oracle's emissions at the oracle's times; each joins a run of one message."""
    out = case.run()
    expected = oracle(case)
    assert [t for t, _ in out] == [t for t, _ in expected]
    for (_, got), (_, group) in zip(out, expected, strict=True):
        if len(group) == 1:
            assert got is group[0]
        else:
            assert len({message_of(e) for e in group}) == 1  # a coarsening of one message
            chunks = [chunk_of(e) for e in group]
            first = group[0].model_dump(exclude={"data"})
            assert got.model_dump(exclude={"data"}) == first
            assert got.data == (join_chunks(chunks), group[0].data[1])  # type: ignore[arg-type]


@given(cases())
def test_law_joining_after_buffering_equals_joining(case: Case) -> None:
    given_ = by_message([e for _, e in case.stream])
    got = by_message([e for _, e in case.run()])
    for message, chunks in given_.items():
        if all(is_empty(c) for c in chunks):
            assert message not in got
        else:
            assert join_chunks(got[message]) == join_chunks(chunks)


# --- the oracle: the joining rules over plain lists ----------------------------------------


def oracle(case: Case) -> list[tuple[float, list[Event]]]:
    """What ``buffer_tokens`` emits: ``(time, the input events it joins)``, by the rules."""
    model = Oracle(case)
    for time, event in case.stream:
        model.tick(time)
        chunk = chunk_of(event)
        if chunk is None:
            model.other(time, event)
        else:
            model.token(time, event, chunk)
    model.tick(case.end)
    for key in list(model.held):
        model.flush(key, case.end)
    return model.out


class Oracle:
    """The joining rules over plain lists, one event at a time."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.out: list[tuple[float, list[Event]]] = []
        self.held: dict[SourceKey, list[Event]] = {}  # in the order the buffers started
        self.message: dict[SourceKey, tuple[str | None, bool]] = {}  # (id, first one passed)
        self.timers: list[tuple[float, int, SourceKey, list[Event]]] = []
        self.before, self.after = edges(case.boundary)
        self.count = itertools.count()

    def flush(self, key: SourceKey, time: float) -> None:
        if self.held.get(key):
            self.out.append((time, self.held.pop(key)))

    def tick(self, time: float) -> None:
        """Fire the timers due before ``time`` (events at a timer's instant come first)."""
        while self.timers and min(self.timers)[0] < time:
            due, _, key, group = first = min(self.timers)
            self.timers.remove(first)
            if self.held.get(key) is group:
                self.flush(key, due)

    def other(self, time: float, event: Event) -> None:
        key = source_of(event)
        self.flush(key, time)
        if event.mode == "updates":
            self.message.pop(key, None)
        self.out.append((time, [event]))

    def token(self, time: float, event: Event, chunk: AIMessageChunk) -> None:
        key = source_of(event)
        if key in self.message and self.message[key][0] != chunk.id:
            self.flush(key, time)
        started = self.message.get(key) == (chunk.id, True)
        self.message[key] = (chunk.id, started)
        if is_empty(chunk):
            if self.held.get(key):
                self.held[key].append(event)
        elif started:
            self.hold(time, key, event, chunk)
        else:
            self.message[key] = (chunk.id, True)
            self.out.append((time, [event]))
            if chunk.chunk_position == "last":
                del self.message[key]

    def hold(self, time: float, key: SourceKey, event: Event, chunk: AIMessageChunk) -> None:
        if self.held.get(key) and self.before(chunk.text):
            self.flush(key, time)
        group = self.held.setdefault(key, [])
        group.append(event)
        size = len("".join(c.text for e in group if (c := chunk_of(e)) is not None))
        if chunk.chunk_position == "last":
            self.flush(key, time)
            del self.message[key]
        elif size >= (self.case.max_chars or 10**9) or self.after(chunk.text):
            self.flush(key, time)
        elif len(group) == 1 and self.case.max_delay is not None:
            due = time + self.case.max_delay
            self.timers.append((due, next(self.count), key, group))


def edges(boundary: Boundary | None) -> tuple[Callable[[str], bool], Callable[[str], bool]]:
    """Does a boundary come before / after a chunk's text."""
    if boundary == "word":
        return (lambda t: t[:1].isspace()), (lambda t: t[-1:].isspace())
    if boundary == "sentence":
        return (lambda t: False), (lambda t: re.search(r"[.!?…][\"'”’»)\]]*\s*\Z", t) is not None)
    if boundary == "line":
        return (lambda t: t.startswith("\n")), (lambda t: t.endswith("\n"))
    if isinstance(boundary, re.Pattern):
        pattern = boundary
        return (lambda t: pattern.match(t) is not None), (
            lambda t: any(pattern.fullmatch(t, i) for i in range(len(t) + 1))
        )
    return (lambda t: False), (lambda t: False)
