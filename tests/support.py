"""Shared test helpers: the seed agent, and running one run through every face."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from rxagent import (
    CompiledStateGraph,
    ScriptedModel,
    StreamMode,
    create_agent,
    get_stream_writer,
    to_iter,
    tool,
)
from rxagent.events import EventBase
from rxagent.messages import AIMessage

SEED_INPUT: dict[str, Any] = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
PROGRESS = [
    {"progress": "Looking up Paris", "pct": 0},
    {"progress": "Fetching data", "pct": 50},
    {"progress": "Done", "pct": 100},
]


def seed_agent() -> CompiledStateGraph:
    """The seed pages' agent: one tool call, three progress events, then an answer."""
    model = ScriptedModel(
        [
            AIMessage(
                content="Let me check.",
                tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
            ),
            AIMessage(content="It is sunny in Paris."),
        ]
    )

    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        writer = get_stream_writer()
        for payload in PROGRESS:
            writer(payload)
        return f"Sunny in {city}"

    return create_agent(model=model, tools=[get_weather])


Face = Callable[[CompiledStateGraph, Any, Sequence[StreamMode]], list[EventBase]]


def events_sync(graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]) -> list[Any]:
    """The events of one run through the iterator bridge."""
    return list(to_iter(graph.observe(inputs, stream_mode=list(modes))))


def events_async(graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]) -> list[Any]:
    """The events of one run through the async iterator bridge."""
    from rxagent import to_aiter

    async def collect() -> list[Any]:
        return [e async for e in to_aiter(graph.observe(inputs, stream_mode=list(modes)))]

    return asyncio.run(collect())


def events_observable(
    graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]
) -> list[Any]:
    """The events of one run as the Observable pushes them (subscribed from plain code)."""
    seen: list[Any] = []
    errors: list[Exception] = []
    graph.observe(inputs, stream_mode=list(modes)).subscribe(seen.append, errors.append)
    if errors:
        raise errors[0]
    return seen


FACES: dict[str, Face] = {
    "iterator": events_sync,
    "async": events_async,
    "observable": events_observable,
}


def normalize(event: EventBase) -> tuple[Any, ...]:
    """An event without its random ids, for comparing runs."""
    data: Any = event.data  # type: ignore[attr-defined]
    mode: str = event.mode  # type: ignore[attr-defined]
    if mode == "messages":
        message, metadata = data
        data = (
            message.type,
            message.text,
            repr(getattr(message, "tool_call_chunks", None)),
            metadata["langgraph_node"],
            metadata["langgraph_step"],
        )
    elif mode == "updates":
        data = {node: _strip(update) for node, update in data.items()}
    elif mode in ("tasks", "tools", "values"):
        data = repr(sorted(data)) if isinstance(data, dict) else repr(data)
    return (mode, len(event.ns), event.node, event.step, event.tool_call_id is not None, repr(data))


def _strip(update: Any) -> Any:
    if isinstance(update, dict):
        return {key: _strip(value) for key, value in update.items()}
    if isinstance(update, list):
        return [_strip(item) for item in update]
    if hasattr(update, "text"):
        return (update.type, update.text)
    return update


def answer(messages: list[Any]) -> str:
    """The text of the last message of a state's message list."""
    last = messages[-1]
    assert isinstance(last, AIMessage)
    return last.text


def through_observable(source: Any) -> list[Any]:
    """What ``source`` pushes to a plain subscriber."""
    seen: list[Any] = []
    source.subscribe(seen.append)
    return seen


def through_iterator(source: Any) -> list[Any]:
    """What ``source`` gives through ``to_iter``."""
    return list(to_iter(source))


def through_async_iterator(source: Any) -> list[Any]:
    """What ``source`` gives through ``to_aiter``."""
    from rxagent import to_aiter

    async def collect() -> list[Any]:
        return [e async for e in to_aiter(source)]

    return asyncio.run(collect())


OBSERVABLE_FACES = [through_observable, through_iterator, through_async_iterator]
"""The three ways to consume an Observable, for parity tests of operators."""
