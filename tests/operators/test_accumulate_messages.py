"""accumulate_messages: growing snapshots equal to the joined chunks, one per input event."""

from __future__ import annotations

from typing import Any

import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st
from reactivex.notification import Notification
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator, ToolMessage, text_chunk
from rxagent.operators._accumulate_messages import accumulate_messages
from rxagent.operators._types import source_of
from tests.strategies import streams
from tests.support import (
    SEED_INPUT,
    ObservableFace,
    failing,
    failing_agent,
    parallel_agent,
    sample_events,
    seed_agent,
    signature,
)

Stream = list[tuple[int, Event]]


def accumulate(events: list[Event]) -> list[Event]:
    out: list[Event] = []
    rx.from_iterable(events).pipe(accumulate_messages()).subscribe(out.append)
    return out


def chunk_of(event: Event) -> AIMessageChunk | None:
    if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
        return event.data[0]
    return None


def snapshot(event: Event) -> AIMessageChunk:
    chunk = chunk_of(event)
    assert chunk is not None
    return chunk


def joined(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.to_chunk()


def same_message(a: AIMessageChunk, b: AIMessageChunk) -> bool:
    keys = ("text", "content", "tool_call_chunks", "tool_calls", "invalid_tool_calls", "id")
    return all(getattr(a, key) == getattr(b, key) for key in keys) and (
        a.usage_metadata == b.usage_metadata
    )


# --- properties --------------------------------------------------------------------------


@given(streams())
def test_the_last_snapshot_of_each_message_equals_the_joined_chunks(stream: Stream) -> None:
    events = [event for _, event in stream]
    out = accumulate(events)
    so_far: dict[tuple[Any, str | None], list[AIMessageChunk]] = {}
    for event, result in zip(events, out, strict=True):
        chunk = chunk_of(event)
        if chunk is None:
            continue
        chunks = so_far.setdefault((source_of(event), chunk.id), [])
        chunks.append(chunk)
        assert same_message(snapshot(result), joined(chunks)), "each snapshot: the chunks so far"
    for (source, message_id), chunks in so_far.items():
        last = [r for e, r in zip(events, out, strict=True) if chunk_of(e) is chunks[-1]]
        whole = joined(chunks)
        assert same_message(snapshot(last[0]), whole), (source, message_id)
        assert snapshot(last[0]).chunk_position == whole.chunk_position


@given(streams())
def test_snapshots_of_a_message_only_grow(stream: Stream) -> None:
    events = [event for _, event in stream]
    previous: dict[tuple[Any, str | None], AIMessageChunk] = {}
    for event, result in zip(events, accumulate(events), strict=True):
        chunk = chunk_of(event)
        if chunk is None:
            continue
        now, key = snapshot(result), (source_of(event), chunk.id)
        before = previous.get(key)
        if before is not None:
            assert now.text.startswith(before.text)
            assert len(now.tool_call_chunks) >= len(before.tool_call_chunks)
            for old, new in zip(before.tool_call_chunks, now.tool_call_chunks, strict=False):
                assert (new["args"] or "").startswith(old["args"] or "")
        previous[key] = now


@given(streams())
def test_one_output_event_per_input_event_with_its_fields_and_metadata(stream: Stream) -> None:
    events = [event for _, event in stream]
    out = accumulate(events)
    assert len(out) == len(events)
    for event, result in zip(events, out, strict=True):
        if chunk_of(event) is None:
            assert result is event, "other events pass through as they are"
            continue
        assert isinstance(result, MessageEvent)
        assert isinstance(event, MessageEvent)
        assert {**result.__dict__, "data": None} == {**event.__dict__, "data": None}
        assert result.data[1] is event.data[1]


# --- examples ----------------------------------------------------------------------------


def token(text: str, message_id: str | None = "m1", task: str = "t1", **fields: Any) -> Event:
    chunk = AIMessageChunk(text, id=message_id, **fields)
    return MessageEvent(data=(chunk, {"langgraph_node": "model"}), task_id=task, node="model")


def texts(events: list[Event]) -> list[str]:
    return [snapshot(e).text for e in events]


def test_tokens_become_growing_snapshots_with_the_events_fields() -> None:
    events = [token("Hel"), token("lo"), token(" world", chunk_position="last")]
    out = accumulate(events)
    assert texts(out) == ["Hel", "Hello", "Hello world"]
    assert [snapshot(e).chunk_position for e in out] == [None, None, "last"]
    assert all(type(e) is MessageEvent and e.task_id == "t1" for e in out)
    assert out[2].data[1] == {"langgraph_node": "model"}


def test_tool_calls_are_joined_by_index_and_parsed_at_every_step() -> None:
    head = [{"name": "get_weather", "args": '{"city": "Pa', "id": "call_1", "index": 0}]
    tail = [{"name": None, "args": 'ris"}', "id": None, "index": 0}]
    other = [{"name": "f", "args": "{}", "id": "call_2", "index": 1}]
    out = accumulate([token("", tool_call_chunks=head), token("", tool_call_chunks=tail + other)])
    assert snapshot(out[0]).tool_calls[0]["args"] == {"city": "Pa"}
    final = snapshot(out[1])
    assert [c["args"] for c in final.tool_calls] == [{"city": "Paris"}, {}]
    assert final.tool_call_chunks[0] == {
        "name": "get_weather",
        "args": '{"city": "Paris"}',
        "id": "call_1",
        "index": 0,
        "type": "tool_call_chunk",
    }


def test_usage_and_metadata_are_merged() -> None:
    usage = {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}
    out = accumulate(
        [
            token("a", usage_metadata=usage, response_metadata={"model": "x"}),
            token("b", usage_metadata=usage, response_metadata={"finish_reason": "stop"}),
        ]
    )
    last = snapshot(out[1])
    assert last.usage_metadata == {"input_tokens": 6, "output_tokens": 2, "total_tokens": 8}
    assert last.response_metadata == {"model": "x", "finish_reason": "stop"}
    assert snapshot(out[0]).usage_metadata == usage, "earlier snapshots are left alone"


def test_a_message_ends_at_its_last_chunk_or_when_another_starts() -> None:
    out = accumulate(
        [
            token("a", chunk_position="last"),
            token("b"),  # same id, but the message ended: a new one
            token("c", message_id="m2"),  # another message on the source
            token("d", message_id=None),  # no id: continues the current message
        ]
    )
    assert texts(out) == ["a", "b", "c", "cd"]
    assert snapshot(out[3]).id == "m2"


def test_a_message_is_forgotten_when_its_task_is_over() -> None:
    done = UpdateEvent(data={"model": {}}, task_id="t1", node="model")
    other = UpdateEvent(data={"model": {}}, task_id="t2", node="model")
    out = accumulate([token("a"), other, token("b"), done, token("c")])
    assert [snapshot(e).text for e in (out[0], out[2], out[4])] == ["a", "ab", "c"]


def test_metadata_that_cannot_be_merged_never_ends_the_stream() -> None:
    events = [token("a", response_metadata={"n": 1}), token("b", response_metadata={"n": "x"})]
    seen: list[Event] = []
    errors: list[Exception] = []
    rx.from_iterable(events).pipe(accumulate_messages()).subscribe(seen.append, errors.append)
    assert errors == []
    assert [snapshot(e).response_metadata for e in seen] == [{"n": 1}, {"n": "x"}]


def test_sources_are_accumulated_apart() -> None:
    out = accumulate([token("a", task="t1"), token("x", task="t2"), token("b", task="t1")])
    assert texts(out) == ["a", "x", "ab"]


def test_other_events_pass_through_as_they_are() -> None:
    tool = ToolMessage(content="result", tool_call_id="c1", id="t")
    events: list[Event] = [
        CustomEvent(data={"progress": 1}),
        MessageEvent(data=(tool, {})),
        token("a"),
    ]
    out = accumulate(events)
    assert out[0] is events[0]
    assert out[1] is events[1]


def test_list_content_joins_as_plus_does() -> None:
    chunks = [
        AIMessageChunk("a", id="m1"),
        AIMessageChunk(["b", {"type": "image", "url": "u"}], id="m1"),
        AIMessageChunk("c", id="m1"),
        AIMessageChunk(["d"], id="m1"),
    ]
    out = accumulate([MessageEvent(data=(c, {})) for c in chunks])
    for i, event in enumerate(out):
        assert snapshot(event).content == joined(chunks[: i + 1]).content
    assert snapshot(out[-1]).content == ["ab", {"type": "image", "url": "u"}, "cd"]


def test_content_blocks_with_an_index_merge_as_plus_does() -> None:
    tool_use = {"type": "tool_use", "id": "t1", "name": "f", "input": {}, "index": 1}
    piece = {"name": "f", "args": "", "id": "t1", "index": 1}
    chunks = [
        AIMessageChunk([], id="m1"),
        AIMessageChunk([{"type": "text", "text": "Let", "index": 0}], id="m1"),
        AIMessageChunk([{"type": "text", "text": " me", "index": 0}], id="m1"),
        AIMessageChunk([tool_use], id="m1", tool_call_chunks=[piece]),
        AIMessageChunk(
            [{"type": "input_json_delta", "partial_json": '{"x": 1}', "index": 1}],
            id="m1",
            tool_call_chunks=[{**piece, "name": None, "args": '{"x": 1}', "id": None}],
        ),
    ]
    out = accumulate([MessageEvent(data=(c, {})) for c in chunks])
    for i, event in enumerate(out):
        assert snapshot(event).content == joined(chunks[: i + 1]).content
    last = snapshot(out[-1])
    assert last.content == [
        {"type": "text", "text": "Let me", "index": 0},
        {**tool_use, "partial_json": '{"x": 1}'},
    ]
    assert last.tool_calls == [{"name": "f", "args": {"x": 1}, "id": "t1", "type": "tool_call"}]
    snapshot(out[1]).content[0]["text"] = "changed"  # type: ignore[index]
    assert snapshot(out[2]).content[0]["text"] == "Let me", "snapshots share no block"  # type: ignore[index]


_blocks = st.one_of(
    st.sampled_from(["", "a", "bc"]),
    st.builds(
        lambda text, index: {"type": "text", "text": text, "index": index},
        st.sampled_from(["x", "yz"]),
        st.integers(0, 2),
    ),
    st.just({"type": "image", "url": "u"}),
)
_contents = st.one_of(st.sampled_from(["", "s", "tu"]), st.lists(_blocks, max_size=3))


@given(st.lists(_contents, min_size=1, max_size=12))
def test_every_snapshot_of_mixed_content_equals_the_joined_chunks(contents: list[Any]) -> None:
    chunks = [AIMessageChunk(content, id="m1") for content in contents]
    out = accumulate([MessageEvent(data=(c, {})) for c in chunks])
    for i, event in enumerate(out):
        assert snapshot(event).content == joined(chunks[: i + 1]).content


def test_snapshots_share_no_mutable_part() -> None:
    piece = [{"name": "f", "args": '{"a": 1', "id": "c", "index": 0}]
    out = accumulate([token("a", tool_call_chunks=piece), token("b")])
    first = snapshot(out[0])
    first.tool_call_chunks[0]["args"] = "changed"
    first.response_metadata["x"] = 1
    assert snapshot(out[1]).tool_call_chunks[0]["args"] == '{"a": 1'
    assert snapshot(out[1]).response_metadata == {}


def test_completion_and_errors_are_forwarded_in_virtual_time() -> None:
    on_next, on_error = ReactiveTest.on_next, ReactiveTest.on_error
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        on_next(210, text_chunk_event("Hi")), on_error(220, RuntimeError("model failed"))
    )
    results = scheduler.start(lambda: hot.pipe(accumulate_messages()))
    notes: list[tuple[float, Notification[Event]]] = []
    for message in results.messages:
        assert isinstance(message.value, Notification)
        notes.append((message.time, message.value))
    assert [(t, n.kind) for t, n in notes] == [(210, "N"), (220, "E")]
    assert snapshot(notes[0][1].value).text == "Hi"


