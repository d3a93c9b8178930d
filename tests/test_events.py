"""Events: fields, JSON round trip through one TypeAdapter, and validation at the boundary."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rxagent import EVENT_ADAPTER, CustomEvent, MessageEvent, UpdateEvent, to_iter
from rxagent.messages import AIMessage, AIMessageChunk, ToolMessage
from tests.support import SEED_INPUT, seed_agent


def test_every_event_of_a_run_round_trips_through_json() -> None:
    events = list(to_iter(seed_agent().observe(SEED_INPUT)))
    assert {e.mode for e in events} == {"updates", "messages", "custom", "values", "tasks", "tools"}
    for event in events:
        back = EVENT_ADAPTER.validate_json(event.model_dump_json())
        assert back == event


def test_messages_come_back_as_their_classes() -> None:
    events = list(to_iter(seed_agent().observe(SEED_INPUT, stream_mode=["messages", "updates"])))
    decoded = [EVENT_ADAPTER.validate_json(e.model_dump_json()) for e in events]
    tokens = [e for e in decoded if isinstance(e, MessageEvent)]
    assert isinstance(tokens[0].data[0], AIMessageChunk)
    assert any(isinstance(e.data[0], ToolMessage) for e in tokens)
    update = next(e for e in decoded if isinstance(e, UpdateEvent))
    assert isinstance(update.data["model"]["messages"][0], AIMessage)


def test_task_errors_serialise_as_error_dicts() -> None:
    from rxagent import TaskEvent

    event = TaskEvent(data={"id": "t", "name": "n", "error": ValueError("boom"), "result": {}})
    assert '"error":{"error":"ValueError","message":"boom"}' in event.model_dump_json()


def test_message_shaped_custom_payloads_stay_dicts() -> None:
    for payload in ({"type": "human", "content": "x"}, {"type": "tool", "content": "x"}):
        event = CustomEvent(data=payload, node="tools", seq=1)
        assert EVENT_ADAPTER.validate_json(event.model_dump_json()).data == payload


def test_events_are_frozen_and_validated_at_the_boundary() -> None:
    event = CustomEvent(data={"progress": 1}, node="tools", seq=3)
    with pytest.raises(ValidationError):
        event.seq = 4  # type: ignore[misc]
    with pytest.raises(ValidationError, match="mode"):
        EVENT_ADAPTER.validate_python({"mode": "debug", "data": None})
    with pytest.raises(ValidationError, match="seq"):
        EVENT_ADAPTER.validate_python({"mode": "custom", "seq": "x", "data": None})
