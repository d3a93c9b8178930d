"""``create_agent``'s ToolMessages: one id from the start in every mode, names, routing."""

from __future__ import annotations

from typing import Any

import pytest

from rxagent import ScriptedModel, create_agent, tool
from rxagent.agent import _route_tool_calls
from rxagent.events import TaskEvent, ToolEvent, UpdateEvent
from rxagent.graph import Send
from rxagent.messages import AIMessage, HumanMessage, ToolCall, ToolMessage
from tests.support import SEED_INPUT, seed_agent

CALLS: list[ToolCall] = [
    {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"},
    {"name": "get_weather", "args": {"days": "x"}, "id": "call_2"},
    {"name": "nope", "args": {}, "id": "call_3"},
]


def _agent() -> Any:
    @tool
    def get_weather(city: str, days: int = 1) -> str:
        """Get the weather."""
        return f"Sunny in {city}"

    model = ScriptedModel([AIMessage("", tool_calls=CALLS), AIMessage("Done.")])
    return create_agent(model, [get_weather])


def _ids_at_emission(agent: Any, modes: list[str]) -> dict[str, list[Any]]:
    """The ids of the ToolMessages in each event, read when the event is pushed."""
    ids: dict[str, list[Any]] = {}

    def on_next(event: Any) -> None:
        found: list[ToolMessage] = []
        if isinstance(event, ToolEvent) and "output" in event.data:
            found = [event.data["output"]]
        elif isinstance(event, UpdateEvent) and "tools" in event.data:
            found = event.data["tools"]["messages"]
        elif isinstance(event, TaskEvent) and event.data.get("name") == "tools":
            found = event.data.get("result", {}).get("messages", [])
        for message in found:
            ids.setdefault(message.tool_call_id, []).append((event.mode, message.id))

    errors: list[Exception] = []
    agent.observe(SEED_INPUT, stream_mode=modes).subscribe(on_next, errors.append)
    assert not errors
    return ids


@pytest.mark.parametrize(
    "modes", [["updates"], ["tools"], ["tasks"], ["updates", "tools", "tasks"]]
)
def test_tool_messages_carry_their_id_in_every_mode(modes: list[str]) -> None:
    ids = _ids_at_emission(_agent(), modes)
    assert set(ids) == {"call_1", "call_2", "call_3"} - (
        {"call_2", "call_3"} if modes == ["tools"] else set()
    )
    for seen in ids.values():
        assert all(message_id for _, message_id in seen), seen
        assert len({message_id for _, message_id in seen}) == 1, "one id in every mode"
    final = _agent().invoke(SEED_INPUT)["messages"]
    assert all(m.id for m in final)


def test_the_same_id_reaches_the_state() -> None:
    agent = seed_agent()
    items = list(agent.stream(SEED_INPUT, stream_mode=["updates", "values"]))
    update_id = next(c for m, c in items if m == "updates" and "tools" in c)["tools"]["messages"][
        0
    ].id
    final = [c for m, c in items if m == "values"][-1]["messages"]
    assert final[2].id == update_id


def test_name_is_set_on_ai_messages_not_on_tokens() -> None:
    model = ScriptedModel([AIMessage("", tool_calls=CALLS[:1]), AIMessage("Sunny.")])

    @tool
    def get_weather(city: str) -> str:
        """Get the weather."""
        return "Sunny"

    agent = create_agent(model, [get_weather], name="weatherbot")
    items = list(agent.stream(SEED_INPUT, stream_mode=["updates", "messages"]))
    named = [
        m.name
        for mode, c in items
        if mode == "updates" and "model" in c
        for m in c["model"]["messages"]
    ]
    assert named == ["weatherbot", "weatherbot"]
    tool_names = [
        m.name
        for mode, c in items
        if mode == "updates" and "tools" in c
        for m in c["tools"]["messages"]
    ]
    assert tool_names == ["get_weather"]
    metadata = [c[1] for mode, c in items if mode == "messages"]
    assert metadata
    assert all(md["lc_agent_name"] == "weatherbot" for md in metadata)


def test_without_a_name_ai_messages_have_none() -> None:
    final = seed_agent().invoke(SEED_INPUT)["messages"]
    assert [m.name for m in final if isinstance(m, AIMessage)] == [None, None]


def test_only_unanswered_tool_calls_are_sent() -> None:
    calling = AIMessage("", tool_calls=CALLS[:2])
    answered = ToolMessage("done", tool_call_id="call_1")
    sends = _route_tool_calls({"messages": [HumanMessage("hi"), calling, answered]})
    assert isinstance(sends, list)
    assert [(s.node, [c["id"] for c in s.arg]) for s in sends if isinstance(s, Send)] == [
        ("tools", ["call_2"])
    ]
    both = ToolMessage("done", tool_call_id="call_2")
    assert _route_tool_calls({"messages": [calling, answered, both]}) == "model"
    assert _route_tool_calls({"messages": [HumanMessage("hi")]}) == "__end__"
    assert _route_tool_calls({"messages": [AIMessage("bye")]}) == "__end__"
