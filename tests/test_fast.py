"""``rxagent._fast.maker``: a trusted instance is the instance pydantic's constructor gives.

Checked for every class rxagent builds with it, on the behaviour users see: equality, dumps,
``model_fields_set``, ``model_copy``, pickling, ``repr`` and (for events) frozenness.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from rxagent._fast import maker
from rxagent.events import (
    CustomEvent,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
)
from rxagent.messages import AIMessage, AIMessageChunk, HumanMessage

STAMP: dict[str, Any] = {"ns": ("a:1",), "node": "model", "step": 2, "task_id": "t-1"}
CHUNK = AIMessageChunk("hi", id="run-1")
VALIDATED: list[BaseModel] = [
    MessageEvent(data=(CHUNK, {"langgraph_node": "model"}), seq=3, run_id="r", **STAMP),
    CustomEvent(data={"pct": 50}, tool_call_id="call_1", seq=4, **STAMP),
    UpdateEvent(data={"model": {"messages": [AIMessage("hi", id="m")]}}, **STAMP),
    ValuesEvent(data={"messages": [HumanMessage("q", id="h")]}, ns=(), step=0),
    TaskEvent(data={"id": "t-1", "name": "model", "input": {}, "triggers": ("x",)}, **STAMP),
    ToolEvent(data={"event": "tool-started", "tool_call_id": "call_1"}, **STAMP),
    CHUNK,
    AIMessage("hi", id="m-1", tool_calls=[{"name": "f", "args": {}, "id": "c"}]),
]


def trusted(model: BaseModel) -> BaseModel:
    """``model`` rebuilt through ``maker`` from a copy of its field values."""
    return maker(type(model))(dict(model.__dict__))


@pytest.mark.parametrize("model", VALIDATED, ids=lambda m: type(m).__name__)
def test_a_trusted_instance_is_the_validated_one(model: BaseModel) -> None:
    made = trusted(model)
    assert type(made) is type(model)
    assert made == model
    assert repr(made) == repr(model)
    assert made.model_dump() == model.model_dump()
    assert made.model_dump_json() == model.model_dump_json()
    assert made.model_fields_set == set(type(model).model_fields)
    assert made.__pydantic_extra__ is None
    assert made.__pydantic_private__ is None
    assert pickle.loads(pickle.dumps(made)) == model


@pytest.mark.parametrize("model", VALIDATED, ids=lambda m: type(m).__name__)
def test_model_copy_of_a_trusted_instance_leaves_it_alone(model: BaseModel) -> None:
    made = trusted(model)
    field = next(iter(type(model).model_fields))
    copy = made.model_copy(update={field: None})
    assert getattr(copy, field) is None
    assert made == model  # neither its values nor its (shared) fields set changed
    assert made.model_fields_set == set(type(model).model_fields)


def test_trusted_events_stay_frozen() -> None:
    made = trusted(VALIDATED[1])
    with pytest.raises(ValidationError, match="frozen"):
        made.seq = 9  # type: ignore[attr-defined]


def test_a_trusted_message_takes_assignment_as_a_validated_one_does() -> None:
    made = trusted(VALIDATED[-1])
    made.name = "agent"  # type: ignore[attr-defined]
    assert made.model_dump()["name"] == "agent"
    assert made.model_fields_set == set(AIMessage.model_fields)


def _in_field_order(events: list[Any]) -> None:
    assert events
    for event in events:
        assert list(event.__dict__) == list(type(event).model_fields), type(event).__name__
        rebuilt = type(event).model_construct(**event.__dict__)
        assert repr(event) == repr(rebuilt)


def test_every_event_the_engine_and_the_operators_build_is_in_field_order() -> None:
    """Trusted events carry their fields in the class's order, as pydantic's constructor
    does (``repr`` shows them in that order): the engine's six modes, the operators that
    build events, and ``from_langgraph``'s stamping."""
    from rxagent import ScriptedModel, create_agent, get_stream_writer, operators, tool
    from rxagent._types import STREAM_MODES
    from rxagent.bridges import to_iter
    from rxagent.integrations.langgraph import from_langgraph
    from tests.integrations.test_from_langgraph_graphs import INPUT, weather_agent

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        get_stream_writer()({"city": city})
        return "sunny"

    reply = AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Paris"}, "id": "c1"}])
    agent = create_agent(ScriptedModel([reply, "It is sunny today."]), [lookup])
    events = list(to_iter(agent.observe(INPUT, stream_mode=list(STREAM_MODES))))
    assert {event.mode for event in events} == set(STREAM_MODES)
    _in_field_order(events)
    for operator in (operators.buffer_tokens(max_chars=8), operators.accumulate_messages()):
        talker = create_agent(ScriptedModel(["one two three four five"]))
        tokens = talker.observe(INPUT, stream_mode="messages").pipe(operator)
        _in_field_order(list(to_iter(tokens)))
    _in_field_order(list(to_iter(from_langgraph(weather_agent("Paris"), INPUT))))


def test_given_fields_are_the_fields_set_of_each_instance_its_own() -> None:
    make = maker(HumanMessage, frozenset({"content"}))

    def fields() -> dict[str, Any]:
        return dict(HumanMessage("q").__dict__)

    first, second = make(fields()), make(fields())
    assert first == HumanMessage("q")
    assert first.model_fields_set == HumanMessage("q").model_fields_set == {"content"}
    first.id = "m1"  # pydantic adds "id" to this instance's set, not to a shared one
    assert first.model_fields_set == {"content", "id"}
    assert second.model_fields_set == {"content"}
    assert make(fields()).model_dump(exclude_unset=True) == {"content": "q"}
