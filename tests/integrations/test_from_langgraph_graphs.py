"""The LangGraph graphs and the fake chat model the ``from_langgraph`` tests run.

Every graph is deterministic apart from ids (no parallel branches racing), so two runs of
one graph, LangGraph's own ``stream()`` and ``from_langgraph``, can be compared part by
part once ids are replaced by their order of appearance (:func:`normalised`).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, TypedDict

import pytest

pytest.importorskip("langgraph")
pytest.importorskip("langchain")

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
)
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import interrupt

INPUT = {"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}]}
"""The agents' input."""

ANSWER = "It is sunny in Paris and in Rome."
"""The final answer of :func:`weather_agent`."""


class ScriptedChatModel(BaseChatModel):
    """Replies ``replies[n]`` to a conversation with ``n`` AI messages after its last human
    message, streamed word by word, then one chunk per tool call, then an empty
    ``chunk_position="last"`` chunk."""

    replies: list[AIMessage]

    @property
    def _llm_type(self) -> str:
        return "scripted-test"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        kinds = [message.type for message in messages]
        last_human = len(kinds) - kinds[::-1].index("human") if "human" in kinds else 0
        return self.replies[kinds[last_human:].count("ai")]

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[AIMessageChunk]:
        reply = self._reply(messages)
        for word in re.findall(r"\S+\s*", str(reply.content)):
            yield AIMessageChunk(content=word)
        for index, call in enumerate(reply.tool_calls):
            piece = {
                "name": call["name"],
                "args": json.dumps(call["args"]),
                "id": call["id"],
                "index": index,
            }
            yield AIMessageChunk(content="", tool_call_chunks=[piece])
        yield AIMessageChunk(content="", chunk_position="last")

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages):
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages):
            yield ChatGenerationChunk(message=chunk)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    writer = get_stream_writer()
    writer({"progress": f"Looking up {city}"})
    writer({"progress": f"Found {city}"})
    return f"Sunny in {city}"


def weather_model(*cities: str) -> ScriptedChatModel:
    """A model that checks the weather of ``cities`` (parallel tool calls), then answers."""
    calls = [
        {"name": "get_weather", "args": {"city": city}, "id": f"call_{index}"}
        for index, city in enumerate(cities, 1)
    ]
    first = AIMessage(content="Let me check.", tool_calls=calls)
    return ScriptedChatModel(replies=[first, AIMessage(content=ANSWER)])


def weather_agent(*cities: str) -> Any:
    """``create_agent`` with :func:`weather_model` and the :func:`get_weather` tool."""
    return create_agent(weather_model(*cities or ("Paris",)), [get_weather])


class State(TypedDict):
    """The state of the small graphs: a log every node appends to."""

    log: Annotated[list[str], operator.add]


def simple_graph() -> Any:
    """``START -> first -> second -> END``; ``first`` writes custom progress."""

    def first(state: State) -> dict[str, Any]:
        get_stream_writer()({"node": "first", "seen": len(state["log"])})
        return {"log": ["first"]}

    def second(state: State) -> dict[str, Any]:
        return {"log": ["second"]}

    builder = StateGraph(State).add_node("first", first).add_node("second", second)
    return builder.add_edge(START, "first").add_edge("first", "second").compile()


def nested_graph() -> Any:
    """``START -> before -> inner (a compiled subgraph of two nodes) -> END``."""

    def inner_a(state: State) -> dict[str, Any]:
        get_stream_writer()({"node": "inner_a"})
        return {"log": ["inner_a"]}

    def inner_b(state: State) -> dict[str, Any]:
        return {"log": ["inner_b"]}

    steps = StateGraph(State).add_node("inner_a", inner_a).add_node("inner_b", inner_b)
    inner = steps.add_edge(START, "inner_a").add_edge("inner_a", "inner_b").compile()

    def before(state: State) -> dict[str, Any]:
        get_stream_writer()({"node": "before"})
        return {"log": ["before"]}

    builder = StateGraph(State).add_node("before", before).add_node("inner", inner)
    return builder.add_edge(START, "before").add_edge("before", "inner").compile()


def agent_in_graph() -> Any:
    """``START -> greet -> agent`` where ``agent`` is :func:`weather_agent` as a subgraph."""

    def greet(state: MessagesState) -> dict[str, Any]:
        get_stream_writer()({"node": "greet"})
        return {"messages": [HumanMessage(content="(routed by greet)", id="greeting")]}

    builder = StateGraph(MessagesState).add_node("greet", greet)
    builder = builder.add_node("agent", weather_agent("Paris"))
    return builder.add_edge(START, "greet").add_edge("greet", "agent").compile()


def interrupting_graph() -> Any:
    """``START -> ask -> END`` with a checkpointer; ``ask`` calls ``interrupt()``."""

    def ask(state: State) -> dict[str, Any]:
        answer = interrupt({"question": "go on?"})
        return {"log": [str(answer)]}

    builder = StateGraph(State).add_node("ask", ask).add_edge(START, "ask")
    return builder.compile(checkpointer=InMemorySaver())


class Kaboom(RuntimeError):
    """What :func:`failing_graph`'s second node raises."""


def failing_graph() -> Any:
    """``START -> fine -> broken``: ``broken`` writes progress, then raises :class:`Kaboom`."""

    def fine(state: State) -> dict[str, Any]:
        return {"log": ["fine"]}

    def broken(state: State) -> dict[str, Any]:
        get_stream_writer()({"node": "broken"})
        raise Kaboom("kaboom")

    builder = StateGraph(State).add_node("fine", fine).add_node("broken", broken)
    builder = builder.add_edge(START, "fine").add_edge("fine", "broken")
    return builder.add_edge("broken", END).compile()


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def normalised(items: list[Any]) -> list[str]:
    """The reprs of ``items`` with every UUID (and 32-digit hex id, as an interrupt's)
    replaced by ``<id N>``, N its order of first appearance: two runs that differ only in
    ids give equal lists."""
    seen: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        return seen.setdefault(match.group(), f"<id {len(seen)}>")

    return [_IDS.sub(name, repr(item)) for item in items]


def test_the_scripted_model_streams_text_then_tool_calls() -> None:
    chunks = list(weather_model("Paris", "Rome").stream("hi"))
    assert "".join(str(chunk.content) for chunk in chunks) == "Let me check."
    calls = [piece["id"] for chunk in chunks for piece in chunk.tool_call_chunks]
    assert calls == ["call_1", "call_2"]
    assert chunks[-1].chunk_position == "last"
