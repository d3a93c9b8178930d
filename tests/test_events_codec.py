"""The JSON form of event ``data``: tagged messages, escaped user dicts, one error for the rest.

Events are built as the runtime builds them (:func:`rxagent._fast.maker`, no validation), then
dumped through every JSON entry point and read back through ``EVENT_ADAPTER``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from rxagent import STREAM_MODES, ScriptedModel, create_agent, get_stream_writer, to_iter, tool
from rxagent._codec import MARKER
from rxagent._fast import maker
from rxagent.events import (
    EVENT_ADAPTER,
    EVENT_CLASSES,
    CustomEvent,
    EventBase,
    EventEncodeError,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
)
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from tests.support import SEED_INPUT, seed_agent

BASE: dict[str, Any] = {
    "ns": ("agent:t0",),
    "node": "tools",
    "step": 2,
    "task_id": "t1",
    "tool_call_id": "call_1",
    "run_id": "r1",
    "seq": 7,
}


def build(cls: type[EventBase], data: Any, **fields: Any) -> Any:
    """An event built as the runtime builds it: trusted, no validation, no decoding."""
    mode = next(mode for mode, known in EVENT_CLASSES.items() if known is cls)
    return maker(cls)({**BASE, **fields, "mode": mode, "data": data})


def via_model(event: Any) -> Any:
    return EVENT_ADAPTER.validate_json(event.model_dump_json())


def via_adapter(event: Any) -> Any:
    return EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event))


def via_python(event: Any) -> Any:
    """``dump_python(mode="json")``, a JSON library, then ``validate_python``: a Redis path."""
    text = json.dumps(EVENT_ADAPTER.dump_python(event, mode="json"))
    return EVENT_ADAPTER.validate_python(json.loads(text))


ROUND_TRIPS: list[Callable[[Any], Any]] = [via_model, via_adapter, via_python]
DUMPS: dict[str, Callable[[Any], Any]] = {
    "model_dump_json": lambda e: e.model_dump_json(),
    "model_dump(json)": lambda e: e.model_dump(mode="json"),
    "adapter.dump_json": lambda e: EVENT_ADAPTER.dump_json(e),
    "adapter.dump_python(json)": lambda e: EVENT_ADAPTER.dump_python(e, mode="json"),
}


def wire(event: Any) -> Any:
    """The JSON form of ``event.data``, as a consumer of the transport sees it."""
    return json.loads(event.model_dump_json())["data"]


# -- examples from the issue ----------------------------------------------------------------


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    "payload",
    [
        {"type": "human", "content": "x"},
        {"type": "tool", "content": "done", "tool_call_id": "c1"},
        {"type": "ai", "content": "hi", "tool_calls": []},
        {"role": "user", "content": "hi"},
        [{"type": "AIMessageChunk", "content": "x"}],
    ],
)
def test_message_shaped_user_dicts_stay_dicts(
    payload: Any, round_trip: Callable[[Any], Any]
) -> None:
    event = build(CustomEvent, payload)
    back = round_trip(event)
    assert back == event
    assert back.data == payload
    assert not isinstance(back.data, BaseMessage)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_messages_in_every_mode_come_back_as_their_classes(
    round_trip: Callable[[Any], Any],
) -> None:
    call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
    usage = {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8}
    answer = AIMessage("Let me check.", tool_calls=[call], usage_metadata=usage, id="a1")
    result = ToolMessage("Sunny", tool_call_id="call_1", name="get_weather", artifact={"t": 21})
    chunk = AIMessageChunk(
        "",
        tool_call_chunks=[{"name": "get_weather", "args": '{"city": "Pa', "id": "c1", "index": 0}],
        usage_metadata=usage,
        chunk_position="last",
    )
    metadata = {"langgraph_node": "model", "langgraph_triggers": ("branch:to:model",)}
    events = [
        build(UpdateEvent, {"model": {"messages": [answer]}}),
        build(UpdateEvent, {"model": [{"messages": [answer]}, {"messages": [result]}]}),
        build(ValuesEvent, {"messages": [HumanMessage("hi"), SystemMessage("s"), answer]}),
        build(MessageEvent, (chunk, metadata)),
        build(MessageEvent, (result, metadata)),
        build(TaskEvent, {"id": "t", "name": "tools", "input": [call], "triggers": ("x",)}),
        build(
            TaskEvent,
            {"id": "t", "name": "model", "error": None, "interrupts": [], "result": {"m": answer}},
        ),
        build(ToolEvent, {"event": "tool-finished", "tool_call_id": "call_1", "output": result}),
        build(CustomEvent, {"deep": [{"nested": (RemoveMessage(id="m1"),)}]}),
    ]
    for event in events:
        assert round_trip(event) == _expected(event)

    updates = round_trip(events[0]).data["model"]["messages"][0]
    assert type(updates) is AIMessage
    assert updates.tool_calls[0]["args"] == {"city": "Paris"}
    assert updates.usage_metadata == usage
    token, meta = round_trip(events[3]).data
    assert type(token) is AIMessageChunk
    assert token.tool_call_chunks[0]["args"] == '{"city": "Pa'
    assert token.chunk_position == "last"
    assert meta["langgraph_triggers"] == ("branch:to:model",)
    assert type(round_trip(events[7]).data["output"]) is ToolMessage
    assert round_trip(events[7]).data["output"].artifact == {"t": 21}
    assert type(round_trip(events[8]).data["deep"][0]["nested"][0]) is RemoveMessage


def test_messages_are_tagged_and_user_dicts_are_plain_on_the_wire() -> None:
    event = build(
        ValuesEvent, {"messages": [HumanMessage("hi", id="h1")], "note": {"type": "human"}}
    )
    data = wire(event)
    assert data["note"] == {"type": "human"}
    message = data["messages"][0]
    assert message[MARKER] == "message"
    assert message["type"] == "human"
    assert message["content"] == "hi"
    assert message["id"] == "h1"


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    "payload",
    [
        {MARKER: "message", "type": "human", "content": "x"},
        {MARKER: "dict", "value": {"a": 1}},
        {MARKER: "dict", "value": {MARKER: "message", "type": "ai", "content": ""}},
        {MARKER: None},
        {"outer": {MARKER: [HumanMessage("inside")]}},
    ],
)
def test_user_dicts_holding_the_marker_key_round_trip(
    payload: Any, round_trip: Callable[[Any], Any]
) -> None:
    event = build(CustomEvent, payload)
    assert round_trip(event) == event


def test_the_marker_key_is_escaped_on_the_wire() -> None:
    event = build(CustomEvent, {MARKER: "message", "type": "human", "content": "x"})
    assert wire(event) == {
        MARKER: "dict",
        "value": {MARKER: "message", "type": "human", "content": "x"},
    }


def test_a_message_inside_a_message_field_comes_back_as_a_message() -> None:
    inner = AIMessage("draft", id="d1")
    result = ToolMessage("ok", tool_call_id="c1", artifact={"draft": inner, MARKER: 1})
    event = build(UpdateEvent, {"tools": {"messages": [result]}})
    back = via_adapter(event)
    assert back == event
    assert type(back.data["tools"]["messages"][0].artifact["draft"]) is AIMessage


# -- tuples ----------------------------------------------------------------------------------


def test_tuples_in_user_data_come_back_as_lists_and_typed_tuples_as_tuples() -> None:
    custom = build(CustomEvent, {"point": (1, 2), "path": [("a", ("b",))]})
    assert via_adapter(custom).data == {"point": [1, 2], "path": [["a", ["b"]]]}
    assert via_adapter(custom).ns == ("agent:t0",)

    metadata = {"langgraph_triggers": ("t",), "langgraph_path": ("p", "model"), "tags": ("x",)}
    token = via_adapter(build(MessageEvent, (AIMessageChunk("a"), metadata))).data
    assert isinstance(token, tuple)
    assert token[1] == {
        "langgraph_triggers": ("t",),
        "langgraph_path": ("p", "model"),
        "tags": ["x"],
    }

    started = build(TaskEvent, {"id": "t", "name": "n", "input": (1,), "triggers": ("a", "b")})
    assert via_adapter(started).data == {
        "id": "t",
        "name": "n",
        "input": [1],
        "triggers": ("a", "b"),
    }


# -- exceptions and values JSON cannot hold ---------------------------------------------------


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_exceptions_are_written_as_error_dicts(round_trip: Callable[[Any], Any]) -> None:
    payload = {
        "id": "t",
        "name": "model",
        "error": ValueError("boom"),
        "interrupts": [],
        "result": {},
    }
    event = build(TaskEvent, payload)
    as_dict = {"error": "ValueError", "message": "boom"}
    assert wire(event)["error"] == as_dict
    back = round_trip(event)
    assert back.data == {**payload, "error": as_dict}
    assert round_trip(back) == back  # the dict form is stable
    assert wire(build(CustomEvent, [KeyError("k")])) == [{"error": "KeyError", "message": "'k'"}]


class Opaque:
    """An object JSON cannot hold."""


@pytest.mark.parametrize("dump", DUMPS.values(), ids=list(DUMPS))
@pytest.mark.parametrize(
    ("event", "path", "type_name"),
    [
        (build(CustomEvent, {"blob": b"x"}), "data['blob']", "bytes"),
        (build(CustomEvent, {"items": [1, {2, 3}]}), "data['items'][1]", "set"),
        (build(CustomEvent, Opaque()), "data", "tests.test_events_codec.Opaque"),
        (build(CustomEvent, {"x": float("nan")}), "data['x']", "the float nan"),
        (build(CustomEvent, {1: "one"}), "data", "the key 1 of type int"),
        (
            build(
                UpdateEvent,
                {"tools": {"messages": [ToolMessage("r", tool_call_id="c", artifact=b"")]}},
            ),
            "data['tools']['messages'][0].artifact",
            "bytes",
        ),
        (
            build(TaskEvent, {"id": "t", "name": "n", "error": None, "result": {"f": frozenset()}}),
            "data['result']['f']",
            "frozenset",
        ),
    ],
)
def test_values_json_cannot_hold_raise_one_clear_error(
    event: Any, path: str, type_name: str, dump: Callable[[Any], Any]
) -> None:
    with pytest.raises(EventEncodeError) as raised:
        dump(event)
    error = raised.value
    assert isinstance(error, ValueError)
    assert not isinstance(error, PydanticSerializationError)
    assert (error.mode, error.node, error.seq, error.path) == (event.mode, "tools", 7, path)
    assert error.value_type.__name__ in type_name or type_name.startswith("the ")
    message = str(error)
    for part in (repr(event.mode), "'tools'", "seq 7", path, type_name):
        assert part in message


def test_python_mode_dumps_leave_data_alone() -> None:
    blob = b"\x00"
    event = build(CustomEvent, {"blob": blob, "message": HumanMessage("hi")})
    assert event.model_dump()["data"]["blob"] is blob
    assert EVENT_ADAPTER.dump_python(event)["data"]["blob"] is blob


def test_a_malformed_tag_is_a_validation_error() -> None:
    for data in ({MARKER: "mystery"}, {MARKER: "dict"}, {MARKER: "dict", "value": 1, "x": 2}):
        with pytest.raises(ValidationError, match=MARKER):
            EVENT_ADAPTER.validate_python({"mode": "custom", "data": data})
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_python({"mode": "custom", "data": {MARKER: "message", "type": "x"}})


def test_decoding_already_decoded_data_keeps_it() -> None:
    payload = {"a": [1, {"b": (HumanMessage("x"),)}]}
    assert CustomEvent(data=payload).data is payload


# -- a property over every mode ----------------------------------------------------------------

KEYS = st.sampled_from(["type", "content", "role", "value", "error", "message", "id", MARKER])
TEXT = st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.sampled_from(["human", "ai", "tool", "message", "dict", "AIMessageChunk"])
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    look_alike = st.fixed_dictionaries(
        {"type": st.sampled_from(["human", "ai", "tool", "AIMessageChunk"]), "content": TEXT},
        optional={MARKER: st.sampled_from(["message", "dict"]), "value": children},
    )
    return (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(KEYS | TEXT, children, max_size=3)
        | look_alike
    )


USER_JSON = st.recursive(SCALARS, _containers, max_leaves=8)
"""JSON-able user data, with tuples, message look-alikes and the marker key."""
USER_DICT = st.dictionaries(KEYS | TEXT, USER_JSON, max_size=3)
IDS = st.none() | TEXT
USAGE = st.builds(
    lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
    st.integers(0, 99),
    st.integers(0, 99),
)
CONTENT = TEXT | st.lists(TEXT | st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}))
TOOL_CALL = st.fixed_dictionaries({"name": TEXT, "args": USER_DICT, "id": IDS})
TOOL_CALL_CHUNK = st.fixed_dictionaries(
    {
        "name": st.none() | TEXT,
        "args": st.none() | TEXT,
        "id": IDS,
        "index": st.none() | st.integers(0, 3),
    }
)


def _message(cls: type[BaseMessage], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Messages of ``cls`` built through the validating constructor from drawn fields."""
    return st.fixed_dictionaries(fields).map(lambda drawn: cls(**drawn))


