"""``ToolNode`` and ``tools_condition`` in hand-built graphs."""

from __future__ import annotations

import asyncio
import inspect
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from rxagent import END, START, CompiledStateGraph, StateGraph, tool
from rxagent.agent import AgentState
from rxagent.messages import AIMessage, AnyMessage, HumanMessage, ToolCall, ToolMessage
from rxagent.tools import (
    InjectedState,
    ToolInvocationError,
    ToolNode,
    ToolRuntime,
    default_handle_tool_errors,
    tools_condition,
)
from rxagent.tools._tool_node import SentToolCalls


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def _calls(*pairs: tuple[int, int]) -> list[ToolCall]:
    return [
        {"name": "add", "args": {"a": a, "b": b}, "id": f"c{i}"} for i, (a, b) in enumerate(pairs)
    ]


def _react_graph(node: ToolNode, replies: list[AIMessage]) -> CompiledStateGraph:
    """An agent node that replays ``replies``, a ``ToolNode`` and ``tools_condition``."""
    script = iter(replies)

    def agent(state: AgentState) -> dict[str, Any]:
        return {"messages": [next(script)]}

    graph = StateGraph(AgentState)
    graph.add_node("agent", agent)
    graph.add_node("tools", node)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def test_tool_node_with_tools_condition_loops_until_no_tool_calls() -> None:
    graph = _react_graph(
        ToolNode([add]), [AIMessage("", tool_calls=_calls((1, 2), (3, 4))), AIMessage("3 and 7")]
    )
    items = list(
        graph.stream({"messages": [HumanMessage("add")]}, stream_mode=["updates", "tools"])
    )
    assert [next(iter(c)) for m, c in items if m == "updates"] == ["agent", "tools", "agent"]
    results = next(c["tools"]["messages"] for m, c in items if m == "updates" and "tools" in c)
    assert [(r.content, r.tool_call_id, r.name) for r in results] == [
        ("3", "c0", "add"),
        ("7", "c1", "add"),
    ]
    events = [(c["event"], c["tool_call_id"]) for m, c in items if m == "tools"]
    assert sorted(events) == sorted(
        [
            ("tool-started", "c0"),
            ("tool-finished", "c0"),
            ("tool-started", "c1"),
            ("tool-finished", "c1"),
        ]
    )
    finished = [c["output"] for m, c in items if m == "tools" and c["event"] == "tool-finished"]
    assert {m.id for m in finished} == {m.id for m in results}


def test_parallel_tool_calls_run_concurrently() -> None:
    arrived: list[str] = []
    both = asyncio.Event()

    @tool
    async def meet(who: str) -> str:
        """Wait until both calls have started."""
        arrived.append(who)
        if len(arrived) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), timeout=5)
        return who

    calls: list[ToolCall] = [{"name": "meet", "args": {"who": w}, "id": w} for w in ("ann", "bob")]
    graph = _react_graph(ToolNode([meet]), [AIMessage("", tool_calls=calls), AIMessage("met")])
    state = graph.invoke({"messages": [HumanMessage("meet")]})
    assert [m.text for m in state["messages"][2:4]] == ["ann", "bob"]


def test_a_failing_call_cancels_its_siblings() -> None:
    cancelled = asyncio.Event()

    @tool
    async def slow() -> str:
        """Never finish on its own."""
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    @tool
    async def fail() -> str:
        """Fail at once."""
        await asyncio.sleep(0)
        raise RuntimeError("boom")

    calls: list[ToolCall] = [
        {"name": "slow", "args": {}, "id": "s"},
        {"name": "fail", "args": {}, "id": "f"},
    ]
    graph = _react_graph(ToolNode([slow, fail]), [AIMessage("", tool_calls=calls)])
    with pytest.raises(RuntimeError, match="boom"):
        graph.invoke({"messages": [HumanMessage("go")]})
    assert cancelled.is_set()


def test_tool_runtime_gets_state_config_writer_and_call_id() -> None:
    seen: dict[str, Any] = {}

    @tool
    def probe(runtime: ToolRuntime, size: Annotated[int, InjectedState("size")] = 0) -> str:
        """Look at the runtime."""
        seen.update(
            state=runtime.state, config=runtime.config, call=runtime.tool_call_id, size=size
        )
        runtime.stream_writer({"from": runtime.tool_call_id})
        return "ok"

    class State(AgentState):
        size: int

    graph = StateGraph(State).add_node("tools", ToolNode([probe])).add_edge(START, "tools")
    call: ToolCall = {"name": "probe", "args": {}, "id": "p1"}
    inputs = {"messages": [AIMessage("", tool_calls=[call])], "size": 3}
    items = list(graph.compile().stream(inputs, stream_mode=["custom", "updates"]))
    assert ("custom", {"from": "p1"}) in items
    assert seen["call"] == "p1"
    assert seen["size"] == 3
    assert seen["state"]["size"] == 3
    assert seen["config"]["configurable"]["task_id"]
    assert probe.tool_call_schema()["parameters"]["properties"] == {}


