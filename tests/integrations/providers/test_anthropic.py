"""``ChatAnthropic`` (real client, real HTTP) against a local Messages SSE server.

Every test runs rxagent and LangChain's own code on the same server script and compares. With
tools bound, ChatAnthropic streams list content: one block per ``text_delta`` or
``input_json_delta``, each with its block's ``index``; joined, they must be one text block
and one ``tool_use`` block, as langchain-core's ``+`` joins them, or the next turn sends the
Messages API a history it rejects.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from typing import Any

import pytest

pytest.importorskip("langchain_anthropic")

from hypothesis import given
from hypothesis import strategies as st
from langchain_anthropic import ChatAnthropic
from langchain_core import messages as lc

from rxagent import create_agent
from rxagent.integrations.langchain import LangChainModel, from_langchain
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator, join_chunks
from tests.integrations.providers import _anthropic_server as anthropic
from tests.integrations.providers._servers import DROP, HOLD, Reply, ScriptedServer, Step
from tests.integrations.providers.conftest import (
    CHUNK_FIELDS,
    MESSAGE_FIELDS,
    TOOL_RESULT,
    assert_same_token_metadata,
    fields,
    get_weather,
    langchain_error,
    langchain_get_weather,
    langchain_run,
    outline,
    run_until_error,
    rxagent_run,
    stop_midstream,
    token_metadata,
)
from tests.support import PROGRESS

ASKS_FOR_THE_TOOL = Reply(
    [
        anthropic.message_start(),
        *anthropic.text_block(0, "Let", " me", " check."),
        anthropic.ping(),
        *anthropic.tool_use_block(1, "toolu_1", "get_weather", ['{"ci', 'ty": "Pa', 'ris"}']),
        *anthropic.message_end("tool_use", anthropic.usage(20, 12, cache_read=5, cache_creation=2)),
    ]
)
ANSWERS = Reply(
    [
        anthropic.message_start(),
        *anthropic.text_block(0, "It is", " sunny."),
        *anthropic.message_end("end_turn", anthropic.usage(40, 5)),
    ]
)
TOOL_CALL = {"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_1", "type": "tool_call"}
USAGE = {
    "input_tokens": 27,
    "output_tokens": 12,
    "total_tokens": 39,
    "input_token_details": {"cache_creation": 2, "cache_read": 5},
}
"""What langchain-anthropic makes of ``usage(20, 12, cache_read=5, cache_creation=2)``."""
TOOL_USE = {"type": "tool_use", "name": "get_weather", "input": {"city": "Paris"}, "id": "toolu_1"}
"""The assistant's tool call as the Messages API takes it back: one block, the whole input."""


def chat_model(server: ScriptedServer) -> ChatAnthropic:
    return ChatAnthropic(
        base_url=server.url,
        api_key="test",
        model="claude-sonnet-4-6",
        max_retries=0,
    )


def assert_one_block_per_content_block(message: Any) -> None:
    """The joined message holds the text block and the tool_use block, nothing per delta."""
    text, tool_use = message.content
    assert (text["type"], text["text"], text["index"]) == ("text", "Let me check.", 0)
    assert (tool_use["type"], tool_use["id"], tool_use["index"]) == ("tool_use", "toolu_1", 1)
    assert json.loads(tool_use["partial_json"]) == {"city": "Paris"}


async def test_chunks_and_their_join_match_langchains(server: ScriptedServer) -> None:
    server.script([ASKS_FOR_THE_TOOL, ASKS_FOR_THE_TOOL])
    model = LangChainModel(chat_model(server))
    ours = [chunk async for chunk in model.astream("Weather in Paris?", tools=[get_weather])]
    bound = chat_model(server).bind_tools([langchain_get_weather])
    theirs = [chunk async for chunk in bound.astream("Weather in Paris?")]

    assert [fields(c, CHUNK_FIELDS) for c in ours] == [fields(c, CHUNK_FIELDS) for c in theirs]
    assert ours[-1].chunk_position == "last", "the stream ended at message_stop"
    joined = ChunkAccumulator()
    for chunk in ours:
        joined.add(chunk)
    message = joined.to_message()
    reference = functools.reduce(operator.add, theirs)
    assert fields(message, MESSAGE_FIELDS) == fields(reference, MESSAGE_FIELDS)
    assert fields(sum(ours), CHUNK_FIELDS) == fields(reference, CHUNK_FIELDS)
    assert_one_block_per_content_block(message)
    assert message.text == "Let me check."
    assert message.tool_calls == [TOOL_CALL]
    assert message.usage_metadata == USAGE
    sent, expected = (request.body for request in server.requests)
    assert sent == expected, "LangChainModel binds the tools as bind_tools does"


