"""``ChatOpenAI`` (real client, real HTTP) against a local Chat Completions SSE server.

Every test runs rxagent and LangChain's own code on the same server script and compares.
"""

from __future__ import annotations

import functools
import operator

import pytest

pytest.importorskip("langchain_openai")

from langchain_core import messages as lc
from langchain_openai import ChatOpenAI

from rxagent import create_agent
from rxagent.integrations.langchain import LangChainModel, from_langchain
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator, ToolMessage, join_chunks
from tests.integrations.providers import _openai_server as openai
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
        *openai.text("Let", " me", " check."),
        *openai.tool_call(0, "call_1", "get_weather", ['{"ci', 'ty": "Pa', 'ris"}']),
        openai.finish("tool_calls"),
        openai.usage(20, 10, cached=4, reasoning=3),
        openai.DONE,
    ]
)
ANSWERS = Reply(
    [*openai.text("It is", " sunny."), openai.finish("stop"), openai.usage(40, 5), openai.DONE]
)
TOOL_CALL = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
USAGE = {
    "input_tokens": 20,
    "output_tokens": 10,
    "total_tokens": 30,
    "input_token_details": {"audio": 0, "cache_read": 4},
    "output_token_details": {"audio": 0, "reasoning": 3},
}
"""What langchain-openai makes of ``usage(20, 10, cached=4, reasoning=3)``."""


def chat_model(server: ScriptedServer) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=f"{server.url}/v1",
        api_key="test",
        model="gpt-4.1-mini",
        stream_usage=True,
        max_retries=0,
    )


async def test_chunks_and_their_join_match_langchains(server: ScriptedServer) -> None:
    server.script([ASKS_FOR_THE_TOOL, ASKS_FOR_THE_TOOL])
    model = LangChainModel(chat_model(server))
    ours = [chunk async for chunk in model.astream("Weather in Paris?", tools=[get_weather])]
    bound = chat_model(server).bind_tools([langchain_get_weather])
    theirs = [chunk async for chunk in bound.astream("Weather in Paris?")]

    assert [fields(c, CHUNK_FIELDS) for c in ours] == [fields(c, CHUNK_FIELDS) for c in theirs]
    assert "".join(c.text for c in ours) == "Let me check."
    assert ours[-1].chunk_position == "last", "the stream ended at [DONE]"
    joined = ChunkAccumulator()
    for chunk in ours:
        joined.add(chunk)
    message = joined.to_message()
    reference = functools.reduce(operator.add, theirs)
    assert fields(message, MESSAGE_FIELDS) == fields(reference, MESSAGE_FIELDS)
    assert fields(sum(ours), CHUNK_FIELDS) == fields(reference, CHUNK_FIELDS)
    assert message.tool_calls == [TOOL_CALL]
    assert message.usage_metadata == USAGE
    assert message.id == ours[0].id
    sent, expected = (request.body for request in server.requests)
    assert sent == expected, "LangChainModel binds the tools as bind_tools does"
    assert sent["stream_options"] == {"include_usage": True}