MESSAGES: st.SearchStrategy[BaseMessage] = st.one_of(
    _message(HumanMessage, content=CONTENT, id=IDS, additional_kwargs=USER_DICT),
    _message(SystemMessage, content=CONTENT, name=IDS),
    _message(
        AIMessage,
        content=CONTENT,
        id=IDS,
        tool_calls=st.lists(TOOL_CALL, max_size=2),
        usage_metadata=st.none() | USAGE,
        response_metadata=USER_DICT,
    ),
    _message(
        AIMessageChunk,
        content=CONTENT,
        id=IDS,
        tool_call_chunks=st.lists(TOOL_CALL_CHUNK, max_size=2),
        usage_metadata=st.none() | USAGE,
        chunk_position=st.none() | st.just("last"),
    ),
    _message(
        ToolMessage,
        content=CONTENT,
        tool_call_id=TEXT,
        status=st.sampled_from(["success", "error"]),
        artifact=USER_JSON,
    ),
    _message(RemoveMessage, id=TEXT),
)
MIXED = st.recursive(SCALARS | MESSAGES, _containers, max_leaves=10)
"""User data with messages at any depth."""
NAMES = st.sampled_from(["model", "tools", "agent"])
STR_TUPLES = st.lists(TEXT, max_size=3).map(tuple)