def test_the_seed_scenario_streams_like_langchains_agent(server: ScriptedServer) -> None:
    server.script([ASKS_FOR_THE_TOOL, ANSWERS, ASKS_FOR_THE_TOOL, ANSWERS])
    ours = rxagent_run(chat_model(server))
    theirs = langchain_run(chat_model(server))

    assert outline(ours) == outline(theirs)
    assert [chunk for mode, chunk in ours if mode == "custom"] == PROGRESS
    updates = [chunk for mode, chunk in ours if mode == "updates"]
    asked, answered = updates[0]["model"]["messages"][0], updates[2]["model"]["messages"][0]
    assert isinstance(asked, AIMessage)
    assert isinstance(answered, AIMessage)
    assert_one_block_per_content_block(asked)
    assert asked.tool_calls == [TOOL_CALL]
    assert asked.usage_metadata == USAGE
    assert updates[1]["tools"]["messages"][0].text == TOOL_RESULT
    assert answered.text == "It is sunny."
    assert answered.usage_metadata is not None
    assert answered.usage_metadata["total_tokens"] == 45
    assert_same_token_metadata(token_metadata(ours), token_metadata(theirs))
    assert token_metadata(ours)[0]["ls_provider"] == "anthropic"
    assert token_metadata(ours)[0]["ls_model_name"] == "claude-sonnet-4-6"

    requests = server.requests
    assert [r.path for r in requests] == ["/v1/messages"] * 4
    history = requests[1].body["messages"]
    assert history == requests[3].body["messages"], "the history LangChain's agent sends"
    assert history[1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Let me check."}, TOOL_USE],
    }
    assert history[2]["content"] == [
        {"type": "tool_result", "content": TOOL_RESULT, "tool_use_id": "toolu_1", "is_error": False}
    ]
    assert not server.disconnected.is_set(), "finished replies are not disconnects"


ERRORS: dict[str, list[Step]] = {
    "overloaded": [anthropic.error("overloaded_error", "Overloaded")],
    "dropped": [DROP],
}


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("ending", list(ERRORS))
def test_an_error_mid_stream_ends_the_run_after_the_tokens_before_it(
    server: ScriptedServer, ending: str, face: str
) -> None:
    started = [anthropic.message_start(), *anthropic.text_block(0, "It is", " sun", stop=False)]
    failing = Reply([*started, *ERRORS[ending]])
    server.script([ASKS_FOR_THE_TOOL, failing, failing])
    agent = create_agent(LangChainModel(chat_model(server)), [get_weather])
    items, error = run_until_error(agent, face)
    expected = langchain_error(chat_model(server))

    assert type(error) is type(expected)
    assert str(error) == str(expected)
    if ending == "overloaded":
        assert getattr(error, "body", None) == {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
        }
    modes = [mode for mode, _ in items]
    assert modes.count("custom") == len(PROGRESS), "the first turn and the tool ran"
    assert [u for m, u in items if m == "updates"][-1].keys() == {"tools"}
    last_tokens = [chunk[0].text for _, chunk in items[-3:]]
    assert last_tokens == ["", "It is", " sun"], "the second turn's tokens, then the error"


@pytest.mark.parametrize("face", ["break", "aclose"])
def test_stopping_the_stream_closes_the_http_response(server: ScriptedServer, face: str) -> None:
    started = [anthropic.message_start(), *anthropic.text_block(0, "It is", " sun", stop=False)]
    server.script([Reply([*started, HOLD])])
    agent = create_agent(LangChainModel(chat_model(server)), [get_weather])
    stop_midstream(agent, face, " sun")

    assert server.disconnected.wait(timeout=30), "the server saw the client go away"
    assert len(server.requests) == 1


# --- joining Anthropic-shaped chunks: rxagent's join against langchain-core's `+` ---------


def _chunk(content: list[Any], **kwargs: Any) -> Any:
    return lc.AIMessageChunk(content=content, id="lc_run--test", **kwargs)


def _tool_piece(index: int, args: str, call_id: str | None = None) -> Any:
    name = None if call_id is None else "get_weather"
    return {"name": name, "args": args, "id": call_id, "index": index, "type": "tool_call_chunk"}


