"""The graph runtime: node kinds, edges, reducers, subgraphs, and its errors."""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, TypedDict

import pytest
import reactivex as rx

from rxagent import (
    END,
    START,
    GraphRecursionError,
    InvalidUpdateError,
    NodeOutputError,
    ScriptedModel,
    Send,
    StateGraph,
    create_agent,
    get_stream_writer,
)
from rxagent.messages import AIMessageChunk, AnyMessage, add_messages


class Items(TypedDict):
    items: Annotated[list[str], operator.add]
    n: int


def _fan_in_graph() -> Any:
    def sync_node(state: Items) -> dict[str, Any]:
        get_stream_writer()({"from": "sync"})
        return {"items": ["sync"]}

    async def async_node(state: Items) -> dict[str, Any]:
        return {"items": ["async"]}

    def gen_node(state: Items) -> Iterator[Any]:
        yield AIMessageChunk(content="g", id="gen-msg")
        yield {"items": ["gen"]}

    async def agen_node(state: Items) -> AsyncIterator[Any]:
        yield AIMessageChunk(content="a", id="agen-msg")
        yield {"items": ["agen"]}

    def observable_node(state: Items) -> rx.Observable[Any]:
        return rx.of(AIMessageChunk(content="o", id="obs-msg"), {"items": ["obs"]})

    def count(state: Items) -> dict[str, Any]:
        return {"n": len(state["items"])}

    graph = StateGraph(Items)
    branches = [sync_node, async_node, gen_node, agen_node, observable_node]
    for fn in [*branches, count]:
        graph.add_node(fn)
    for fn in branches:
        graph.add_edge(START, fn.__name__)
    graph.add_edge([fn.__name__ for fn in branches], "count")
    graph.add_edge("count", END)
    return graph.compile()


def test_every_node_kind_fans_out_and_joins() -> None:
    graph = _fan_in_graph()
    final = graph.invoke({"items": [], "n": 0})
    assert sorted(final["items"]) == ["agen", "async", "gen", "obs", "sync"]
    assert final["n"] == 5
    updates = list(graph.stream({"items": []}, stream_mode="updates"))
    assert {next(iter(u)) for u in updates[:-1]} == {
        "sync_node",
        "async_node",
        "gen_node",
        "agen_node",
        "observable_node",
    }
    assert updates[-1] == {"count": {"n": 5}}


def test_tokens_from_generators_and_observables_reach_messages_mode() -> None:
    items = list(_fan_in_graph().stream({"items": []}, stream_mode="messages"))
    assert sorted((chunk.text, md["langgraph_node"]) for chunk, md in items) == [
        ("a", "agen_node"),
        ("g", "gen_node"),
        ("o", "observable_node"),
    ]


def test_join_trigger_and_values_after_each_step() -> None:
    graph = _fan_in_graph()
    tasks = [t for t in graph.stream({"items": []}, stream_mode="tasks") if "input" in t]
    assert tasks[-1]["triggers"] == (  # every channel it subscribes to, sorted (LangGraph's)
        "branch:to:count",
        "join:sync_node+async_node+gen_node+agen_node+observable_node:count",
    )
    values = list(graph.stream({"items": []}, stream_mode="values"))
    assert [v.get("n") for v in values] == [None, None, 5]


def test_conditional_edges_with_path_map() -> None:
    graph = StateGraph(Items)
    graph.add_node("a", lambda s: {"items": ["a"]})
    graph.add_node("b", lambda s: {"items": ["b"]})
    graph.add_edge(START, "a")
    graph.add_conditional_edges(
        "a", lambda s: "go" if len(s["items"]) < 3 else "stop", {"go": "a", "stop": "b"}
    )
    graph.add_edge("b", END)
    assert graph.compile().invoke({"items": []})["items"] == ["a", "a", "a", "b"]


def test_send_runs_one_task_per_packet() -> None:
    def split(state: Items) -> list[Send]:
        return [Send("work", word) for word in ("x", "y", "z")]

    def work(word: str) -> dict[str, Any]:
        return {"items": [word.upper()]}

    graph = StateGraph(Items)
    graph.add_node("start", lambda s: None)
    graph.add_node("work", work)
    graph.add_edge(START, "start")
    graph.add_conditional_edges("start", split)
    compiled = graph.compile()
    assert sorted(compiled.invoke({"items": []})["items"]) == ["X", "Y", "Z"]
    updates = list(compiled.stream({"items": []}, stream_mode="updates"))
    assert updates[0] == {"start": None}
    assert len([u for u in updates if "work" in u]) == 3