def text_chunk_event(text: str) -> Event:
    return MessageEvent(data=(text_chunk(text, "m1"), {}))


# --- parity: every face ------------------------------------------------------------------


BOOM = RuntimeError("boom")


def _last_snapshots(events: list[Event]) -> dict[str | None, str]:
    """The text of the last snapshot of each message."""
    return {chunk.id: chunk.text for e in events if (chunk := chunk_of(e))}


def test_every_face_gets_the_same_snapshots_of_an_agent_run(face: ObservableFace) -> None:
    run = seed_agent().observe(SEED_INPUT, stream_mode=["messages"])
    out = face.assert_oracle(run, accumulate_messages(), key=signature)
    assert sorted(_last_snapshots(out).values()) == ["It is sunny in Paris.", "Let me check."]


def test_every_face_gets_the_same_snapshots_of_a_parallel_run(face: ObservableFace) -> None:
    out = face.assert_oracle(
        parallel_agent().observe(SEED_INPUT), accumulate_messages(), key=signature
    )
    calls = [c for e in out if (c := chunk_of(e)) and c.chunk_position == "last" and c.tool_calls]
    assert [call["args"] for call in calls[0].tool_calls] == [
        {"query": "rx"},
        {"url": "https://example.org"},
    ]


def test_every_face_gets_the_same_snapshots_of_a_finite_stream(face: ObservableFace) -> None:
    out = face.assert_oracle(rx.from_iterable(sample_events()), accumulate_messages())
    assert _last_snapshots(out) == {
        "m1": "Let me check.",
        "m2": "Hello world",
        "m3": "It is sunny in Paris.",
    }


