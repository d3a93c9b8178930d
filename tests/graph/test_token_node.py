"""Token nodes: a node returns its model's chunk stream and the engine drains it.

A ``token_node`` must stream exactly as the async generator node that re-yields the chunks
and then yields the update: same events (tokens with their metadata, the update, the final
message deduplicated), same errors after the events already emitted, the stream closed
when the run is cancelled, and no second copy of the tokens through a model's token sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rxagent import ScriptedModel
from rxagent._types import StreamMode
from rxagent.graph import START, CompiledStateGraph, MessagesState, StateGraph
from rxagent.graph._token_stream import TokenStream, is_token_node, token_node
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator

INPUT = {"messages": [{"role": "user", "content": "go"}]}
MODES: list[StreamMode] = ["messages", "updates", "values"]


def _graph(node: Any) -> CompiledStateGraph:
    builder = StateGraph(MessagesState)
    builder.add_node("model", node, metadata={"tag": "m"})
    builder.add_edge(START, "model")
    return builder.compile()


def _as_generator(model: ScriptedModel) -> Any:
    async def model_node(state: MessagesState) -> AsyncIterator[Any]:
        joined = ChunkAccumulator()
        async for chunk in model.astream(state["messages"]):
            joined.add(chunk)
            yield chunk
        yield {"messages": [joined.to_message()]}

    return model_node


def _as_token_node(model: ScriptedModel, seen: list[AIMessageChunk] | None = None) -> Any:
    @token_node
    async def model_node(state: MessagesState) -> TokenStream:
        joined = ChunkAccumulator()

        def each(chunk: AIMessageChunk) -> None:
            if seen is not None:
                seen.append(chunk)
            joined.add(chunk)

        return TokenStream(
            model.astream(state["messages"]), each, lambda: {"messages": [joined.to_message()]}
        )

    return model_node


def _normalised(parts: list[Any]) -> list[Any]:
    """Parts with the run-dependent values (message ids, task ids, checkpoint ns) masked."""
    out: list[Any] = []
    for mode, data in parts:
        if mode == "messages":
            chunk, metadata = data
            masked = {
                k: v
                for k, v in metadata.items()
                if k not in ("langgraph_checkpoint_ns", "checkpoint_ns")
            }
            out.append((mode, type(chunk).__name__, chunk.content, chunk.chunk_position, masked))
        elif mode == "updates":
            messages = data["model"]["messages"]
            out.append((mode, [(type(m).__name__, m.content) for m in messages]))
        else:
            out.append((mode, [(type(m).__name__, m.content) for m in data["messages"]]))
    return out


def test_a_token_node_streams_as_the_generator_node_it_replaces() -> None:
    reply = AIMessage("one two three four", usage_metadata=None)
    expected = list(_graph(_as_generator(ScriptedModel([reply]))).stream(INPUT, stream_mode=MODES))
    seen: list[AIMessageChunk] = []
    node = _as_token_node(ScriptedModel([reply]), seen)
    assert is_token_node(node)
    got = list(_graph(node).stream(INPUT, stream_mode=MODES))
    assert _normalised(got) == _normalised(expected)
    tokens = [data[0] for mode, data in got if mode == "messages"]
    assert seen == tokens  # ``each`` saw every chunk, in order, once
    assert "".join(chunk.text for chunk in tokens) == "one two three four"
    assert [mode for mode, _ in got].count("updates") == 1


async def test_a_model_called_in_a_token_node_streams_its_tokens_once() -> None:
    # a model's token sink is bound for sync/async function nodes; a token node emits the
    # chunks it returns, so the sink must stay unbound (else every token twice)
    node = _as_token_node(ScriptedModel(["alpha beta gamma"]))
    parts = [part async for part in _graph(node).astream(INPUT, stream_mode="messages")]
    assert [chunk.text for chunk, _ in parts] == ["alpha", " beta", " gamma", ""]


def test_an_error_mid_stream_ends_the_run_after_the_tokens_before_it() -> None:
    class Broken(Exception):
        pass

    @token_node
    async def model_node(state: MessagesState) -> TokenStream:
        async def chunks() -> AsyncIterator[AIMessageChunk]:
            yield AIMessageChunk("first", id="m1")
            raise Broken("the provider dropped the stream")

        return TokenStream(chunks(), lambda chunk: None, lambda: {})

    got: list[Any] = []

    def consume() -> None:
        for part in _graph(model_node).stream(INPUT, stream_mode="messages"):
            got.append(part)

    with pytest.raises(Broken, match="dropped"):
        consume()
    assert [chunk.content for chunk, _ in got] == ["first"]


async def test_cancelling_the_run_closes_the_stream() -> None:
    closed = asyncio.Event()
    started = asyncio.Event()

    @token_node
    async def model_node(state: MessagesState) -> TokenStream:
        async def chunks() -> AsyncIterator[AIMessageChunk]:
            try:
                yield AIMessageChunk("first", id="m1")
                started.set()
                await asyncio.Event().wait()  # a provider that never sends more
                yield AIMessageChunk("never", id="m1")
            finally:
                closed.set()

        return TokenStream(chunks(), lambda chunk: None, lambda: {})

    stream = _graph(model_node).astream(INPUT, stream_mode="messages")
    first = await anext(stream)
    assert first[0].content == "first"
    await started.wait()
    await stream.aclose()
    assert closed.is_set()