DATA: dict[str, st.SearchStrategy[Any]] = {
    "updates": st.dictionaries(
        NAMES,
        st.none()
        | st.builds(
            lambda m, extra: {**extra, "messages": m}, st.lists(MESSAGES, max_size=3), USER_DICT
        )
        | MIXED,
        min_size=1,
        max_size=2,
    ),
    "values": st.builds(
        lambda m, extra: {**extra, "messages": m}, st.lists(MESSAGES, max_size=3), USER_DICT
    ),
    "messages": st.tuples(
        MESSAGES,
        st.fixed_dictionaries(
            {
                "langgraph_node": NAMES,
                "langgraph_step": st.integers(0, 9),
                "langgraph_triggers": STR_TUPLES,
                "langgraph_path": STR_TUPLES,
                "tags": st.lists(TEXT, max_size=2),
            },
            optional={"user": MIXED},
        ),
    ),
    "custom": MIXED,
    "tasks": st.fixed_dictionaries(
        {"id": TEXT, "name": NAMES, "input": MIXED, "triggers": STR_TUPLES}
    )
    | st.fixed_dictionaries(
        {
            "id": TEXT,
            "name": NAMES,
            "error": st.none() | st.fixed_dictionaries({"error": TEXT, "message": TEXT}),
            "interrupts": st.just([]),
            "result": MIXED,
        }
    ),
    "tools": st.fixed_dictionaries(
        {
            "event": st.sampled_from(["tool-started", "tool-finished", "tool-error"]),
            "tool_call_id": TEXT,
        },
        optional={"input": USER_DICT, "output": MESSAGES | MIXED, "message": TEXT},
    ),
}


