"""Tools that return a ``Command``: ``ToolNode`` and ``create_agent`` side by side with LangGraph.

Each graph is built twice, with LangGraph's ``StateGraph`` + ``ToolNode`` (LangChain tools
returning LangGraph's ``Command``) and with rxagent's; the tool is an rxagent ``@tool`` or a
LangChain tool, sync or async. The ``updates``, ``values`` and ``tools`` outputs are
compared after ``tests.conformance._normalize`` has rewritten the random ids; parallel tool
calls are compared per call (``canonical``), as they may interleave.

No ``from __future__ import annotations`` here: the tools are made in a factory, and their
``Annotated[str, InjectedToolCallId]`` parameters must be real objects for both libraries.
"""

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest

pytest.importorskip("langchain")

from langchain.agents import create_agent as lc_create_agent
from langchain_core import messages as lc
from langchain_core.tools import InjectedToolCallId as LcInjectedToolCallId
from langchain_core.tools import tool as lc_tool
from langgraph.graph import END as LC_END
from langgraph.graph import START as LC_START
from langgraph.graph import MessagesState as LcMessagesState
from langgraph.graph import StateGraph as LcStateGraph
from langgraph.prebuilt import ToolNode as LcToolNode
from langgraph.prebuilt import tools_condition as lc_tools_condition
from langgraph.types import Command as LcCommand
from langgraph.types import Send as LcSend

from rxagent import END, START, StateGraph, create_agent, tool
from rxagent.graph import Command, MessagesState, Send
from rxagent.messages import AIMessage, ToolCall, ToolMessage
from rxagent.tools import InjectedToolCallId, ToolNode, tools_condition
from rxagent.tools._tool_node import SentToolCalls
from rxagent.tools._tool_output import checked_output
from tests.conformance._models import Reply, fake_chat_model, scripted_model
from tests.conformance._normalize import Normalizer, canonical, unshape

Kind = Literal["rx-sync", "rx-async", "lc-sync", "lc-async"]
KINDS: tuple[Kind, ...] = ("rx-sync", "rx-async", "lc-sync", "lc-async")
MODES = ["updates", "values", "tools"]
Body = Callable[["Lib", str, str], Any]
"""What a scripted tool returns, from the library, its ``value`` argument and its call id."""


@dataclass(frozen=True)
class Lib:
    """The names a tool author imports: rxagent's or LangChain/LangGraph's."""

    command: Any
    tool_message: Any
    send: Any
    injected_id: Any
    decorate: Callable[[str], Callable[[Callable[..., Any]], Any]]


RX = Lib(Command, ToolMessage, Send, InjectedToolCallId, tool)
LC = Lib(LcCommand, lc.ToolMessage, LcSend, LcInjectedToolCallId, lc_tool)


def make_tool(lib: Lib, is_async: bool, name: str, body: Body) -> Any:
    """A tool ``name(value: str)`` of ``lib`` returning ``body(lib, value, tool_call_id)``."""
    if is_async:

        async def run_async(value: str, tool_call_id: Annotated[str, lib.injected_id]) -> Any:
            """Run the scripted tool."""
            await asyncio.sleep(0)
            return body(lib, value, tool_call_id)

        return lib.decorate(name)(run_async)

    def run(value: str, tool_call_id: Annotated[str, lib.injected_id]) -> Any:
        """Run the scripted tool."""
        return body(lib, value, tool_call_id)

    return lib.decorate(name)(run)


def set_user(lib: Lib, value: str, call_id: str) -> Any:
    message = lib.tool_message(f"Hi {value}", tool_call_id=call_id)
    return lib.command(update={"user": value, "messages": [message]}, goto="greet")


def no_message(lib: Lib, value: str, call_id: str) -> Any:
    return lib.command(update={"messages": []}, goto="greet")


def as_list(lib: Lib, value: str, call_id: str) -> Any:
    command = lib.command(update={"user": value}, goto="greet")
    return [command, lib.tool_message(f"Hi {value}", tool_call_id=call_id)]


def shout(lib: Lib, value: str, call_id: str) -> Any:
    return value.upper()


