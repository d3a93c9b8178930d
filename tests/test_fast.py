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