def test_tool_runtime_context_is_the_runs_context() -> None:
    if "context" not in inspect.signature(CompiledStateGraph.invoke).parameters:
        pytest.skip("the graph runtime has no context= yet")
    seen: list[Any] = []

    @tool
    def whoami(runtime: ToolRuntime) -> str:
        """Say who the user is."""
        seen.append(runtime.context)
        return "ok"

    graph = StateGraph(AgentState).add_node("tools", ToolNode([whoami])).add_edge(START, "tools")
    call: ToolCall = {"name": "whoami", "args": {}, "id": "w"}
    invoke: Any = graph.compile().invoke
    invoke({"messages": [AIMessage("", tool_calls=[call])]}, context={"user": "ann"})
    assert seen == [{"user": "ann"}]


async def test_tool_node_inputs() -> None:
    node = ToolNode([add])
    calls = _calls((1, 1))
    state = {"messages": [AIMessage("", tool_calls=calls)], "extra": 1}
    for given in (
        state,
        [AIMessage("", tool_calls=calls)],
        calls,
        SentToolCalls(calls, state),
        {"__type": "tool_call_with_context", "tool_call": calls[0], "state": state},
    ):
        out = await node(given)
        assert [m.text for m in out["messages"]] == ["2"]
    with pytest.raises(ValueError, match="No message found"):
        await node({"messages": []})
    with pytest.raises(ValueError, match="No AIMessage found"):
        await node({"messages": [HumanMessage("hi")]})


async def test_sent_tool_calls_compare_as_the_plain_list() -> None:
    calls = _calls((1, 2))
    sent = SentToolCalls(calls, {"messages": []})
    assert sent == calls
    assert repr(sent) == repr(calls)
    assert sent.state == {"messages": []}


async def test_messages_key() -> None:
    node = ToolNode([add], messages_key="history")
    out = await node({"history": [AIMessage("", tool_calls=_calls((2, 2)))]})
    assert [m.text for m in out["history"]] == ["4"]


def test_tools_condition() -> None:
    calling = AIMessage("", tool_calls=_calls((1, 2)))

    class State(BaseModel):
        messages: list[AnyMessage]

    assert tools_condition({"messages": [calling]}) == "tools"
    assert tools_condition([calling]) == "tools"
    assert tools_condition(State(messages=[calling])) == "tools"
    assert tools_condition({"messages": [AIMessage("done")]}) == END
    assert tools_condition({"chat": [calling]}, messages_key="chat") == "tools"
    with pytest.raises(ValueError, match="No messages found"):
        tools_condition({"messages": []})


def test_handle_tool_errors_is_checked_when_the_node_is_built() -> None:
    def unannotated(error):  # type: ignore[no-untyped-def]
        return "x"

    def not_an_exception(error: int) -> str:
        return "x"

    assert ToolNode([add], handle_tool_errors=unannotated).handle_tool_errors is unannotated
    with pytest.raises(ValueError, match="exception type"):
        ToolNode([add], handle_tool_errors=not_an_exception)
    with pytest.raises(TypeError, match="handle_tool_errors"):
        ToolNode([add], handle_tool_errors=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tuple of exception types"):
        ToolNode([add], handle_tool_errors=(ValueError, int))  # type: ignore[arg-type]


def test_default_handler_re_raises_other_errors() -> None:
    error = ToolInvocationError("add", "a: Field required", tool_kwargs={})
    assert default_handle_tool_errors(error) == error.message
    with pytest.raises(KeyError):
        default_handle_tool_errors(KeyError("x"))


def test_a_tool_returning_a_tool_message_keeps_it_and_gets_an_id() -> None:
    @tool
    def own(tool_call_id: str) -> ToolMessage:
        """Answer with a whole message."""
        return ToolMessage("mine", tool_call_id=tool_call_id, artifact={"raw": 1})

    call: ToolCall = {"name": "own", "args": {}, "id": "o1"}
    out = asyncio.run(ToolNode([own])({"messages": [AIMessage("", tool_calls=[call])]}))
    message = out["messages"][0]
    assert (message.text, message.artifact, message.tool_call_id) == ("mine", {"raw": 1}, "o1")
    assert message.id is not None
