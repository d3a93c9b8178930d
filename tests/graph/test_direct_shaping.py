"""``stream()`` shapes items in the engine, without building event objects.

The engine pushes a face's shaped items straight from ``(mode, ns, data)``; a bridge that
keeps events (``overflow="coalesce"``) shapes them from the events instead. Both must give
the same items, for every face: one mode or several, with or without subgraphs, v1 or v2.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

import rxagent.graph._runtime as runtime
import rxagent.graph._task as task_module
from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.graph import START, MessagesState, StateGraph
from rxagent.messages import AIMessage

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MODES: list[Any] = [
    "messages",
    "updates",
    ["messages", "custom", "updates"],
    ["values", "tasks", "tools", "messages", "custom", "updates"],
]
INPUT = {"messages": [{"role": "user", "content": "go"}]}


@tool
def lookup(city: str) -> str:
    """Look the city up."""
    get_stream_writer()({"looking": city})
    return f"{city}: sunny"


def graph() -> Any:
    """An agent inside a subgraph node, beside a root node that streams tokens itself."""
    call = {"name": "lookup", "args": {"city": "Paris"}, "id": "call_1"}
    model = ScriptedModel([AIMessage("Checking.", tool_calls=[call]), "Sunny in Paris."])
    agent = create_agent(model, [lookup])

    async def speak(state: MessagesState) -> AsyncIterator[Any]:
        async for chunk in ScriptedModel(["Hello there."]).astream([]):
            get_stream_writer()({"spoke": chunk.text})
            yield chunk
        yield {"messages": [AIMessage("Hello there.", id="speak-1")]}

    builder = StateGraph(MessagesState).add_node("agent", agent).add_node("speak", speak)
    return builder.add_edge(START, "agent").add_edge("agent", "speak").compile()


def normalised(items: list[Any]) -> str:
    return _ID.sub("ID", repr(items))


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("subgraphs", [False, True])
@pytest.mark.parametrize("stream_mode", MODES)
def test_shaped_in_the_engine_equals_shaped_from_events(
    stream_mode: Any, subgraphs: bool, version: str
) -> None:
    kwargs: dict[str, Any] = {"stream_mode": stream_mode, "subgraphs": subgraphs}
    kwargs["version"] = version
    direct = list(graph().stream(INPUT, **kwargs))
    from_events = list(graph().stream(INPUT, overflow="coalesce", maxsize=10_000, **kwargs))
    assert direct  # every face above yields something
    assert normalised(direct) == normalised(from_events)


def test_async_face_shapes_in_the_engine_too() -> None:
    modes = ["messages", "custom", "updates"]

    async def collect() -> list[Any]:
        return [item async for item in graph().astream(INPUT, stream_mode=modes)]

    assert normalised(asyncio.run(collect())) == normalised(
        list(graph().stream(INPUT, stream_mode=modes, overflow="coalesce", maxsize=10_000))
    )


def test_stream_builds_no_event_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event factory of the engine raises: ``stream()`` still runs; what keeps events
    (``observe()``, the coalescing bridge) does not, which shows the factories are the
    ones in use."""

    def refuse(fields: dict[str, Any]) -> Any:
        raise AssertionError(f"an event object was built for {fields['mode']!r}")

    for name in ("_message_event", "_custom_event", "_update_event", "_task_event"):
        monkeypatch.setattr(task_module, name, refuse)
    monkeypatch.setattr(task_module, "_tool_event", refuse)
    monkeypatch.setattr(runtime, "_values_event", refuse)
    modes: list[Any] = ["values", "tasks", "tools", "messages", "custom", "updates"]

    items = list(graph().stream(INPUT, stream_mode=modes, subgraphs=True))
    assert {mode for _, mode, _ in items} == set(modes)
    with pytest.raises(AssertionError, match="an event object was built"):
        list(graph().stream(INPUT, stream_mode=modes, overflow="coalesce"))
