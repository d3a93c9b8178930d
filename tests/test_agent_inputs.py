"""Agents fed real inputs: OpenAI history, langchain-core messages, no ``messages``, usage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rxagent import STREAM_MODES, CompiledStateGraph, ScriptedModel, create_agent, tool
from rxagent.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from tests.support import FACES, Face

USAGE: Any = {
    "input_tokens": 120,
    "output_tokens": 40,
    "total_tokens": 160,
    "input_token_details": {"audio": 0, "cache_read": 100, "cache_creation": 20},
    "output_token_details": {"audio": 0, "reasoning": 32, "accepted_prediction_tokens": 0},
}
HISTORY: list[Any] = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_0", "content": "Sunny"},
    {"role": "assistant", "content": "Sunny in Paris."},
    ("user", "And in Rome?"),
]


def _agent(*replies: AIMessage | str) -> CompiledStateGraph:
    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return f"Rainy in {city}"

    return create_agent(ScriptedModel(list(replies)), [get_weather])


def _tool_then_answer() -> CompiledStateGraph:
    return _agent(
        AIMessage(
            "Let me check.",
            tool_calls=[{"name": "get_weather", "args": {"city": "Rome"}, "id": "call_1"}],
            usage_metadata=USAGE,
        ),
        AIMessage("Rainy in Rome.", usage_metadata=USAGE),
    )


_RUNS: dict[str, Callable[[CompiledStateGraph, Any], object]] = {
    "invoke": lambda agent, inputs: agent.invoke(inputs),
    "stream": lambda agent, inputs: list(agent.stream(inputs, stream_mode=list(STREAM_MODES))),
    "ainvoke": lambda agent, inputs: asyncio.run(agent.ainvoke(inputs)),
}


@pytest.mark.parametrize("run", _RUNS.values(), ids=list(_RUNS))
def test_input_without_messages_says_messages_are_required(
    run: Callable[[CompiledStateGraph, Any], object],
) -> None:
    # LangChain's create_agent would call the model with an empty conversation, which
    # providers reject; rxagent says what is missing instead (a listed deliberate difference)
    with pytest.raises(ValueError, match="needs the key 'messages'"):
        run(_agent("hi"), {})


def test_a_system_prompt_alone_is_a_conversation() -> None:
    agent = create_agent(ScriptedModel(["hi"]), system_prompt="Greet the user.")
    assert [m.text for m in agent.invoke({})["messages"]] == ["hi"]


def test_openai_history_is_agent_input() -> None:
    state = _tool_then_answer().invoke({"messages": HISTORY})
    messages = state["messages"]
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai", "human", "ai", "tool", "ai"]
    assert messages[1].tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_0", "type": "tool_call"}
    ]
    assert messages[1].content == ""
    assert messages[-1].text == "Rainy in Rome."


def test_a_bad_message_in_agent_input_names_its_position() -> None:
    bad = [*HISTORY, {"role": "robot", "content": "beep"}]
    with pytest.raises(ValueError, match=r"messages\[5\]: 'role' must be one of .*got 'robot'"):
        _agent("hi").invoke({"messages": bad})


@pytest.mark.parametrize("face", FACES.values(), ids=list(FACES))
def test_usage_details_stream_to_the_end_in_every_mode(face: Face) -> None:
    events = face(_tool_then_answer(), {"messages": HISTORY}, STREAM_MODES)
    modes = {event.mode for event in events}  # type: ignore[attr-defined]
    assert {"messages", "updates", "values", "tasks"} <= modes
    last_chunks = [
        event.data[0]  # type: ignore[attr-defined]
        for event in events
        if event.mode == "messages"  # type: ignore[attr-defined]
        and isinstance(event.data[0], AIMessageChunk)  # type: ignore[attr-defined]
        and event.data[0].chunk_position == "last"  # type: ignore[attr-defined]
    ]
    assert [chunk.usage_metadata for chunk in last_chunks] == [USAGE, USAGE]
    final = [event for event in events if event.mode == "values"][-1]  # type: ignore[attr-defined]
    answer = final.data["messages"][-1]  # type: ignore[attr-defined]
    assert isinstance(answer, AIMessage)
    assert (answer.text, answer.usage_metadata) == ("Rainy in Rome.", USAGE)


def test_usage_details_through_stream_and_invoke() -> None:
    agent = _tool_then_answer()
    items = list(agent.stream({"messages": HISTORY}, stream_mode=list(STREAM_MODES)))
    updates = [chunk["model"] for mode, chunk in items if mode == "updates" and "model" in chunk]
    assert [update["messages"][0].usage_metadata for update in updates] == [USAGE, USAGE]
    assert agent.invoke({"messages": HISTORY})["messages"][-1].usage_metadata == USAGE


class _UsageReportingModel:
    """Streams like langchain-openai with ``stream_usage``: usage on a last, empty chunk."""

    async def astream(self, messages: list[Any], **_: Any) -> AsyncIterator[Any]:
        from langchain_core.messages import AIMessageChunk as LangChainChunk

        assert all(type(m).__module__.startswith("langchain_core") for m in messages)
        for token in ["Rainy", " in", " Rome."]:
            yield LangChainChunk(content=token, id="run-1")
        yield LangChainChunk(
            content="",
            id="run-1",
            response_metadata={"finish_reason": "stop", "model_name": "gpt-x", "service_tier": "d"},
        )
        yield LangChainChunk(content="", id="run-1", usage_metadata=USAGE, chunk_position="last")


def test_langchain_model_with_usage_details_runs_to_the_end() -> None:
    pytest.importorskip("langchain_core")
    from langchain_core import messages as lc

    from rxagent.integrations.langchain import LangChainModel

    agent = create_agent(LangChainModel(_UsageReportingModel()))
    given = [lc.SystemMessage("Be brief."), lc.HumanMessage("Weather in Rome?")]
    items = list(agent.stream({"messages": given}, stream_mode=list(STREAM_MODES)))
    final = [chunk for mode, chunk in items if mode == "values"][-1]
    answer = final["messages"][-1]
    assert (answer.text, answer.usage_metadata) == ("Rainy in Rome.", USAGE)
    assert answer.response_metadata["model_name"] == "gpt-x"
    assert isinstance(final["messages"][1], HumanMessage)


def test_langchain_core_messages_are_agent_input() -> None:
    pytest.importorskip("langchain_core")
    from langchain_core import messages as lc

    given = [
        lc.HumanMessage("Weather in Paris?"),
        lc.AIMessage(
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c"}]
        ),
        lc.ToolMessage("Sunny", tool_call_id="c"),
        lc.AIMessage("Sunny.", usage_metadata=USAGE),
        lc.HumanMessage("And Rome?"),
    ]
    messages = _tool_then_answer().invoke({"messages": given})["messages"]
    assert isinstance(messages[2], ToolMessage)
    assert messages[3].usage_metadata == USAGE
    assert messages[-1].text == "Rainy in Rome."
