"""``overflow="coalesce"`` folds langchain-core tokens (``from_langgraph``'s) as it folds
rxagent's: the same joined text and structure, as a chunk of the tokens' own kind."""

from __future__ import annotations

import asyncio
import functools
import operator
from collections import deque
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core.messages import AIMessage as LangChainAIMessage
from langchain_core.messages import AIMessageChunk as LangChainChunk
from langchain_core.messages import ToolMessage as LangChainToolMessage

from rxagent import to_aiter
from rxagent.bridges._coalesce import Coalescer, Joined
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.messages import AIMessageChunk, coerce_message

METADATA = {"langgraph_node": "model", "langgraph_step": 1}


def tokens(message_id: str = "lc_run--1") -> list[LangChainChunk]:
    """A message streamed as ChatAnthropic streams one: indexed blocks, a tool call, usage."""
    piece = {"name": "get_weather", "args": "", "id": "toolu_1", "index": 1}
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    chunks = [
        LangChainChunk(
            content=[],
            usage_metadata={"input_tokens": 9, "output_tokens": 0, "total_tokens": 9},
            response_metadata={"model": "m"},
        ),
        *(
            LangChainChunk(content=[{"type": "text", "text": word, "index": 0}])
            for word in ("Let", " me", " check.")
        ),
        LangChainChunk(content=[{**tool_use, "index": 1}], tool_call_chunks=[piece]),
        *(
            LangChainChunk(
                content=[{"type": "input_json_delta", "partial_json": part, "index": 1}],
                tool_call_chunks=[{"name": None, "args": part, "id": None, "index": 1}],
            )
            for part in ('{"ci', 'ty": "Pa', 'ris"}')
        ),
        LangChainChunk(
            content=[],
            usage_metadata={"input_tokens": 0, "output_tokens": 7, "total_tokens": 7},
            chunk_position="last",
        ),
    ]
    for chunk in chunks:
        chunk.id = message_id
    return chunks


def event(message: Any, seq: int) -> MessageEvent:
    """A token event holding ``message`` as is, as ``from_langgraph`` builds them."""
    blank = MessageEvent(data=(AIMessageChunk(""), METADATA), node="model", task_id="t1", seq=seq)
    return blank.model_copy(update={"data": (message, METADATA)})


def coalesced(events: list[Event]) -> list[Any]:
    """What a consumer pulls after ``events`` were pushed into a full buffer."""
    items: deque[Any] = deque()
    coalescer = Coalescer()
    for item in events:
        coalescer.push(items, item, True)
    return [item.event() if type(item) is Joined else item for item in items]


def test_langchain_tokens_fold_into_one_langchain_chunk_like_ours() -> None:
    theirs = [event(chunk, seq) for seq, chunk in enumerate(tokens())]
    ours = [event(coerce_message(chunk), seq) for seq, chunk in enumerate(tokens())]
    (folded,) = coalesced(list(theirs))
    (mine,) = coalesced(list(ours))
    assert isinstance(folded, MessageEvent)
    assert isinstance(mine, MessageEvent)
    joined: Any = folded.data[0]
    assert type(joined) is LangChainChunk, "langchain-core in, langchain-core out"
    assert type(mine.data[0]) is AIMessageChunk, "rxagent in, rxagent out"
    assert coerce_message(joined) == mine.data[0], "the same text and structure"
    assert joined == functools.reduce(operator.add, tokens()), "langchain-core's own join"
    assert joined.tool_calls[0]["args"] == {"city": "Paris"}
    assert (folded.seq, folded.data[1]) == (0, METADATA), "the first token's fields"


def test_only_tokens_of_one_kind_and_one_message_fold() -> None:
    first, second = tokens("m1")[1], tokens("m2")[2]
    ours = coerce_message(tokens("m1")[2])
    tool = LangChainToolMessage(content="Sunny", tool_call_id="toolu_1")
    progress = CustomEvent(data={"progress": 1}, node="model", task_id="t1")
    pushed: list[Event] = [
        event(first, 0),
        event(ours, 1),  # rxagent's chunk of the same message id: not folded into theirs
        event(second, 2),  # another message
        event(tool, 3),  # a whole message
        progress,
    ]
    assert coalesced(pushed) == pushed


def test_a_lagging_consumer_of_a_langgraph_run_loses_no_text() -> None:
    pytest.importorskip("langgraph")
    from langgraph.graph import START, MessagesState, StateGraph

    from rxagent.integrations.langgraph import from_langgraph
    from tests.integrations.test_from_langgraph_graphs import ScriptedChatModel

    text = "".join(f"w{i} " for i in range(500))
    model = ScriptedChatModel(replies=[LangChainAIMessage(content=text)])

    async def call(state: MessagesState) -> dict[str, Any]:  # on the loop: no thread races
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState).add_node("call", call).add_edge(START, "call").compile()
    source = from_langgraph(graph, {"messages": [("user", "hi")]}, stream_mode=["messages"])

    async def lagging() -> tuple[list[Any], int]:
        out: list[Any] = []
        iterator = to_aiter(source, maxsize=2, overflow="coalesce")
        async for item in iterator:
            out.append(item.data[0])
            for _ in range(20):
                await asyncio.sleep(0)
        return out, iterator.statistics().coalesced

    chunks, folded = asyncio.run(lagging())
    assert folded > 0
    assert len(chunks) < 500
    assert all(type(chunk) is LangChainChunk for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == text