class Chat(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def _parent_with_agent() -> Any:
    agent = create_agent(ScriptedModel(["Hello from the subgraph."]))

    def pre(state: Chat) -> dict[str, Any]:
        get_stream_writer()({"parent": "pre"})
        return {"messages": [{"role": "assistant", "content": "routing"}]}

    graph = StateGraph(Chat)
    graph.add_node("pre", pre)
    graph.add_node("agent", agent)
    graph.add_edge(START, "pre")
    graph.add_edge("pre", "agent")
    return graph.compile()


def test_subgraph_events_are_live_under_their_namespace() -> None:
    inputs = {"messages": [{"role": "user", "content": "hi"}]}
    items = list(
        _parent_with_agent().stream(inputs, stream_mode=["updates", "messages"], subgraphs=True)
    )
    namespaces = [ns for ns, _, _ in items]
    inner = [ns for ns in namespaces if ns]
    assert inner
    assert all(len(ns) == 1 and ns[0].startswith("agent:") for ns in inner)
    last_ns, last_mode, last_chunk = items[-1]
    assert (last_ns, last_mode, next(iter(last_chunk))) == ((), "updates", "agent")
    tokens = [c for ns, m, c in items if m == "messages" and ns]
    assert "".join(t[0].text for t in tokens) == "Hello from the subgraph."
    assert tokens[0][1]["langgraph_checkpoint_ns"].count("|") == 1
    whole_at_root = [c for ns, m, c in items if m == "messages" and not ns]
    assert whole_at_root == [], "the parent does not repeat what the subgraph streamed"


def test_subgraph_without_subgraphs_flag_gives_whole_messages() -> None:
    inputs = {"messages": [{"role": "user", "content": "hi"}]}
    items = list(_parent_with_agent().stream(inputs, stream_mode=["messages", "custom"]))
    assert items[0] == ("custom", {"parent": "pre"})
    whole = [c[0] for m, c in items if m == "messages"]
    # 'pre' wrote a dict (not a message object) and the subgraph's input already held it,
    # so, as in LangGraph, only the subgraph's new answer comes out, whole, at its end
    assert [(m.type, m.text) for m in whole] == [("ai", "Hello from the subgraph.")]


def test_recursion_limit_is_a_clear_error() -> None:
    graph = StateGraph(Items)
    graph.add_node("loop", lambda s: {"items": ["x"]})
    graph.add_edge(START, "loop")
    graph.add_edge("loop", "loop")
    with pytest.raises(GraphRecursionError, match="Recursion limit of 5 reached"):
        graph.compile().invoke({"items": []}, {"recursion_limit": 5})


def test_node_returning_a_non_update_names_the_node() -> None:
    graph = StateGraph(Items)
    graph.add_node("broken", lambda s: 42)
    graph.add_edge(START, "broken")
    with pytest.raises(
        NodeOutputError, match="Expected dict, got 42: node 'broken' returned int"
    ) as caught:
        list(graph.compile().stream({"items": []}, stream_mode="updates"))
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, InvalidUpdateError), "LangGraph raises InvalidUpdateError"


def test_unknown_state_key_names_the_valid_keys() -> None:
    graph = StateGraph(Items)
    graph.add_node("w", lambda s: {"itemz": []})
    graph.add_edge(START, "w")
    with pytest.raises(InvalidUpdateError, match=r"'itemz'.*valid keys: items, n"):
        graph.compile().invoke({"items": []})


def test_parallel_writes_to_a_single_value_key_fail() -> None:
    graph = StateGraph(Items)
    graph.add_node("a", lambda s: {"n": 1})
    graph.add_node("b", lambda s: {"n": 2})
    graph.add_edge(START, "a")
    graph.add_edge(START, "b")
    with pytest.raises(InvalidUpdateError, match="Can receive only one value per step"):
        graph.compile().invoke({"items": []})


@pytest.mark.parametrize(
    ("edge", "message"),
    [
        (("a", "nowhere"), "ending at unknown node `nowhere`"),
        (("ghost", "a"), "starting at unknown node 'ghost'"),
    ],
)
def test_edge_to_unknown_node_fails_at_compile_time(edge: tuple[str, str], message: str) -> None:
    graph = StateGraph(Items)
    graph.add_node("a", lambda s: None)
    graph.add_edge(START, "a")
    graph.add_edge(*edge)
    with pytest.raises(ValueError, match=message):
        graph.compile()


def test_graph_without_entry_point_fails_at_compile_time() -> None:
    graph = StateGraph(Items)
    graph.add_node("a", lambda s: None)
    with pytest.raises(ValueError, match="Graph must have an entrypoint"):
        graph.compile()


def test_unknown_stream_mode_names_the_valid_ones_at_call_time() -> None:
    graph = StateGraph(Items).add_node("a", lambda s: None).add_edge(START, "a").compile()
    with pytest.raises(ValueError, match=r"Unknown stream mode 'debug'.*values, updates, messages"):
        graph.stream({}, stream_mode="debug")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown stream mode 'bogus'"):
        graph.astream({}, stream_mode=["updates", "bogus"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="valid versions"):
        graph.stream({}, version="v9")


def test_duplicate_and_reserved_node_names() -> None:
    graph = StateGraph(Items).add_node("a", lambda s: None)
    with pytest.raises(ValueError, match=r"Node `a` already present\."):
        graph.add_node("a", lambda s: None)
    with pytest.raises(ValueError, match=r"Node `__end__` is reserved\."):
        graph.add_node(END, lambda s: None)


def test_pydantic_state_schema() -> None:
    from pydantic import BaseModel

    class Counter(BaseModel):
        total: Annotated[int, operator.add] = 0

    def bump(state: Counter) -> dict[str, int]:
        return {"total": state.total + 1}

    graph = StateGraph(Counter).add_node("bump", bump).add_edge(START, "bump").compile()
    assert graph.invoke({"total": 1}) == {"total": 3}
