"""The bridges keep their word: the bound under ``block``, nothing lost under ``coalesce``,
the error at the first overflow under ``error``; ``statistics()`` reports it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent import (
    BridgeStatistics,
    BufferOverflowError,
    ScriptedModel,
    StateGraph,
    StreamMode,
    create_agent,
    get_stream_writer,
    to_aiter,
    to_iter,
    tool,
)
from rxagent.graph import START, CompiledStateGraph
from rxagent.messages import AIMessage, AIMessageChunk
from rxagent.tools import Tool

SLACK = 64
"""What the issue allows past ``maxsize``: events in flight between producers and buffer."""

INPUTS: dict[str, Any] = {"messages": [{"role": "user", "content": "go"}]}


@dataclass(frozen=True)
class Producer:
    """One tool call of the scripted agent: how it writes, and how much."""

    kind: str  # "sync" (writer in a thread) or "async" (awaited writer on the loop)
    count: int


def _tool(index: int, producer: Producer) -> Tool[..., Any]:
    name = f"p{index}"
    if producer.kind == "sync":

        def write_sync() -> str:
            writer = get_stream_writer()
            for i in range(producer.count):
                writer({"p": index, "i": i})
            return "ok"

        write_sync.__name__ = name
        write_sync.__doc__ = "Write progress from a thread."
        return tool(write_sync)

    async def write_async() -> str:
        writer = get_stream_writer()
        for i in range(producer.count):
            await writer({"p": index, "i": i})
        return "ok"

    write_async.__name__ = name
    write_async.__doc__ = "Write progress on the loop, awaiting room."
    return tool(write_async)


def _agent(producers: list[Producer], words: int) -> CompiledStateGraph:
    calls = [{"name": f"p{i}", "args": {}, "id": f"call_{i}"} for i in range(len(producers))]
    answer = " ".join(f"w{i}" for i in range(words))
    first = [AIMessage(content="", tool_calls=calls)] if calls else []
    model = ScriptedModel([*first, AIMessage(content=answer)])
    return create_agent(model, [_tool(i, p) for i, p in enumerate(producers)])


def _generator_graph(count: int) -> CompiledStateGraph:
    def tokens(state: dict[str, Any]) -> Iterator[AIMessageChunk]:
        for i in range(count):
            yield AIMessageChunk(content=f"t{i} ", id="gen-1")

    graph = StateGraph(dict)
    graph.add_node("gen", tokens)
    graph.add_edge(START, "gen")
    return graph.compile()


async def _lagging(iterator: AsyncIterator[Any], lag: int) -> list[Any]:
    """Pull everything, giving the loop ``lag`` turns after each item (a slow consumer)."""
    items = []
    async for item in iterator:
        items.append(item)
        for _ in range(lag):
            await asyncio.sleep(0)
    return items


def _run(graph: CompiledStateGraph, face: str, lag: int, **bridge: Any) -> tuple[list[Any], Any]:
    modes: list[StreamMode] = ["custom", "messages"]
    if face == "sync":
        iterator = graph.stream(INPUTS, stream_mode=modes, **bridge)
        return list(iterator), iterator.statistics()
    aiterator = graph.astream(INPUTS, stream_mode=modes, **bridge)
    return asyncio.run(_lagging(aiterator, lag)), aiterator.statistics()


def _progress(chunks: list[Any]) -> dict[int, list[int]]:
    """Progress values per producer, in the order received."""
    values: dict[int, list[int]] = {}
    for mode, chunk in chunks:
        if mode == "custom":
            values.setdefault(chunk["p"], []).append(chunk["i"])
    return values


def _text(chunks: list[Any]) -> str:
    return "".join(
        chunk[0].text
        for mode, chunk in chunks
        if mode == "messages" and isinstance(chunk[0], AIMessageChunk)
    )


producers = st.lists(
    st.builds(Producer, st.sampled_from(["sync", "async"]), st.integers(0, 300)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None)
@given(
    producers,
    st.integers(0, 200),
    st.integers(1, 64),
    st.sampled_from(["sync", "async"]),
    st.integers(0, 3),
)
def test_block_holds_the_bound_and_loses_nothing(
    ps: list[Producer], words: int, maxsize: int, face: str, lag: int
) -> None:
    chunks, stats = _run(_agent(ps, words), face, lag, maxsize=maxsize, overflow="block")
    assert stats.high_water <= maxsize + SLACK
    progress = _progress(chunks)
    assert [progress.get(i, []) for i in range(len(ps))] == [list(range(p.count)) for p in ps]
    assert _text(chunks) == " ".join(f"w{i}" for i in range(words))
    assert stats.held == 0


@settings(max_examples=25, deadline=None)
@given(producers, st.integers(0, 200), st.integers(1, 32), st.integers(0, 3))
def test_coalesce_never_loses_text_or_final_progress(
    ps: list[Producer], words: int, maxsize: int, lag: int
) -> None:
    chunks, stats = _run(_agent(ps, words), "async", lag, maxsize=maxsize, overflow="coalesce")
    assert _text(chunks) == " ".join(f"w{i}" for i in range(words))
    progress = _progress(chunks)
    for index, producer in enumerate(ps):
        values = progress.get(index, [])
        assert values == sorted(set(values))  # superseded progress dropped, never reordered
        assert values[-1:] == [producer.count - 1][: producer.count]  # the final one kept
    received = sum(len(v) for v in progress.values())
    assert received + stats.coalesced >= sum(p.count for p in ps)


@settings(max_examples=25, deadline=None)
@given(producers, st.integers(0, 200), st.integers(1, 32), st.integers(0, 3))
def test_error_comes_at_the_first_overflow(
    ps: list[Producer], words: int, maxsize: int, lag: int
) -> None:
    agent = _agent(ps, words)
    expected = list(agent.stream(INPUTS, stream_mode=["custom", "messages"], maxsize=10**9))
    received: list[Any] = []

    async def main() -> BridgeStatistics:
        iterator = agent.astream(
            INPUTS, stream_mode=["custom", "messages"], maxsize=maxsize, overflow="error"
        )
        try:
            async for item in iterator:
                received.append(item)
                for _ in range(lag):
                    await asyncio.sleep(0)
        except BufferOverflowError:
            stats = iterator.statistics()
            assert stats.high_water >= maxsize
            # the consumer was maxsize behind when it overflowed, and got nothing after
            assert len(received) + maxsize <= len(expected)
            return stats
        assert len(received) == len(expected)
        return iterator.statistics()

    asyncio.run(main())


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize(
    "graph",
    [
        pytest.param(lambda: _agent([Producer("sync", 3000)], 0), id="sync-tool"),
        pytest.param(lambda: _agent([Producer("async", 3000)], 0), id="async-tool-awaiting"),
        pytest.param(lambda: _agent([Producer("sync", 1)], 3000), id="model-stream"),
        pytest.param(lambda: _generator_graph(3000), id="sync-generator-node"),
        pytest.param(
            lambda: _agent([Producer(k, 800) for k in ("sync", "async") * 2], 800),
            id="four-parallel-tools-and-a-model",
        ),
    ],
)
@pytest.mark.parametrize("maxsize", [1, 16, 64])
def test_each_producer_kind_stays_within_maxsize_plus_slack(
    graph: Any, face: str, maxsize: int
) -> None:
    built = graph()
    chunks, stats = _run(built, face, 2, maxsize=maxsize)
    assert stats.high_water <= maxsize + SLACK
    assert len(chunks) >= 3000
    assert stats.maxsize == maxsize


def test_an_async_writer_not_awaited_is_not_bounded() -> None:
    @tool
    async def flood() -> str:
        """Write without awaiting: the documented unbounded case."""
        writer = get_stream_writer()
        for i in range(2000):
            writer({"i": i})
        return "ok"

    calls = [{"name": "flood", "args": {}, "id": "c"}]
    model = ScriptedModel([AIMessage(content="", tool_calls=calls), AIMessage(content="")])
    iterator = create_agent(model, [flood]).stream(INPUTS, stream_mode="custom", maxsize=16)
    assert len(list(iterator)) == 2000
    assert iterator.statistics().high_water > 16 + SLACK


def test_statistics_is_a_frozen_record_on_every_iterator() -> None:
    agent = _agent([Producer("sync", 10)], 5)
    it = agent.stream(INPUTS, stream_mode="custom", maxsize=8)
    assert it.statistics() == BridgeStatistics(0, 0, 0, 0, 0.0)
    list(it)
    stats = it.statistics()
    with pytest.raises(AttributeError):
        stats.held = 1  # type: ignore[misc]
    assert (stats.maxsize, stats.held) == (8, 0)
    assert 1 <= stats.high_water <= 8 + SLACK
    assert to_iter(agent.observe(INPUTS)).statistics().maxsize == 0  # not started

    async def main() -> BridgeStatistics:
        aiterator = to_aiter(agent.observe(INPUTS), maxsize=4, overflow="coalesce")
        await _lagging(aiterator, 3)
        return aiterator.statistics()

    coalesced = asyncio.run(main())
    assert coalesced.maxsize == 4
    assert coalesced.blocked_s == 0.0


def test_sync_error_policy_raises_at_the_first_overflow() -> None:
    agent = _agent([], 500)
    iterator = agent.stream(INPUTS, stream_mode="messages", maxsize=8, overflow="error")
    with pytest.raises(BufferOverflowError, match="maxsize=8"):
        list(iterator)
    assert iterator.statistics().held == 0


def _filtered_graph(count: int) -> CompiledStateGraph:
    """A sync generator node's tokens beside an async node's awaited progress: consumed in
    ``custom`` mode only, the tokens cross the thread queue and push nothing."""

    def tokens(state: dict[str, Any]) -> Iterator[AIMessageChunk]:
        for i in range(count):
            yield AIMessageChunk(content=f"t{i} ", id="gen-1")

    async def progress(state: dict[str, Any]) -> None:
        writer = get_stream_writer()
        for i in range(count):
            await writer({"p": 0, "i": i})

    graph = StateGraph(dict)
    graph.add_node("gen", tokens)
    graph.add_node("progress", progress)
    graph.add_edge(START, "gen")
    graph.add_edge(START, "progress")
    return graph.compile()


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("maxsize", [1, 16, 64])
def test_queued_calls_the_consumer_filters_out_do_not_stall_the_run(
    face: str, maxsize: int
) -> None:
    """Thread calls count toward ``held`` while they wait; those that push nothing (not a
    mode the consumer asked for) leave the pressure they set to the loop to release."""
    graph = _filtered_graph(3000)
    if face == "sync":
        iterator = graph.stream(INPUTS, stream_mode="custom", maxsize=maxsize)
        chunks, stats = list(iterator), iterator.statistics()
    else:

        async def main() -> tuple[list[Any], BridgeStatistics]:
            aiterator = graph.astream(INPUTS, stream_mode="custom", maxsize=maxsize)
            return await _lagging(aiterator, 2), aiterator.statistics()

        chunks, stats = asyncio.run(main())
    assert [chunk["i"] for chunk in chunks] == list(range(3000))
    assert stats.high_water <= maxsize + SLACK