def test_the_seed_scenario_streams_like_langchains_agent(server: ScriptedServer) -> None:
    server.script([ASKS_FOR_THE_TOOL, ANSWERS, ASKS_FOR_THE_TOOL, ANSWERS])
    ours = rxagent_run(chat_model(server))
    theirs = langchain_run(chat_model(server))

    assert outline(ours) == outline(theirs)
    customs = [chunk for mode, chunk in ours if mode == "custom"]
    assert customs == PROGRESS
    updates = [chunk for mode, chunk in ours if mode == "updates"]
    asked, answered = updates[0]["model"]["messages"][0], updates[2]["model"]["messages"][0]
    assert isinstance(asked, AIMessage)
    assert isinstance(answered, AIMessage)
    assert asked.tool_calls == [TOOL_CALL]
    assert asked.usage_metadata == USAGE
    assert updates[1]["tools"]["messages"][0] == ToolMessage(
        TOOL_RESULT,
        name="get_weather",
        tool_call_id="call_1",
        id=updates[1]["tools"]["messages"][0].id,
    )
    assert answered.text == "It is sunny."
    assert answered.usage_metadata is not None
    assert answered.usage_metadata["total_tokens"] == 45
    assert_same_token_metadata(token_metadata(ours), token_metadata(theirs))
    assert token_metadata(ours)[0]["ls_provider"] == "openai"
    assert token_metadata(ours)[0]["ls_model_name"] == "gpt-4.1-mini"

    requests = server.requests
    assert [r.path for r in requests] == ["/v1/chat/completions"] * 4
    history = requests[1].body["messages"]
    assert history == requests[3].body["messages"], "the history LangChain's agent sends"
    assert history[1]["tool_calls"] == [
        {
            "type": "function",
            "id": "call_1",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    assert history[2] == {"role": "tool", "content": TOOL_RESULT, "tool_call_id": "call_1"}
    assert not server.disconnected.is_set(), "finished replies are not disconnects"


ERRORS: dict[str, list[Step]] = {
    "error-payload": [openai.error("The server had an error while processing your request.")],
    "dropped": [DROP],
}


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("ending", list(ERRORS))
def test_an_error_mid_stream_ends_the_run_after_the_tokens_before_it(
    server: ScriptedServer, ending: str, face: str
) -> None:
    failing = Reply([*openai.text("It is", " sun"), *ERRORS[ending]])
    server.script([ASKS_FOR_THE_TOOL, failing, failing])
    agent = create_agent(LangChainModel(chat_model(server)), [get_weather])
    items, error = run_until_error(agent, face)
    expected = langchain_error(chat_model(server))

    assert type(error) is type(expected)
    assert str(error) == str(expected)
    modes = [mode for mode, _ in items]
    assert modes.count("custom") == len(PROGRESS), "the first turn and the tool ran"
    assert [u for m, u in items if m == "updates"][-1].keys() == {"tools"}
    last_tokens = [chunk[0].text for _, chunk in items[-3:]]
    assert last_tokens == ["", "It is", " sun"], "the second turn's tokens, then the error"


@pytest.mark.parametrize("face", ["break", "aclose"])
def test_stopping_the_stream_closes_the_http_response(server: ScriptedServer, face: str) -> None:
    server.script([Reply([*openai.text("It is", " sun"), HOLD])])
    agent = create_agent(LangChainModel(chat_model(server)), [get_weather])
    stop_midstream(agent, face, " sun")

    assert server.disconnected.wait(timeout=30), "the server saw the client go away"
    assert len(server.requests) == 1


def test_responses_api_shaped_chunks_join_as_langchain_core_joins_them() -> None:
    """Blocks indexed by ``lc_`` strings, a nested list of indexed parts, a ``non_standard``
    block, a metadata list of indexed items, and a provider id after a run id."""
    summary = {"index": 0, "type": "summary_text"}
    reasoning = {"type": "reasoning", "index": "lc_rs_1"}
    text = {"type": "text", "index": "lc_txt_2", "id": "msg_2"}
    chunks = [
        lc.AIMessageChunk(
            content=[{**reasoning, "summary": [{**summary, "text": "Thin"}], "id": "rs_1"}],
            response_metadata={"output": [{"index": 0, "type": "message", "id": "m1"}]},
            id="lc_run--1",
        ),
        lc.AIMessageChunk(
            content=[{**reasoning, "summary": [{**summary, "text": "king"}]}],
            response_metadata={"output": [{"index": 0, "status": "done"}]},
            id="resp_1",
        ),
        lc.AIMessageChunk(content=[{**text, "text": "Hi"}]),
        lc.AIMessageChunk(
            content=[{"type": "non_standard", "value": {"k": "v"}, "index": "lc_txt_2"}]
        ),
        lc.AIMessageChunk(content=[{**text, "text": " there"}], id="lc_run--1"),
    ]
    reference = functools.reduce(operator.add, chunks)
    ours = [from_langchain(chunk) for chunk in chunks]
    joined = join_chunks([chunk for chunk in ours if isinstance(chunk, AIMessageChunk)])

    assert fields(joined, MESSAGE_FIELDS) == fields(reference, MESSAGE_FIELDS)
    assert joined.id == reference.id == "resp_1"
    assert joined.content[1] == {**text, "text": "Hi there", "extras": {"k": "v"}}
