"""rxagent's operators (and its JSON codec) on ``from_langgraph`` streams, whose messages
are langchain-core's, as LangGraph yields them.

The operators that join tokens (``buffer_tokens``, ``accumulate_messages``) or read them
(``final_answer``) give on langchain-core chunks what they give on the same chunks as
rxagent's, as chunks of the input's kind: langchain-core in, langchain-core out.
"""

from __future__ import annotations

import asyncio
import functools
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

pytest.importorskip("langgraph")
pytest.importorskip("langchain")

import reactivex as rx
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.graph import START, MessagesState, StateGraph

from rxagent import aio, merge
from rxagent import operators as ops
from rxagent.bridges import to_iter
from rxagent.events import EVENT_ADAPTER, Event, MessageEvent
from rxagent.integrations.langgraph import from_langgraph
from rxagent.messages import coerce_message
from rxagent.messages._foreign import chunk_like, is_langchain_chunk, rxagent_chunk
from tests.integrations.test_from_langgraph_graphs import (
    ANSWER,
    INPUT,
    ScriptedChatModel,
    agent_in_graph,
    get_weather,
    weather_agent,
    weather_model,
)


def run(*operators: Any, graph: Any = None, config: dict[str, Any] | None = None) -> list[Event]:
    """The events of a weather agent run (or ``graph``'s) through ``operators``."""
    source = from_langgraph(graph or weather_agent("Paris"), INPUT, config=config)
    return list(to_iter(source.pipe(*operators)))


def texts_by_message(events: list[Event]) -> dict[str, str]:
    """The text of each AI message, joined from its token events, by message id."""
    joined: dict[str, str] = defaultdict(str)
    for event in events:
        chunk: Any = event.data[0] if isinstance(event, MessageEvent) else None
        if chunk is not None and chunk.type == "AIMessageChunk":
            joined[str(chunk.id)] += chunk.text
    return dict(joined)


def test_filter_mode_keeps_the_modes_in_order() -> None:
    events = run()
    kept = run(ops.filter_mode("messages", "custom"))
    assert [e.mode for e in kept] == [e.mode for e in events if e.mode in ("messages", "custom")]


def test_filter_node_keeps_the_events_of_a_node() -> None:
    tools = run(ops.filter_node("tools"))
    assert {event.mode for event in tools} == {"tasks", "tools", "custom", "messages", "updates"}
    assert {event.node for event in tools} == {"tools"}


def test_filter_ns_keeps_a_subgraphs_events() -> None:
    events = run(graph=agent_in_graph())
    inner = run(ops.filter_ns("agent"), graph=agent_in_graph())
    assert inner
    assert len(inner) == len([e for e in events if e.ns])
    assert all(event.ns[0].startswith("agent:") for event in inner)
    assert {e.node for e in inner if e.mode == "updates"} == {"model", "tools"}


