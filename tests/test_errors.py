"""Bad input and failures: clear errors, nothing lost, no hang."""

from __future__ import annotations

import asyncio
import threading
from contextvars import copy_context
from typing import Any

import pytest
from pydantic import ValidationError

from rxagent import ScriptedError, ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.messages import AIMessage, AIMessageChunk, ToolMessage
from tests.support import SEED_INPUT


def test_model_failing_mid_stream_ends_the_stream_after_its_tokens() -> None:
    model = ScriptedModel(
        [
            ScriptedError(
                RuntimeError("model fell over"), after_chunks=3, partial="one two three four"
            )
        ]
    )
    agent = create_agent(model)
    seen: list[Any] = []
    stream = agent.stream(SEED_INPUT, stream_mode=["messages", "updates", "tasks"])
    with pytest.raises(RuntimeError, match="model fell over"):
        seen.extend(stream)
    tokens = [c[0].text for m, c in seen if m == "messages"]
    assert tokens == ["one", " two", " three"]
    assert not [c for m, c in seen if m == "updates"]
    results = [c for m, c in seen if m == "tasks" and "error" in c]
    assert len(results) == 1
    assert isinstance(results[0]["error"], RuntimeError)


def test_model_failure_through_astream() -> None:
    agent = create_agent(
        ScriptedModel([ScriptedError(ValueError("bad"), after_chunks=1, partial="a b")])
    )

    async def collect() -> list[Any]:
        return [item async for item in agent.astream(SEED_INPUT, stream_mode="messages")]

    with pytest.raises(ValueError, match="bad"):
        asyncio.run(asyncio.wait_for(collect(), timeout=10))


def _failing_tool_agent(**kwargs: Any) -> Any:
    @tool
    def flaky(x: int) -> str:
        """Fail on purpose."""
        get_stream_writer()({"before": x})
        raise ConnectionError("upstream down")

    model = ScriptedModel(
        [
            AIMessage(content="", tool_calls=[{"name": "flaky", "args": {"x": 1}, "id": "c1"}]),
            AIMessage(content="Sorry, the tool failed."),
        ]
    )
    return create_agent(model, [flaky], **kwargs)


def test_failing_tool_ends_the_run_after_its_events_by_default() -> None:
    items: list[Any] = []
    stream = _failing_tool_agent().stream(SEED_INPUT, stream_mode=["updates", "custom", "tools"])
    with pytest.raises(ConnectionError, match="upstream down"):
        items.extend(stream)
    assert ("custom", {"before": 1}) in items
    assert [c["event"] for m, c in items if m == "tools"] == ["tool-started", "tool-error"]
    assert [next(iter(c)) for m, c in items if m == "updates"] == ["model"]


def test_failing_tool_becomes_an_error_tool_message_when_handled() -> None:
    agent = _failing_tool_agent(handle_tool_errors=True)
    items = list(agent.stream(SEED_INPUT, stream_mode=["updates", "custom", "tools"]))
    assert ("custom", {"before": 1}) in items
    tool_update = next(c for m, c in items if m == "updates" and "tools" in c)
    message = tool_update["tools"]["messages"][0]
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert message.text == "Error: ConnectionError('upstream down')\n Please fix your mistakes."
    assert [c["event"] for m, c in items if m == "tools"] == ["tool-started", "tool-error"]
    final = [c for m, c in items if m == "updates"][-1]
    assert final["model"]["messages"][0].text == "Sorry, the tool failed."


def test_failing_tool_can_propagate() -> None:
    with pytest.raises(ConnectionError, match="upstream down"):
        list(_failing_tool_agent(handle_tool_errors=False).stream(SEED_INPUT))


def test_unknown_tool_is_reported_to_the_model() -> None:
    model = ScriptedModel(
        [
            AIMessage(content="", tool_calls=[{"name": "nope", "args": {}, "id": "c1"}]),
            AIMessage(content="ok"),
        ]
    )

    @tool
    def real() -> str:
        """A real tool."""
        return "real"

    state = create_agent(model, [real]).invoke(SEED_INPUT)
    error = state["messages"][2]
    assert isinstance(error, ToolMessage)
    assert error.status == "error"
    assert error.text == "Error: nope is not a valid tool, try one of [real]."


def test_invalid_message_dict_names_the_field() -> None:
    agent = create_agent(ScriptedModel(["hi"]))
    with pytest.raises(ValidationError, match="content"):
        agent.invoke({"messages": [{"role": "user", "text": "no content key"}]})


def test_input_must_be_a_dict() -> None:
    agent = create_agent(ScriptedModel(["hi"]))
    with pytest.raises(TypeError, match="must be a dict of state keys"):
        agent.invoke(["not", "a", "dict"])


def test_stream_writer_outside_a_run_is_a_noop() -> None:
    writer = get_stream_writer()
    result = writer({"anything": 1})
    assert repr(result) == "Done()"  # an awaitable that never waits


def test_stream_writer_in_a_thread_with_copied_context() -> None:
    def node_with_thread(state: dict[str, Any]) -> dict[str, Any]:
        context = copy_context()
        thread = threading.Thread(
            target=context.run, args=(lambda: get_stream_writer()({"from": "thread"}),)
        )
        thread.start()
        thread.join()
        return {"done": True}

    from rxagent import START, StateGraph

    graph = StateGraph().add_node("n", node_with_thread).add_edge(START, "n").compile()
    assert list(graph.stream({}, stream_mode=["custom", "updates"])) == [
        ("custom", {"from": "thread"}),
        ("updates", {"n": {"done": True}}),
    ]


def test_stream_writer_is_a_noop_when_custom_is_not_consumed() -> None:
    written: list[Any] = []

    @tool
    def probe() -> str:
        """Record the writer."""
        written.append(get_stream_writer())
        return "ok"

    model = ScriptedModel(
        [AIMessage(content="", tool_calls=[{"name": "probe", "args": {}, "id": "p"}]), "done"]
    )
    list(create_agent(model, [probe]).stream(SEED_INPUT, stream_mode="updates"))
    from rxagent._context import NOOP_WRITER

    assert written == [NOOP_WRITER]


def test_async_tool_writer_and_chunk_without_updates() -> None:
    @tool
    async def slow(n: int) -> str:
        """Count asynchronously."""
        writer = get_stream_writer()
        for i in range(n):
            writer({"i": i})
            await asyncio.sleep(0)
        return "counted"

    model = ScriptedModel(
        [AIMessage(content="", tool_calls=[{"name": "slow", "args": {"n": 3}, "id": "s"}]), "ok"]
    )
    items = list(create_agent(model, [slow]).stream(SEED_INPUT, stream_mode="custom"))
    assert items == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_chunk_types_of_messages_mode() -> None:
    items = list(create_agent(ScriptedModel(["a b"])).stream(SEED_INPUT, stream_mode="messages"))
    assert all(isinstance(chunk, AIMessageChunk) for chunk, _ in items)