def pair(kind: Kind, name: str, body: Body) -> tuple[Any, Any]:
    """The tool for rxagent's graph (of ``kind``) and for LangGraph's (a LangChain tool)."""
    is_async = kind.endswith("async")
    ours = make_tool(RX if kind.startswith("rx") else LC, is_async, name, body)
    return ours, make_tool(LC, is_async, name, body)


def update_of(command: Any) -> dict[str, Any]:
    """The dict update of a ``Command`` (checked, for the type checker)."""
    assert isinstance(command, Command)
    assert isinstance(command.update, dict)
    return command.update


def call(name: str, call_id: str) -> ToolCall:
    return {"name": name, "args": {"value": "bob"}, "id": call_id, "type": "tool_call"}


# -- the same hand-built graph in both libraries ------------------------------------------


class RxState(MessagesState):
    user: str


class LcState(LcMessagesState):
    user: str


def greet(state: dict[str, Any]) -> dict[str, Any]:
    return {"user": state["user"] + "!"}


def rx_graph(tools: list[Any], calls: list[ToolCall], **options: Any) -> Any:
    script = iter([AIMessage("", id="ai-0", tool_calls=calls), AIMessage("done", id="ai-1")])
    graph = StateGraph(RxState)
    graph.add_node("agent", lambda state: {"messages": [next(script)]})
    graph.add_node("tools", ToolNode(tools, **options))
    graph.add_node("greet", greet)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    graph.add_edge("greet", END)
    return graph.compile()


def lc_graph(tools: list[Any], calls: list[ToolCall], **options: Any) -> Any:
    replies = [lc.AIMessage("", id="ai-0", tool_calls=calls), lc.AIMessage("done", id="ai-1")]
    script = iter(replies)
    graph: Any = LcStateGraph(LcState)
    graph.add_node("agent", lambda state: {"messages": [next(script)]})
    graph.add_node("tools", LcToolNode(tools, **options))
    graph.add_node("greet", greet)
    graph.add_edge(LC_START, "agent")
    graph.add_conditional_edges("agent", lc_tools_condition)
    graph.add_edge("tools", "agent")
    graph.add_edge("greet", LC_END)
    return graph.compile()


INPUT: dict[str, Any] = {"messages": [{"role": "user", "content": "I am bob"}], "user": ""}


async def outputs(graph: Any, input: Any = INPUT) -> list[tuple[str, Any]]:
    return [item async for item in graph.astream(input, stream_mode=MODES)]


def comparable(items: list[tuple[str, Any]], *, ordered: bool = True) -> list[Any]:
    """The run's items with ids normalised, parallel tasks' items as multisets per step.

    ``ordered=False`` for parallel tool calls: which id comes first is then random, so ids
    become one placeholder rather than numbered ones.
    """
    triples = [unshape(i, mode=None, multi=True, subgraphs=False, v2=False) for i in items]
    return canonical(triples, Normalizer(ordered=ordered))


def writes(items: list[tuple[str, Any]]) -> list[Any]:
    """The ``updates`` as (node, key, value) writes, whatever their grouping into dicts."""
    found: list[Any] = []
    for mode, chunk in items:
        if mode == "updates":
            for node, update in chunk.items():
                for part in update if isinstance(update, list) else [update]:
                    found.extend((node, key, value) for key, value in part.items())
    return sorted(Normalizer(ordered=False)(found), key=repr)


async def collect(graph: Any, sink: list[tuple[str, Any]]) -> None:
    """Stream ``graph`` into ``sink``: what came before an error is kept."""
    async for item in graph.astream(INPUT, stream_mode=MODES):
        sink.append(item)


async def both(
    kind: Kind, tools: Sequence[tuple[str, Body]], calls: list[ToolCall], **options: Any
) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    made = [pair(kind, name, body) for name, body in tools]
    ours = await outputs(rx_graph([t for t, _ in made], calls, **options))
    theirs = await outputs(lc_graph([t for _, t in made], calls, **options))
    return ours, theirs