@st.composite
def events(draw: st.DrawFn) -> Any:
    mode = draw(st.sampled_from(STREAM_MODES))
    fields = {
        "ns": draw(STR_TUPLES),
        "node": draw(st.none() | NAMES),
        "step": draw(st.integers(0, 50)),
        "task_id": draw(IDS),
        "tool_call_id": draw(IDS),
        "run_id": draw(TEXT),
        "seq": draw(st.integers(0, 10_000)),
    }
    return build(EVENT_CLASSES[mode], draw(DATA[mode]), **fields)


def _lists(value: Any) -> Any:
    """``value`` with every tuple a list, inside messages too: what JSON gives back."""
    if isinstance(value, BaseMessage):
        return value.model_copy(update={k: _lists(v) for k, v in vars(value).items()})
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value


def _expected(event: Any) -> Any:
    """``event`` as it comes back from JSON: tuples are lists, except where typed as tuples."""
    data = event.data
    if event.mode == "messages":
        message, metadata = data
        keep = ("langgraph_triggers", "langgraph_path")
        meta = {k: v if k in keep else _lists(v) for k, v in metadata.items()}
        return event.model_copy(update={"data": (_lists(message), meta)})
    new = _lists(data)
    if event.mode == "tasks" and "triggers" in data:
        new["triggers"] = data["triggers"]
    return event.model_copy(update={"data": new})