def test_exclude_tags_drops_the_messages_of_a_tagged_model_call() -> None:
    model = ScriptedChatModel(replies=[AIMessage(content="Draft."), AIMessage(content="Final.")])

    def draft(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.with_config(tags=["internal"]).invoke(state["messages"])]}

    def answer(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    builder = StateGraph(MessagesState).add_node("draft", draft).add_node("answer", answer)
    graph = builder.add_edge(START, "draft").add_edge("draft", "answer").compile()
    every = run(ops.filter_mode("messages"), graph=graph)
    kept = run(ops.filter_mode("messages"), ops.exclude_tags("internal"), graph=graph)
    assert {event.node for event in every} == {"draft", "answer"}
    assert {event.node for event in kept} == {"answer"}
    assert list(texts_by_message(kept).values()) == ["Final."]


def test_merge_names_each_run_and_keeps_every_event_once() -> None:
    paris = from_langgraph(weather_agent("Paris"), INPUT)
    rome = from_langgraph(weather_agent("Rome"), INPUT)
    merged = list(to_iter(merge(paris=paris, rome=rome)))
    by_name: dict[str, list[Event]] = defaultdict(list)
    for event in merged:
        by_name[event.ns[0]].append(event)
    assert set(by_name) == {"paris", "rome"}
    for events in by_name.values():
        assert [event.seq for event in events] == list(range(1, len(events) + 1))
        assert len({event.run_id for event in events}) == 1
    progress = [e.data["progress"] for e in by_name["rome"] if e.mode == "custom"]
    assert progress == ["Looking up Rome", "Found Rome"]


def test_throttle_custom_keeps_the_first_and_the_final_progress() -> None:
    kept = run(ops.filter_mode("custom", "updates"), ops.throttle_custom(3600.0))
    progress = [(e.tool_call_id, e.data["progress"]) for e in kept if e.mode == "custom"]
    assert progress == [("call_1", "Looking up Paris"), ("call_1", "Found Paris")]


def test_buffer_tokens_keeps_every_message_text() -> None:
    events = run(ops.filter_mode("messages"))
    buffered = run(ops.filter_mode("messages"), ops.buffer_tokens(boundary="sentence"))
    assert list(texts_by_message(buffered).values()) == list(texts_by_message(events).values())


def test_buffer_tokens_joins_langchain_chunks() -> None:
    buffered = run(ops.filter_mode("messages"), ops.buffer_tokens(boundary="sentence"))
    answer = [e.data[0] for e in buffered if e.node == "model" and e.step == 3]
    # the first chunk passes at once; the rest is held until the sentence ends
    assert [chunk.text for chunk in answer if chunk.text] == ["It ", ANSWER.removeprefix("It ")]
    assert all(isinstance(chunk, AIMessageChunk) for chunk in answer)


def test_accumulate_messages_grows_langchain_messages() -> None:
    snapshots = run(ops.filter_mode("messages"), ops.accumulate_messages())
    answer: list[Any] = [e.data[0] for e in snapshots if e.node == "model" and e.step == 3]
    assert answer[-1].text == ANSWER
    calls: list[Any] = [e.data[0] for e in snapshots if e.node == "model" and e.step == 1]
    assert [call["id"] for call in calls[-1].tool_calls] == ["call_1"]


def test_final_answer_keeps_the_answer_tokens() -> None:
    tokens = run(ops.final_answer())
    assert "".join(event.data[0].text for event in tokens) == ANSWER


def test_a_pipeline_from_an_agent_gives_the_final_answer() -> None:
    events = run(ops.filter_mode("messages"), ops.buffer_tokens(boundary="word"))
    (update,) = [e for e in run(ops.filter_mode("updates")) if e.step == 3]
    written: Any = update.data
    final = written["model"]["messages"][-1]
    assert final.text == ANSWER
    assert list(texts_by_message(events).values())[-1] == ANSWER


def test_a_pipeline_with_accumulate_messages_gives_the_final_answer() -> None:
    events = run(ops.filter_mode("messages"), ops.accumulate_messages())
    last: Any = events[-1].data
    assert last[0].text == ANSWER


def test_the_events_go_through_json_and_back() -> None:
    events = run()
    for event in events:
        back = EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event))
        assert (back.mode, back.ns, back.node, back.seq) == (
            event.mode,
            event.ns,
            event.node,
            event.seq,
        )
        if isinstance(event, MessageEvent):
            message = back.data[0]
            assert (message.type, message.text) == (event.data[0].type, event.data[0].text)
    assert any(isinstance(e.data[0], AIMessageChunk) for e in events if e.mode == "messages")


# --- langchain-core chunks give what rxagent's give, as langchain-core chunks -----------


class BlockChatModel(ScriptedChatModel):
    """Streams its replies as ChatAnthropic does with tools bound: list content, one block
    per delta with its block's ``index``, a ``tool_use`` block then its ``input_json_delta``
    blocks (with the matching tool-call chunks), usage and metadata on the first and last."""

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[AIMessageChunk]:
        reply = self._reply(messages)
        start = {"input_tokens": 20, "output_tokens": 0, "total_tokens": 20}
        yield AIMessageChunk(content=[], usage_metadata=start, response_metadata={"model": "m"})
        for word in re.findall(r"\S+\s*", str(reply.content)):
            yield AIMessageChunk(content=[{"type": "text", "text": word, "index": 0}])
        for index, call in enumerate(reply.tool_calls, 1):
            head: dict[str, Any] = {"type": "tool_use", "id": call["id"], "name": call["name"]}
            piece = {"name": call["name"], "args": "", "id": call["id"], "index": index}
            block = {**head, "input": {}, "index": index}
            yield AIMessageChunk(content=[block], tool_call_chunks=[piece])
            args = json.dumps(call["args"])
            for part in (args[:4], args[4:9], args[9:]):
                delta = {"type": "input_json_delta", "partial_json": part, "index": index}
                piece = {"name": None, "args": part, "id": None, "index": index}
                yield AIMessageChunk(content=[delta], tool_call_chunks=[piece])
        end = {"input_tokens": 0, "output_tokens": 12, "total_tokens": 12}
        yield AIMessageChunk(
            content=[],
            usage_metadata=end,
            response_metadata={"stop_reason": "end_turn"},
            chunk_position="last",
        )

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        joined = functools.reduce(operator.add, self._chunks(messages))
        return ChatResult(generations=[ChatGeneration(message=message_chunk_to_message(joined))])


