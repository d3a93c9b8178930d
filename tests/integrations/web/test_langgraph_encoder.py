"""The LangGraph Agent Server wire format, frame by frame, on real runs."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

import pytest
from langchain_core.messages import AIMessageChunk as LcAIMessageChunk
from pydantic import BaseModel

from rxagent._demo import ANSWER, INTRO
from rxagent.events import CustomEvent, EventEncodeError, MessageEvent, ValuesEvent
from rxagent.integrations.web._entries import Entry, Frame
from rxagent.integrations.web._ids import EventId
from rxagent.integrations.web._langgraph_json import dumps, to_json
from rxagent.integrations.web._langgraph_sse import (
    LANGGRAPH_STREAM_MODES,
    LangGraphEncoder,
    check_stream_modes,
)
from rxagent.messages import AIMessageChunk, ToolMessage, join_chunks
from tests.integrations.web.logs import (
    LOGS,
    cancelled_log,
    demo_log,
    events_of,
    failing_log,
    frames_of,
    subgraph_log,
)


def _frames(modes: list[str], log: list[Entry], *, subgraphs: bool = False) -> list[Frame]:
    return frames_of(LangGraphEncoder(modes, subgraphs=subgraphs), log)


def _body(frames: list[Frame]) -> list[tuple[str | None, Any]]:
    return [(frame.event, json.loads(frame.data)) for frame in frames]


def test_metadata_comes_first_with_only_run_id_and_attempt() -> None:
    log = demo_log()
    frames = _frames(["values"], log)
    assert frames[0] == Frame(
        json.dumps({"run_id": log[0].data["run_id"], "attempt": 1}, separators=(",", ":")),
        "metadata",
    )
    assert "thread_id" in log[0].data, "the log has more than the frame shows"


@pytest.mark.parametrize("mode", ["values", "updates", "custom", "tasks", "tools"])
def test_plain_modes_send_each_event_as_its_json(mode: str) -> None:
    log = demo_log()
    frames = _frames([mode], log)[1:]
    events = [event for event in events_of(log) if event.mode == mode]
    assert len(frames) == len(events) > 0
    for frame, event in zip(frames, events, strict=True):
        assert frame.event == mode
        assert json.loads(frame.data) == to_json(event.data)
        assert "\n" not in frame.data


def test_custom_frames_are_the_tools_payloads_exactly() -> None:
    frames = _frames(["custom"], demo_log())[1:]
    assert [json.loads(f.data) for f in frames] == [
        {"progress": f"Fetched {n}/100 records", "done": n, "total": 100} for n in (25, 50, 75, 100)
    ]
    assert frames[0].data == '{"progress":"Fetched 25/100 records","done":25,"total":100}'


def test_values_frames_hold_messages_as_langchain_dicts() -> None:
    frames = _frames(["values"], demo_log())[1:]
    last = json.loads(frames[-1].data)["messages"]
    assert [m["type"] for m in last] == ["human", "ai", "tool", "ai"]
    assert last[1]["content"] == INTRO
    assert last[1]["tool_calls"][0]["name"] == "fetch_records"
    assert last[3]["content"] == ANSWER


def test_messages_tuple_sends_chunk_dict_and_metadata_named_messages() -> None:
    log = demo_log()
    frames = _frames(["messages-tuple"], log)[1:]
    events = [event for event in events_of(log) if isinstance(event, MessageEvent)]
    assert [f.event for f in frames] == ["messages"] * len(events)
    for frame, event in zip(frames, events, strict=True):
        message, metadata = json.loads(frame.data)
        assert message == event.data[0].model_dump()
        assert metadata["langgraph_node"] == event.node
        assert metadata["langgraph_triggers"] == list(event.data[1]["langgraph_triggers"])
    first, _ = json.loads(frames[0].data)
    assert (first["type"], first["content"]) == ("AIMessageChunk", "I'll")
    assert {"tool_call_chunks", "chunk_position"} <= first.keys()


def test_messages_tuple_wins_over_messages_as_on_the_server() -> None:
    log = demo_log()
    assert _frames(["messages", "messages-tuple"], log) == _frames(["messages-tuple"], log)


def test_messages_mode_sends_metadata_once_then_growing_partials() -> None:
    log = demo_log()
    body = _body(_frames(["messages"], log)[1:])
    names = [name for name, _ in body]
    events = [event for event in events_of(log) if isinstance(event, MessageEvent)]
    chunks = [e.data[0] for e in events if isinstance(e.data[0], AIMessageChunk)]
    ids = list(dict.fromkeys(chunk.id for chunk in chunks))
    assert len(ids) == 2
    assert names.count("messages/metadata") == 3  # two AI messages and the tool message
    assert names.count("messages/partial") == len(chunks)
    assert names.count("messages/complete") == 1
    metadata = [data for name, data in body if name == "messages/metadata"]
    assert next(next(iter(m)) for m in metadata) == ids[0]
    assert metadata[0][ids[0]]["metadata"]["langgraph_node"] == "model"
    for message_id, text in zip(ids, (INTRO, ANSWER), strict=True):
        partials = [d[0] for n, d in body if n == "messages/partial" and d[0]["id"] == message_id]
        joined = join_chunks(c for c in chunks if c.id == message_id).to_message()
        assert partials[-1] == joined.model_dump()
        assert partials[-1]["type"] == "ai"
        assert "tool_call_chunks" not in partials[-1]
        assert partials[-1]["content"] == text
        lengths = [len(p["content"]) for p in partials]
        assert lengths == sorted(lengths)
    assert body[names.index("messages/partial")][1][0]["content"] == "I'll"
    first_partials = [d[0] for n, d in body if n == "messages/partial" and d[0]["id"] == ids[0]]
    assert first_partials[-1]["tool_calls"] == [
        {"name": "fetch_records", "args": {"count": 100}, "id": "call_fetch_records",
         "type": "tool_call"}
    ]  # fmt: skip
    (complete,) = [d for n, d in body if n == "messages/complete"]
    assert complete[0]["type"] == "tool"
    assert complete[0]["tool_call_id"] == "call_fetch_records"
    tool_metadata_at = names.index("messages/complete") - 1
    assert names[tool_metadata_at] == "messages/metadata"


def test_messages_mode_accumulates_langchain_core_chunks() -> None:
    metadata = {"langgraph_node": "model"}
    pieces = [
        LcAIMessageChunk(content="Hel", id="m1"),
        LcAIMessageChunk(
            content="lo",
            id="m1",
            tool_call_chunks=[{"name": "f", "args": '{"a": 1}', "id": "c1", "index": 0}],
        ),
    ]
    events = [
        MessageEvent.model_construct(data=(cast(Any, piece), metadata), node="model", seq=i)
        for i, piece in enumerate(pieces)
    ]
    encoder = LangGraphEncoder(["messages"])
    frames = [f for i, e in enumerate(events) for f in encoder.encode(_entry(i, e))]
    assert [f.event for f in frames] == [
        "messages/metadata", "messages/partial", "messages/partial",
    ]  # fmt: skip
    last = json.loads(frames[-1].data)[0]
    assert (last["content"], last["tool_calls"][0]["args"]) == ("Hello", {"a": 1})
    tuples = LangGraphEncoder(["messages-tuple"])
    frame = tuples.encode(_entry(0, events[1]))[0]
    assert json.loads(frame.data)[0] == json.loads(json.dumps(pieces[1].model_dump()))


def test_error_entry_is_an_error_frame_and_end_cancelled_send_nothing() -> None:
    failing = _frames(["values"], failing_log())
    assert _body(failing[-1:]) == [("error", {"error": "RuntimeError", "message": "model failed"})]
    for log in (demo_log(), cancelled_log()):
        frames = _frames(["values"], log)
        assert frames[-1].event == "values"
        assert LangGraphEncoder(["values"]).encode(log[-1]) == []


def test_subgraph_events_are_named_with_their_namespace_only_with_subgraphs() -> None:
    log = subgraph_log()
    inner_ns = next(e.ns for e in events_of(log) if e.ns)
    names = [f.event for f in _frames(["custom", "updates", "values"], log, subgraphs=True)]
    assert f"custom|{inner_ns[0]}" in names
    assert f"updates|{inner_ns[0]}" in names
    assert "custom" in names
    assert "updates" in names
    without = [f.event or "" for f in _frames(["custom", "updates"], log)]
    assert without
    assert all("|" not in name for name in without)
    assert len(without) < len([n for n in names if not (n or "").startswith("values")])


def test_subgraph_messages_stream_once_under_the_graph_that_made_them() -> None:
    log = subgraph_log()
    nested = _body(_frames(["messages-tuple"], log, subgraphs=True)[1:])
    whole = [data[0]["id"] for _, data in nested if data[0]["type"] != "AIMessageChunk"]
    assert len(whole) == len(set(whole)), "a parent does not repeat its subgraph's messages"
    assert nested
    assert all((name or "").startswith("messages|researcher:") for name, _ in nested)
    root = _body(_frames(["messages-tuple"], log)[1:])
    assert [d[0]["content"] for _, d in root] == ["Looking it up.", "rx: found", "It is found."]
    assert {name for name, _ in root} == {"messages"}


def test_unknown_modes_are_refused_naming_the_choices() -> None:
    for mode in ("debug", "events", "checkpoints", "lifecycle", "token"):
        with pytest.raises(ValueError, match="choose from 'values', 'updates', 'messages'"):
            LangGraphEncoder([mode])
    assert check_stream_modes("values") == ("values",)
    assert set(LANGGRAPH_STREAM_MODES) == {
        "values", "updates", "messages", "messages-tuple", "custom", "tasks", "tools",
    }  # fmt: skip


def test_modes_are_what_the_run_must_observe() -> None:
    assert LangGraphEncoder(["messages-tuple", "values"]).modes == {"messages", "values"}
    assert LangGraphEncoder(["messages"]).modes == {"messages"}
    assert LangGraphEncoder(["tools", "tasks", "custom", "updates"]).modes == {
        "tools", "tasks", "custom", "updates",
    }  # fmt: skip
    assert LangGraphEncoder([]).modes == frozenset()
    assert dict(LangGraphEncoder(["values"]).headers) == {}


@pytest.mark.parametrize("name", sorted(LOGS))
@pytest.mark.parametrize("modes", [["values", "updates", "custom"], ["messages"], ["tools"]])
def test_a_fresh_encoder_replays_the_same_frames(name: str, modes: list[str]) -> None:
    log = LOGS[name]()
    assert _frames(modes, log, subgraphs=True) == _frames(modes, log, subgraphs=True)


# --- the JSON of data: lines ---------------------------------------------------------------


class _Point(BaseModel):
    x: int
    tags: frozenset[str] = frozenset()


@dataclasses.dataclass
class _Box:
    width: int
    inner: tuple[int, ...]


def test_json_writes_models_dataclasses_exceptions_and_tuples() -> None:
    value = {
        "point": _Point(x=1),
        "box": _Box(2, (3, 4)),
        "error": KeyError("k"),
        "pair": ("a", 1.5),
        7: None,
        "msg": ToolMessage("ok", tool_call_id="c1", id="t1"),
        "text": "héllo",
    }
    text = dumps(value)
    assert json.loads(text) == {
        "point": {"x": 1, "tags": []},
        "box": {"width": 2, "inner": [3, 4]},
        "error": {"error": "KeyError", "message": "'k'"},
        "pair": ["a", 1.5],
        "7": None,
        "msg": ToolMessage("ok", tool_call_id="c1", id="t1").model_dump(),
        "text": "héllo",
    }
    assert "héllo" in text
    assert ", " not in text
    assert ": " not in text


@pytest.mark.parametrize(
    ("data", "where", "what"),
    [
        ({"blob": b"x"}, "data['blob']", "bytes"),
        ({"deep": [1, {"s": {1, 2}}]}, "data['deep'][1]['s']", "set"),
        ({"bad": float("nan")}, "data['bad']", "the float nan"),
        ({(1, 2): "k"}, "data", "key (1, 2)"),
        ({"o": object()}, "data['o']", "object"),
    ],
)
def test_unencodable_data_names_the_event_the_type_and_the_path(
    data: Any, where: str, what: str
) -> None:
    event = CustomEvent(data=data, node="tools", seq=9)
    with pytest.raises(EventEncodeError) as caught:
        LangGraphEncoder(["custom"]).encode(_entry(9, event))
    message = str(caught.value)
    assert "'custom' event of node 'tools' (seq 9)" in message
    assert where in message
    assert "wire format holds only" in message
    assert what in message
    assert caught.value.path == where


def test_values_event_with_a_message_in_a_tuple() -> None:
    event = ValuesEvent(data={"pair": (ToolMessage("x", tool_call_id="c", id="i"),)})
    (frame,) = LangGraphEncoder(["values"]).encode(_entry(0, event))
    assert json.loads(frame.data)["pair"][0]["type"] == "tool"


def _entry(seq: int, event: Any) -> Entry:
    return Entry(EventId(1, seq), "event", event)