# -- hand-built graph: ToolNode -----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_command_updates_the_state_and_routes_as_langgraph(kind: Kind) -> None:
    ours, theirs = await both(kind, [("set_user", set_user)], [call("set_user", "c1")])
    assert comparable(ours) == comparable(theirs)
    final = [chunk for mode, chunk in ours if mode == "values"][-1]
    assert final["user"] == "bob!"  # the update applied, then goto="greet" ran
    assert [m.type for m in final["messages"]] == ["human", "ai", "tool", "ai"]
    tool_message = final["messages"][2]
    assert (tool_message.name, tool_message.tool_call_id, tool_message.id is not None) == (
        "set_user",
        "c1",
        True,
    )
    events = [(c["event"], c["tool_call_id"]) for m, c in ours if m == "tools"]
    assert events == [("tool-started", "c1"), ("tool-finished", "c1")]
    finished = next(c["output"] for m, c in ours if m == "tools" and c["event"] == "tool-finished")
    assert isinstance(finished, Command)
    assert finished.goto == "greet"
    assert update_of(finished)["messages"][0].name is None  # as the tool returned it


@pytest.mark.parametrize("kind", KINDS)
async def test_a_command_next_to_a_plain_result(kind: Kind) -> None:
    tools = [("set_user", set_user), ("shout", shout)]
    ours, theirs = await both(kind, tools, [call("set_user", "c1"), call("shout", "c2")])
    values = [chunk for mode, chunk in ours if mode == "values"]
    assert [m.content for m in values[-1]["messages"][2:4]] == ["Hi bob", "BOB"]
    assert writes(ours) == writes(theirs)
    only = ("values", "tools")
    assert comparable([i for i in ours if i[0] in only], ordered=False) == comparable(
        [i for i in theirs if i[0] in only], ordered=False
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_a_list_of_a_command_and_the_tool_message(kind: Kind) -> None:
    ours, theirs = await both(kind, [("as_list", as_list)], [call("as_list", "c1")])
    assert writes(ours) == writes(theirs)
    only = ("values", "tools")
    assert comparable([i for i in ours if i[0] in only], ordered=False) == comparable(
        [i for i in theirs if i[0] in only], ordered=False
    )
    assert [chunk for mode, chunk in ours if mode == "values"][-1]["user"] == "bob!"


@pytest.mark.parametrize(
    ("tools", "calls"),
    [
        ([("set_user", set_user), ("shout", shout)], [call("set_user", "c1"), call("shout", "c2")]),
        ([("as_list", as_list)], [call("as_list", "c1")]),
    ],
    ids=["command-and-plain", "list"],
)
async def test_updates_group_the_writes_as_langgraph(
    tools: list[tuple[str, Body]], calls: list[ToolCall]
) -> None:
    ours, theirs = await both("rx-sync", tools, calls)
    assert comparable(ours, ordered=False) == comparable(theirs, ordered=False)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_command_without_the_tool_message_fails_as_langgraph(kind: Kind) -> None:
    made = pair(kind, "no_message", no_message)
    calls = [call("no_message", "c1")]
    ours: list[tuple[str, Any]] = []
    theirs: list[tuple[str, Any]] = []
    expected = re.escape("Expected to have a matching ToolMessage in Command.update")
    with pytest.raises(ValueError, match=expected) as our_error:
        await collect(rx_graph([made[0]], calls), ours)
    with pytest.raises(ValueError, match=expected) as their_error:
        await collect(lc_graph([made[1]], calls), theirs)
    assert str(our_error.value) == str(their_error.value)
    assert comparable(ours) == comparable(theirs)  # tool-started, tool-finished: no tool-error


@pytest.mark.parametrize("kind", KINDS)
async def test_a_handled_invalid_command_becomes_an_error_message(kind: Kind) -> None:
    ours, theirs = await both(
        kind, [("no_message", no_message)], [call("no_message", "c1")], handle_tool_errors=True
    )
    assert comparable(ours) == comparable(theirs)
    reply = [c for m, c in ours if m == "values"][-1]["messages"][2]
    assert (reply.status, reply.content.startswith("Error: ValueError(")) == ("error", True)


# -- create_agent -------------------------------------------------------------------------


def finish(lib: Lib, value: str, call_id: str) -> Any:
    return lib.command(
        update={"messages": [lib.tool_message(f"Done: {value}", tool_call_id=call_id)]},
        goto="model",
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_create_agent_with_a_command_tool_matches_langchain(kind: Kind) -> None:
    made = [pair(kind, "finish", finish), pair(kind, "shout", shout)]
    script = [
        Reply(calls=(("finish", {"value": "bob"}, "c1"), ("shout", {"value": "hi"}, "c2"))),
        Reply("All done."),
    ]
    agent = create_agent(scripted_model(script), [ours for ours, _ in made])
    theirs_agent: Any = lc_create_agent(fake_chat_model(script), [t for _, t in made])
    ours = await outputs(agent, {"messages": INPUT["messages"]})
    theirs = await outputs(theirs_agent, {"messages": INPUT["messages"]})
    assert comparable(ours, ordered=False) == comparable(theirs, ordered=False)
    final = [c for m, c in ours if m == "values"][-1]["messages"]
    assert [(m.type, m.text) for m in final[2:]] == [
        ("tool", "Done: bob"),
        ("tool", "HI"),
        ("ai", "All done."),
    ]


# -- ToolNode called directly -------------------------------------------------------------


async def test_the_node_returns_the_commands_and_dicts_in_call_order() -> None:
    node = ToolNode([make_tool(RX, False, "shout", shout), make_tool(RX, True, "set", set_user)])
    calls = [call("shout", "c1"), call("set", "c2")]
    out = await node({"messages": [AIMessage("", tool_calls=calls)]})
    assert isinstance(out, list)
    first, second = out
    assert [m.content for m in first["messages"]] == ["BOB"]
    assert isinstance(second, Command)
    assert second.goto == "greet"
    assert update_of(second)["user"] == "bob"
    assert [(m.name, m.tool_call_id) for m in update_of(second)["messages"]] == [("set", "c2")]


async def test_parent_commands_with_sends_are_joined_into_one() -> None:
    def to_parent(lib: Lib, value: str, call_id: str) -> Any:
        return lib.command(graph=lib.command.PARENT, goto=[lib.send("worker", value)])

    node = ToolNode([make_tool(RX, False, "up", to_parent)])
    out = await node(SentToolCalls([call("up", "c1"), call("up", "c2")], {}))
    assert out == [Command(graph=Command.PARENT, goto=[Send("worker", "bob")] * 2)]


def test_a_langgraph_command_from_a_langchain_tool_becomes_rxagents() -> None:
    node = ToolNode([make_tool(LC, False, "set", set_user)])
    out = asyncio.run(node({"messages": [AIMessage("", tool_calls=[call("set", "c1")])]}))
    assert isinstance(out, list)
    (command,) = out
    (message,) = update_of(command)["messages"]
    assert isinstance(message, ToolMessage)
    assert message.name == "set"


def test_the_checks_keep_langgraphs_texts() -> None:
    tool_call = call("save", "c1")
    with pytest.raises(ValueError, match=r"^Tools can provide a dict in Command\.update only"):
        checked_output(Command(update={"messages": []}), tool_call, "list")
    with pytest.raises(
        ValueError, match=r"^Tools can provide a list of messages in Command\.update"
    ):
        checked_output(Command(update=[]), tool_call, "dict")
    two = [ToolMessage("a", tool_call_id="c1"), ToolMessage("b", tool_call_id="c1")]
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Tool save returned a list with 2 messages bound to tool_call_id 'c1'; "
            "expected exactly one terminating ToolMessage."
        ),
    ):
        checked_output(list(two), tool_call, "dict")
    parent = Command(graph=Command.PARENT, update={"messages": []}, goto="x")
    assert checked_output(parent, tool_call, "dict") == parent  # no ToolMessage needed


def test_the_command_a_tool_returned_is_not_changed() -> None:
    message = ToolMessage("ok", tool_call_id="c1")
    command: Command[Any] = Command(update={"messages": [message]})
    checked = checked_output(command, call("save", "c1"), "tool_calls")
    assert (message.name, message.id) == (None, None)
    (copy,) = update_of(checked)["messages"]
    assert (copy.name, copy.id is not None) == ("save", True)
