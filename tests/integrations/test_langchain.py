"""``LangChainModel`` and the message converters, against real langchain-core classes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core import messages as lc
from langchain_core.language_models import GenericFakeChatModel

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.integrations.langchain import LangChainModel, from_langchain, to_langchain
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

ROUND_TRIP = [
    HumanMessage("hi", id="h1"),
    SystemMessage("be brief"),
    AIMessage(
        "Let me check.",
        id="a1",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
    ),
    ToolMessage("Sunny", tool_call_id="call_1", id="t1"),
    AIMessageChunk(
        "Hel",
        id="run-1",
        chunk_position="last",
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    ),
]


@pytest.mark.parametrize("message", ROUND_TRIP, ids=lambda m: type(m).__name__)
def test_messages_round_trip(message: Any) -> None:
    converted = to_langchain(message)
    assert converted.type == message.type
    assert converted.content == message.content
    back = from_langchain(converted)
    assert type(back) is type(message)
    assert back.text == message.text
    assert back.id == message.id


def test_tool_calls_survive_the_round_trip() -> None:
    back = from_langchain(to_langchain(ROUND_TRIP[2]))
    assert isinstance(back, AIMessage)
    assert back.tool_calls[0]["args"] == {"city": "Paris"}
    assert back.tool_calls[0]["id"] == "call_1"


def test_an_unknown_message_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot convert"):
        from_langchain(lc.ChatMessage(content="x", role="bot"))


def _bind_tools(self: Any, tools: Any, **kwargs: Any) -> Any:
    self.__dict__.setdefault("bound", []).append(tools)
    return self


async def _astream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    """A tool call first, then the answer once a tool result is in the conversation."""
    from langchain_core.outputs import ChatGenerationChunk

    if any(m.type == "tool" for m in messages):
        for token in ("It is", " sunny."):
            yield ChatGenerationChunk(message=lc.AIMessageChunk(content=token))
    else:
        head = {"name": "get_weather", "args": '{"city": ', "id": "call_1", "index": 0}
        tail = {"name": None, "args": '"Paris"}', "id": None, "index": 0}
        for piece in (head, tail):
            yield ChatGenerationChunk(
                message=lc.AIMessageChunk(content="", tool_call_chunks=[piece])
            )
    yield ChatGenerationChunk(message=lc.AIMessageChunk(content="", chunk_position="last"))


# built with type(): mypy cannot check a subclass of a class it sees as Any (no langchain)
_ToolCallingModel = type(
    "_ToolCallingModel",
    (GenericFakeChatModel,),
    {"bind_tools": _bind_tools, "_astream": _astream},
)


async def test_astream_converts_each_chunk() -> None:
    model = LangChainModel(GenericFakeChatModel(messages=iter(["Hello there"])))
    chunks = [chunk async for chunk in model.astream([HumanMessage("hi")])]
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == "Hello there"
    assert len({chunk.id for chunk in chunks}) == 1


def test_an_agent_runs_a_langchain_model_with_tools() -> None:
    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        get_stream_writer()({"progress": f"Looking up {city}"})
        return f"Sunny in {city}"

    chat_model = _ToolCallingModel(messages=iter([]))
    agent = create_agent(LangChainModel(chat_model), [get_weather])
    inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
    seen = list(agent.stream(inputs, stream_mode=["messages", "custom"]))
    assert ("custom", {"progress": "Looking up Paris"}) in seen
    final = agent.invoke(inputs)["messages"]
    assert final[-1].text == "It is sunny."
    assert final[1].tool_calls[0]["args"] == {"city": "Paris"}
    bound = chat_model.__dict__["bound"][0]
    assert bound[0]["function"]["name"] == "get_weather"


def test_ls_params_are_langchain_cores_for_the_call() -> None:
    from tests.conformance._models import fake_chat_model

    chat_model = fake_chat_model([])
    model = LangChainModel(chat_model)
    expected = dict(chat_model._get_ls_params())
    assert model.ls_params() == expected == ScriptedModel([], name="scripted").ls_params()
    hot = LangChainModel(chat_model.bind(temperature=0.7, stop=["END"]))
    assert hot.ls_params()["ls_temperature"] == 0.7
    assert hot.ls_params()["ls_stop"] == ["END"]
    assert hot.ls_params(temperature=0.2)["ls_temperature"] == 0.2, "the call's keywords win"
    assert "ls_integration" not in model.ls_params()


def test_ls_params_of_a_model_without_them_are_empty() -> None:
    class Duck:
        async def astream(self, input: Any, **kwargs: Any) -> AsyncIterator[Any]:
            yield lc.AIMessageChunk(content="hi")

    assert LangChainModel(Duck()).ls_params() == {}


def test_an_agents_tokens_carry_the_langchain_models_ls_params() -> None:
    chat_model = GenericFakeChatModel(messages=iter(["Hello there"]))
    agent = create_agent(LangChainModel(chat_model))
    inputs = {"messages": [{"role": "user", "content": "hi"}]}
    pairs = [chunk for chunk in agent.stream(inputs, stream_mode="messages")]
    assert pairs
    for _, metadata in pairs:
        assert metadata["ls_provider"] == "genericfakechatmodel"
        assert metadata["ls_model_type"] == "chat"
        assert metadata["ls_integration"] == "langchain_chat_model"