def test_every_face_ends_with_the_upstream_error_after_the_same_snapshots(
    face: ObservableFace,
) -> None:
    events = sample_events()
    face.assert_oracle(failing(events[:12], BOOM), accumulate_messages())
    out = face.assert_oracle(
        failing_agent().observe(SEED_INPUT), accumulate_messages(), key=signature
    )
    assert [c.text for e in out if (c := chunk_of(e))][-1] == "It is"


def test_usage_details_and_provider_metadata_are_kept_and_summed() -> None:
    first = {
        "input_tokens": 5,
        "output_tokens": 1,
        "total_tokens": 6,
        "input_token_details": {"cache_read": 2},
    }
    last = {
        "input_tokens": 0,
        "output_tokens": 3,
        "total_tokens": 3,
        "output_token_details": {"reasoning": 2},
    }
    events = [
        token("a", usage_metadata=first, response_metadata={"model_name": "x"}),
        token("b", usage_metadata=last, response_metadata={"model_name": "y"}),
    ]
    final = snapshot(accumulate(events)[-1])
    assert final.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 4,
        "total_tokens": 9,
        "input_token_details": {"cache_read": 2},
        "output_token_details": {"reasoning": 2},
    }
    assert final.text == "ab"  # conflicting provider metadata never ends the stream