ANTHROPIC_CHUNKS = [
    _chunk([], response_metadata={"model_name": anthropic.MODEL, "model_provider": "anthropic"}),
    _chunk([{"text": "Let", "type": "text", "index": 0}]),
    _chunk([{"text": " me", "type": "text", "index": 0}]),
    _chunk(
        [{"id": "toolu_1", "input": {}, "name": "get_weather", "type": "tool_use", "index": 1}],
        tool_call_chunks=[_tool_piece(1, "", "toolu_1")],
    ),
    _chunk(
        [{"partial_json": '{"city": ', "type": "input_json_delta", "index": 1}],
        tool_call_chunks=[_tool_piece(1, '{"city": ')],
    ),
    _chunk(
        [{"partial_json": '"Paris"}', "type": "input_json_delta", "index": 1}],
        tool_call_chunks=[_tool_piece(1, '"Paris"}')],
    ),
    _chunk(
        [],
        response_metadata={"stop_reason": "tool_use", "model_provider": "anthropic"},
        usage_metadata={"input_tokens": 9, "output_tokens": 4, "total_tokens": 13},
        chunk_position="last",
    ),
]
"""The chunks ChatAnthropic streams for a text block and a tool_use block (by hand)."""


def _converted(chunk: Any) -> AIMessageChunk:
    converted = from_langchain(chunk)
    assert isinstance(converted, AIMessageChunk)
    return converted


def _joined_three_ways(chunks: list[Any]) -> list[AIMessageChunk]:
    """rxagent's join of langchain-core chunks: accumulated, ``join_chunks`` and ``sum``."""
    ours = [_converted(chunk) for chunk in chunks]
    accumulator = ChunkAccumulator()
    for chunk in ours:
        accumulator.add(chunk)
    total = sum(ours)
    assert isinstance(total, AIMessageChunk)
    return [accumulator.to_chunk(), join_chunks(ours), total]


def test_anthropic_blocks_join_by_index_as_langchain_core_joins_them() -> None:
    reference = functools.reduce(operator.add, ANTHROPIC_CHUNKS)
    assert reference.content == [
        {"text": "Let me", "type": "text", "index": 0},
        {
            "id": "toolu_1",
            "input": {},
            "name": "get_weather",
            "type": "tool_use",
            "index": 1,
            "partial_json": '{"city": "Paris"}',
        },
    ]
    for joined in _joined_three_ways(ANTHROPIC_CHUNKS):
        assert fields(joined, (*MESSAGE_FIELDS, *CHUNK_FIELDS)) == fields(
            reference, (*MESSAGE_FIELDS, *CHUNK_FIELDS)
        )
        assert joined.id == reference.id


def _block_chunks(index: int, block: tuple[str, list[str]]) -> list[Any]:
    """A text block's or a tool_use block's chunks, as ChatAnthropic streams them."""
    kind, pieces = block
    if kind == "text":
        return [_chunk([{"text": piece, "type": "text", "index": index}]) for piece in pieces]
    call_id = f"toolu_{index}"
    start = {"id": call_id, "input": {}, "name": "get_weather", "type": "tool_use"}
    first = _tool_piece(index, "", call_id)
    chunks = [_chunk([{**start, "index": index}], tool_call_chunks=[first])]
    for piece in pieces:
        delta = {"partial_json": piece, "type": "input_json_delta", "index": index}
        chunks.append(_chunk([delta], tool_call_chunks=[_tool_piece(index, piece)]))
    return chunks


def _split(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *sorted({min(cut, len(text)) for cut in cuts}), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def anthropic_streams(draw: st.DrawFn) -> list[Any]:
    """Text and tool_use blocks split into deltas, the blocks' chunks interleaved at random."""
    text_block = st.tuples(st.just("text"), st.lists(st.text(max_size=4), min_size=1, max_size=4))
    args = st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3)
    cuts = st.lists(st.integers(min_value=0, max_value=40), max_size=4)
    tool_block = st.builds(lambda a, c: ("tool", _split(json.dumps(a), c)), args, cuts)
    blocks = draw(st.lists(text_block | tool_block, min_size=1, max_size=4))
    queues = [_block_chunks(index, block) for index, block in enumerate(blocks)]
    chunks: list[Any] = [_chunk([])]
    while any(queues):
        queue = draw(st.sampled_from([q for q in queues if q]))
        chunks.append(queue.pop(0))
    return chunks


@given(anthropic_streams())
def test_any_anthropic_stream_joins_as_langchain_core_joins_it(chunks: list[Any]) -> None:
    reference = functools.reduce(operator.add, chunks)
    for joined in _joined_three_ways(chunks):
        assert fields(joined, (*MESSAGE_FIELDS, *CHUNK_FIELDS)) == fields(
            reference, (*MESSAGE_FIELDS, *CHUNK_FIELDS)
        )
