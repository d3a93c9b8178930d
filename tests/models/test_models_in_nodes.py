"""rxagent's models called LangChain's way inside a node stream into its ``messages`` mode."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypedDict

import pytest

from rxagent import END, START, RunCancelledError, ScriptedModel, StateGraph
from rxagent.graph import CompiledStateGraph
from rxagent.messages import AIMessage, AIMessageChunk, BaseMessage, add_messages
from rxagent.models import current_sink

SLACK = 64
"""What the bridges allow past ``maxsize`` (see tests/bridges/test_bounds.py)."""


class State(TypedDict):
    messages: Annotated[list[BaseMessage], add_messages]


INPUTS: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}]}


def one_node(node: Callable[..., Any]) -> CompiledStateGraph:
    graph = StateGraph(State)
    graph.add_node("n", node, metadata={"note": 1})
    graph.add_edge(START, "n")
    graph.add_edge("n", END)
    return graph.compile()


def nodes(model: ScriptedModel) -> dict[str, Callable[..., Any]]:
    """The same reply through each LangChain calling style, in sync and async nodes."""

    def sync_invoke(state: State) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    def sync_stream(state: State) -> dict[str, Any]:
        chunks = list(model.stream(state["messages"]))
        return {"messages": [sum(chunks[1:], chunks[0])]}

    async def async_invoke(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    async def async_stream(state: State) -> dict[str, Any]:
        chunks = [chunk async for chunk in model.astream(state["messages"])]
        return {"messages": [sum(chunks[1:], chunks[0])]}

    return {
        "sync-invoke": sync_invoke,
        "sync-stream": sync_stream,
        "async-invoke": async_invoke,
        "async-stream": async_stream,
    }


@pytest.mark.parametrize("style", ["sync-invoke", "sync-stream", "async-invoke", "async-stream"])
def test_a_model_called_in_a_node_streams_its_tokens_once(style: str) -> None:
    model = ScriptedModel(["Hello there friend"])
    items = list(one_node(nodes(model)[style]).stream(INPUTS, stream_mode=["messages", "updates"]))
    tokens = [data for mode, data in items if mode == "messages"]
    assert ["".join(chunk.text for chunk, _ in tokens)] == ["Hello there friend"]
    assert all(type(chunk) is AIMessageChunk for chunk, _ in tokens)  # the reply: not again
    metadata = tokens[0][1]
    assert (metadata["langgraph_node"], metadata["note"], metadata["langgraph_step"]) == ("n", 1, 1)
    assert metadata["ls_provider"] == "scripted"  # the model labels its tokens, in any node
    assert [mode for mode, _ in items][-1] == "updates"  # tokens come before the update
    reply = items[-1][1]["n"]["messages"][0]
    assert reply.text == "Hello there friend"
    assert reply.id == tokens[0][0].id


def test_langchain_style_inputs_are_accepted() -> None:
    model = ScriptedModel(["a", "b"])
    first = model.invoke("hello")
    assert first.text == "a"
    assert model.invoke([{"role": "user", "content": "hi"}, ("ai", "yo"), first]).text == "b"
    assert asyncio.run(model.ainvoke(["hi"])).text == "a"
    assert [message.type for message in model.calls[1]] == ["human", "ai", "ai"]


def test_outside_a_node_nothing_is_streamed_anywhere() -> None:
    assert current_sink.get() is None
    assert ScriptedModel(["Hi"]).invoke([]).text == "Hi"


def test_a_call_tagged_nostream_is_not_streamed() -> None:
    model = ScriptedModel(["quiet please"])

    def node(state: State) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"], {"tags": ["nostream"]})]}

    items = list(one_node(node).stream(INPUTS, stream_mode="messages"))
    assert [type(chunk).__name__ for chunk, _ in items] == ["AIMessage"]  # the node's return


def test_a_generator_node_yields_its_tokens_itself_and_they_come_once() -> None:
    model = ScriptedModel(["one two three"])

    async def node(state: State) -> AsyncIterator[Any]:
        chunks = []
        async for chunk in model.astream(state["messages"]):
            chunks.append(chunk)
            yield chunk
        yield {"messages": [sum(chunks[1:], chunks[0])]}

    items = list(one_node(node).stream(INPUTS, stream_mode="messages"))
    assert "".join(chunk.text for chunk, _ in items) == "one two three"
    assert len(items) == 4  # three words and the last chunk


def test_without_messages_mode_there_is_no_sink() -> None:
    seen: list[object] = []

    def node(state: State) -> dict[str, Any]:
        seen.append(current_sink.get())
        return {}

    list(one_node(node).stream(INPUTS, stream_mode="updates"))
    assert seen == [None]


def test_tokens_from_parallel_threads_keep_each_nodes_order() -> None:
    graph = StateGraph(State)
    words = {name: " ".join(f"{name}{i}" for i in range(200)) for name in ("a", "b", "c")}
    for name, text in words.items():
        model = ScriptedModel([text])

        def node(state: State, model: ScriptedModel = model) -> dict[str, Any]:
            return {"messages": [model.invoke(state["messages"])]}

        graph.add_node(name, node)
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    items = list(graph.compile().stream(INPUTS, stream_mode=["messages", "updates"]))
    for name, text in words.items():
        mine = [
            chunk.text
            for mode, (chunk, md) in ((m, d) for m, d in items if m == "messages")
            if md["langgraph_node"] == name and isinstance(chunk, AIMessageChunk)
        ]
        assert "".join(mine) == text
        last_token = max(
            i
            for i, (m, d) in enumerate(items)
            if m == "messages" and d[1]["langgraph_node"] == name
        )
        update = next(i for i, (m, d) in enumerate(items) if m == "updates" and name in d)
        assert last_token < update


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_fast_model_in_a_node_stays_within_the_bound(kind: str) -> None:
    model = ScriptedModel([" ".join(["token"] * 3000)])

    def sync_node(state: State) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def async_node(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = one_node(sync_node if kind == "sync" else async_node)
    iterator = graph.stream(INPUTS, stream_mode="messages", maxsize=16)
    assert len(list(iterator)) == 3001
    assert iterator.statistics().high_water <= 16 + SLACK


def test_a_whole_message_of_a_model_is_not_emitted_again_when_returned() -> None:
    model = ScriptedModel(["Hi"])

    def node(state: State) -> dict[str, Any]:
        reply = model.invoke(state["messages"])
        return {"messages": [AIMessage(reply.text, id=reply.id), AIMessage("extra", id="x")]}

    items = list(one_node(node).stream(INPUTS, stream_mode="messages"))
    assert [(type(m).__name__, m.text) for m, _ in items] == [
        ("AIMessageChunk", "Hi"),
        ("AIMessageChunk", ""),
        ("AIMessage", "extra"),
    ]


def test_a_thread_streaming_into_a_closed_run_is_told_to_stop() -> None:
    stopped = threading.Event()
    model = ScriptedModel([" ".join(["token"] * 5000)])

    def node(state: State) -> dict[str, Any]:
        try:
            return {"messages": [model.invoke(state["messages"])]}
        except RunCancelledError:
            stopped.set()
            raise

    iterator = one_node(node).stream(INPUTS, stream_mode="messages", maxsize=1)
    for _ in zip(range(3), iterator, strict=False):
        pass
    iterator.close()
    assert stopped.wait(timeout=10)