@settings(max_examples=300, deadline=None)
@given(events())
def test_decode_of_encode_is_the_event_with_tuples_as_lists(event: Any) -> None:
    dumped = EVENT_ADAPTER.dump_json(event)
    assert event.model_dump_json().encode() == dumped
    assert json.loads(dumped) == EVENT_ADAPTER.dump_python(event, mode="json")
    back = EVENT_ADAPTER.validate_json(dumped)
    assert back == _expected(event)
    assert EVENT_ADAPTER.validate_python(json.loads(dumped)) == back
    assert EVENT_ADAPTER.dump_json(back) == dumped


# -- real runs -----------------------------------------------------------------------------------


def _check_run(events_of_run: list[Any]) -> None:
    for event in events_of_run:
        dumped = EVENT_ADAPTER.dump_json(event)
        assert event.model_dump_json().encode() == dumped
        assert EVENT_ADAPTER.validate_json(dumped) == _expected(event)


def test_every_event_of_the_seed_run_round_trips_exactly() -> None:
    run = list(to_iter(seed_agent().observe(SEED_INPUT)))
    assert {e.mode for e in run} == set(STREAM_MODES)
    for event in run:
        assert via_adapter(event) == event
        assert via_python(event) == event
    _check_run(run)


def test_a_run_writing_tricky_payloads_round_trips() -> None:
    tricky: list[Any] = [
        {"type": "human", "content": "x"},
        {"type": "tool", "content": "y", "tool_call_id": "c"},
        {MARKER: "message", "type": "ai", "content": "z"},
        {"pair": ("a", 1), "message": HumanMessage("inside a payload")},
    ]

    @tool
    def probe(query: str) -> str:
        """Write tricky payloads."""
        writer = get_stream_writer()
        for payload in tricky:
            writer(payload)
        return query

    model = ScriptedModel(
        [
            AIMessage("", tool_calls=[{"name": "probe", "args": {"query": "q"}, "id": "call_1"}]),
            AIMessage("done"),
        ]
    )
    run = list(to_iter(create_agent(model=model, tools=[probe]).observe(SEED_INPUT)))
    custom = [e for e in run if e.mode == "custom"]
    assert [e.data for e in custom] == tricky  # the runtime does not touch payloads
    assert [via_adapter(e).data for e in custom] == [
        *tricky[:3],
        {"pair": ["a", 1], "message": HumanMessage("inside a payload")},
    ]
    _check_run(run)


def test_a_failing_node_round_trips_with_its_error_as_a_dict() -> None:
    @tool
    def broken(query: str) -> str:
        """Always fails."""
        raise RuntimeError(f"no {query}")

    model = ScriptedModel(
        [AIMessage("", tool_calls=[{"name": "broken", "args": {"query": "q"}, "id": "c1"}])]
    )
    agent = create_agent(model=model, tools=[broken], handle_tool_errors=False)
    run: list[Any] = []
    with pytest.raises(RuntimeError, match="no q"):  # noqa: PT012 - keep the events before it
        for event in to_iter(agent.observe(SEED_INPUT, stream_mode=["tasks"])):
            run.append(event)
    failed = [e for e in run if e.mode == "tasks" and e.data.get("error") is not None]
    assert len(failed) == 1
    back = via_adapter(failed[0]).data
    assert back["error"] == {"error": "RuntimeError", "message": "no q"}