def block_agent() -> Any:
    """:func:`weather_agent` with :class:`BlockChatModel` as its model."""
    replies = weather_model("Paris", "Rome").replies
    return create_agent(BlockChatModel(replies=replies), [get_weather])


GRAPHS = {
    "weather agent, two cities": lambda: weather_agent("Paris", "Rome"),
    "agent in a graph": agent_in_graph,
    "content blocks": block_agent,
}
OPERATORS: dict[str, Callable[[], Any]] = {
    "buffer_tokens(sentence)": lambda: ops.buffer_tokens(boundary="sentence"),
    "buffer_tokens(max_chars=9)": lambda: ops.buffer_tokens(max_chars=9),
    "buffer_tokens(word)": lambda: ops.buffer_tokens(boundary="word"),
    "accumulate_messages": ops.accumulate_messages,
    "final_answer": ops.final_answer,
    "final_answer(eager)": lambda: ops.final_answer(eager=True),
}


@functools.cache
def recorded(graph: str) -> tuple[Event, ...]:
    """Every event of one run of ``GRAPHS[graph]``."""
    return tuple(run(graph=GRAPHS[graph]()))


def theirs(message: object) -> bool:
    """Whether ``message`` is langchain-core's."""
    return type(message).__module__.startswith("langchain_core.")


def as_ours(events: Iterable[Event]) -> list[Event]:
    """The same events, the message of each ``messages`` event converted to rxagent's."""
    return [
        e.model_copy(update={"data": (coerce_message(e.data[0]), e.data[1])})
        if isinstance(e, MessageEvent)
        else e
        for e in events
    ]


def through(operator: Any, events: Iterable[Event]) -> list[Event]:
    """What ``operator`` makes of ``events``, pushed synchronously."""
    out: list[Event] = []
    rx.from_iterable(events).pipe(operator).subscribe(out.append)
    return out


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize("name", OPERATORS)
def test_an_operator_gives_on_langchain_chunks_what_it_gives_on_ours(name: str, graph: str) -> None:
    events = recorded(graph)
    assert any(theirs(e.data[0]) for e in events if isinstance(e, MessageEvent))
    out_theirs = through(OPERATORS[name](), events)
    out_ours = through(OPERATORS[name](), as_ours(events))
    assert len(out_theirs) == len(out_ours)
    assert any(isinstance(e, MessageEvent) for e in out_theirs)
    for mine, yours in zip(out_ours, out_theirs, strict=True):
        if not isinstance(yours, MessageEvent):
            assert yours is mine, "other events pass as they are"
            continue
        assert isinstance(mine, MessageEvent)
        assert {**yours.__dict__, "data": None} == {**mine.__dict__, "data": None}
        assert yours.data[1] == mine.data[1]
        message = yours.data[0]
        assert theirs(message), "langchain-core in, langchain-core out"
        assert not theirs(mine.data[0]), "rxagent in, rxagent out"
        assert coerce_message(message) == mine.data[0], "the same text and structure"


def test_tokens_are_joined_into_langchain_chunks_of_fewer_events() -> None:
    events = recorded("content blocks")
    tokens = [e for e in events if isinstance(e, MessageEvent) and e.node == "model"]
    buffered = through(ops.buffer_tokens(max_chars=9), tokens)
    assert 0 < len(buffered) < len(tokens)
    assert all(type(e.data[0]) is AIMessageChunk for e in buffered)
    joined = functools.reduce(operator.add, [e.data[0] for e in buffered if e.step == 1])
    whole = functools.reduce(operator.add, [e.data[0] for e in tokens if e.step == 1])
    assert joined == whole, "joining the joined chunks gives langchain-core's own join"


