"""langchain-core messages in and out of a graph's state, side by side with LangGraph."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import pytest

lc = pytest.importorskip("langchain_core.messages")
lg_graph = pytest.importorskip("langgraph.graph")
lg_message = pytest.importorskip("langgraph.graph.message")

from rxagent.graph import START, StateGraph  # noqa: E402
from rxagent.messages import add_messages  # noqa: E402


class OurState(TypedDict):
    messages: Annotated[list[Any], add_messages]


class TheirState(TypedDict):
    messages: Annotated[list[Any], lg_message.add_messages]


INPUT = {
    "messages": [
        lc.HumanMessage(content="stale", id="old-1"),
        lc.HumanMessage(content="hi", id="human-1"),
    ]
}


def _summary(message: Any) -> tuple[str, str, str | None]:
    return (message.type, str(message.content), message.id)


def _reply(state: dict[str, Any]) -> dict[str, Any]:
    """A node returning langchain-core messages: a reply and the removal of an old one."""
    last = state["messages"][-1]
    reply = lc.AIMessage(content=f"echo {last.content}", id="reply-1")
    return {"messages": [reply, lc.RemoveMessage(id="old-1")]}


def _build(graph_cls: Any, state: Any) -> Any:
    graph = graph_cls(state)
    graph.add_node("reply", _reply)
    graph.add_edge(START, "reply")
    return graph.compile()


def test_langchain_messages_in_and_out_as_langgraph() -> None:
    got = list(_build(StateGraph, OurState).stream(INPUT, stream_mode=["messages", "values"]))
    want = list(
        _build(lg_graph.StateGraph, TheirState).stream(INPUT, stream_mode=["messages", "values"])
    )
    assert [mode for mode, _ in got] == [mode for mode, _ in want]
    for (mode, ours), (_, theirs) in zip(got, want, strict=True):
        if mode == "messages":
            assert _summary(ours[0]) == _summary(theirs[0])
            assert ours[1]["langgraph_node"] == theirs[1]["langgraph_node"]
        else:
            assert [_summary(m) for m in ours["messages"]] == [
                _summary(m) for m in theirs["messages"]
            ]