@pytest.mark.parametrize("graph", GRAPHS)
def test_the_last_snapshot_of_each_message_is_langchain_cores_own_join(graph: str) -> None:
    events = [e for e in recorded(graph) if e.mode == "messages"]
    by_message: dict[str, list[Any]] = defaultdict(list)
    last: dict[str, Any] = {}
    for event, snapshot in zip(events, through(ops.accumulate_messages(), events), strict=True):
        chunk: Any = event.data[0]
        if chunk.type == "AIMessageChunk":
            by_message[chunk.id].append(chunk)
            last[chunk.id] = snapshot.data[0]
    assert len(by_message) >= 2
    for message_id, chunks in by_message.items():
        assert type(last[message_id]) is AIMessageChunk
        assert last[message_id] == functools.reduce(operator.add, chunks)


def test_the_final_answer_of_a_content_block_agent() -> None:
    tokens = through(ops.final_answer(), recorded("content blocks"))
    assert {e.step for e in tokens} == {3}
    assert "".join(e.data[0].text for e in tokens) == ANSWER
    snapshots = through(ops.accumulate_messages(), recorded("content blocks"))
    calls: list[Any] = [e.data[0] for e in snapshots if e.mode == "messages" and e.step == 1]
    assert [c["args"] for c in calls[-1].tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert len(calls[-1].content) == 3, "one text block and one tool_use block per call"


def test_accumulate_messages_joins_a_long_langchain_message_without_plus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = [f"w{i} " for i in range(3000)]
    model = ScriptedChatModel(replies=[AIMessage(content="".join(words))])
    blocks = BlockChatModel(replies=[AIMessage(content="".join(words))])
    events = [e for g in (model, blocks) for e in run(graph=one_call(g)) if e.mode == "messages"]

    def forbidden(*_: Any) -> Any:
        raise AssertionError("langchain-core's + is O(n) per token: O(n²) for a message")

    monkeypatch.setattr(AIMessageChunk, "__add__", forbidden)
    snapshots: list[Any] = [e.data[0] for e in through(ops.accumulate_messages(), events)]
    assert [s.text for s in snapshots if s.chunk_position == "last"] == ["".join(words)] * 2
    lists = [s.content for s in snapshots if isinstance(s.content, list)]
    assert len(lists) > 3000
    assert max(len(content) for content in lists) == 1, "the text blocks merge into one"


def one_call(model: Any) -> Any:
    """A graph of one node that calls ``model`` once."""

    def call(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    return StateGraph(MessagesState).add_node("call", call).add_edge(START, "call").compile()


def test_langchain_chunks_round_trip_through_rxagents() -> None:
    chunk = AIMessageChunk(
        content=[{"type": "text", "text": "a", "index": 0}],
        id="m1",
        tool_call_chunks=[{"name": "f", "args": '{"x": 1}', "id": "c1", "index": 1}],
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
        response_metadata={"model": "m"},
        chunk_position="last",
    )
    assert is_langchain_chunk(chunk)
    assert not is_langchain_chunk(AIMessage(content="a"))
    assert not is_langchain_chunk(coerce_message(chunk))
    ours = rxagent_chunk(chunk)
    assert ours == coerce_message(chunk)
    back = chunk_like(chunk, ours)
    assert type(back) is AIMessageChunk
    assert back == chunk


@pytest.mark.parametrize("name", ["buffer_tokens", "accumulate_messages", "final_answer"])
def test_the_aio_pipes_give_the_same_on_langchain_chunks(name: str) -> None:
    events = recorded("content blocks")
    arguments: dict[str, Any] = {"max_chars": 9} if name == "buffer_tokens" else {}
    expected = through(getattr(ops, name)(**arguments), events)

    async def pulled() -> list[Event]:
        pipe: Any = getattr(aio, name)(**arguments)
        async with (aio.events(rx.from_iterable(events)) | pipe).stream() as items:
            return [event async for event in items]

    out = asyncio.run(pulled())
    assert out == expected
    assert all(theirs(e.data[0]) for e in out if isinstance(e, MessageEvent))
