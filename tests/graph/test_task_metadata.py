"""The ``messages`` metadata a task stamps: node runs, whole messages and tokens, as LangGraph's.

LangGraph gives three shapes: the node run's metadata (its config; a ``tasks`` start payload
shows it less the framework keys); whole messages a node returns, which add
``ls_integration="langgraph"`` from the graph run; tokens, which add what LangChain's chat
model run adds (the outermost task's ``checkpoint_ns``, ``ls_integration`` and the model's
``ls_*`` keys). ``tests/conformance`` compares them with LangGraph side by side; these tests
pin each rule on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from rxagent import END, START, AgentState, ScriptedModel, StateGraph, create_agent
from rxagent.graph._task import current_task
from rxagent.messages import AIMessage, AIMessageChunk

QUESTION = {"messages": [{"role": "user", "content": "hi"}]}
Metadata = Mapping[str, Any]


def _messages(graph: Any, config: Mapping[str, Any] | None = None) -> list[tuple[Any, Metadata]]:
    """``(message, metadata)`` of every ``messages`` item, across subgraphs."""
    items = graph.stream(QUESTION, config, stream_mode="messages", subgraphs=True)
    return [chunk for _, chunk in items]


def _one_node(node: Any, **kwargs: Any) -> Any:
    builder = StateGraph(AgentState)
    builder.add_node("n", node, **kwargs)
    builder.add_edge(START, "n")
    builder.add_edge("n", END)
    return builder.compile()


def _wrapped(inner: Any, levels: int) -> Any:
    """``inner`` as the node ``agent`` of ``levels`` nested graphs."""
    for _ in range(levels):
        builder = StateGraph(AgentState)
        builder.add_node("agent", inner)
        builder.add_edge(START, "agent")
        inner = builder.compile()
    return inner


def _returns_a_message(state: AgentState) -> dict[str, Any]:
    return {"messages": [AIMessage("done")]}


def test_whole_messages_at_the_root_have_no_checkpoint_ns_and_langgraph_integration() -> None:
    ((message, metadata),) = _messages(_one_node(_returns_a_message))
    assert message.text == "done"
    assert "checkpoint_ns" not in metadata
    assert metadata["ls_integration"] == "langgraph"
    assert metadata["langgraph_checkpoint_ns"].startswith("n:")


@pytest.mark.parametrize(
    ("run_metadata", "node_metadata", "expected"),
    [
        ({"ls_integration": "mine"}, None, "mine"),
        ({}, {"ls_integration": "node"}, "node"),
        ({"ls_integration": "mine"}, {"ls_integration": "node"}, "node"),
    ],
    ids=["run", "node", "node-over-run"],
)
def test_a_run_or_node_integration_wins_over_langgraph(
    run_metadata: dict[str, Any], node_metadata: dict[str, Any] | None, expected: str
) -> None:
    graph = _one_node(_returns_a_message, metadata=node_metadata)
    ((_, metadata),) = _messages(graph, {"metadata": run_metadata})
    assert metadata["ls_integration"] == expected


def test_tasks_payloads_do_not_show_the_langgraph_integration() -> None:
    items = _one_node(_returns_a_message).stream(
        QUESTION, {"metadata": {"user": 1}}, stream_mode="tasks"
    )
    starts = [chunk for chunk in items if "input" in chunk]
    assert [start["metadata"] for start in starts] == [{"user": 1}]


def test_a_node_config_has_no_root_checkpoint_ns() -> None:
    seen: list[Metadata] = []

    def node(state: AgentState, config: Mapping[str, Any]) -> None:
        seen.append(config["metadata"])

    list(_wrapped(_one_node(node), 2).stream(QUESTION))
    list(_one_node(node).stream(QUESTION))
    nested, root = seen
    assert nested["checkpoint_ns"] == nested["langgraph_checkpoint_ns"].split("|")[0]
    assert "checkpoint_ns" not in root
    assert "ls_integration" not in root


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_tokens_carry_the_outermost_tasks_checkpoint_ns(levels: int) -> None:
    graph = _wrapped(create_agent(ScriptedModel(["Hello there"])), levels)
    tokens = [md for message, md in _messages(graph) if isinstance(message, AIMessageChunk)]
    assert tokens
    for metadata in tokens:
        path = metadata["langgraph_checkpoint_ns"].split("|")
        assert len(path) == levels + 1
        assert metadata["checkpoint_ns"] == path[0]
        assert metadata["ls_integration"] == "langchain_chat_model"


def test_whole_messages_in_a_subgraph_carry_the_outermost_checkpoint_ns() -> None:
    pairs = _messages(_wrapped(_one_node(_returns_a_message), 2))
    inner = [md for _, md in pairs if md["langgraph_node"] == "n"]
    assert inner
    for metadata in inner:
        assert metadata["checkpoint_ns"] == metadata["langgraph_checkpoint_ns"].split("|")[0]
        assert metadata["ls_integration"] == "langgraph"


def test_create_agent_stamps_its_tokens_with_the_models_ls_params() -> None:
    model = ScriptedModel(
        [AIMessage("Let me see.", tool_calls=[{"name": "noop", "args": {}, "id": "c1"}]), "Ok."],
        name="demo",
    )

    def noop() -> str:
        """Do nothing."""
        return "nothing"

    pairs = _messages(create_agent(model, [noop]))
    tokens = [md for message, md in pairs if isinstance(message, AIMessageChunk)]
    whole = [md for message, md in pairs if not isinstance(message, AIMessageChunk)]
    assert tokens
    assert whole, "the ToolMessage"
    for metadata in tokens:
        assert {k: v for k, v in metadata.items() if k.startswith("ls_")} == {
            "ls_integration": "langchain_chat_model",
            "ls_provider": "scripted",
            "ls_model_name": "demo",
            "ls_model_type": "chat",
            "ls_temperature": 0.0,
        }
    for metadata in whole:
        assert "ls_provider" not in metadata
        assert metadata["ls_integration"] == "langchain_create_agent"


def test_add_token_metadata_stamps_later_tokens_only() -> None:
    async def node(state: AgentState) -> AsyncIterator[Any]:
        task = current_task.get()
        assert task is not None
        yield AIMessageChunk("before", id="r1")
        task.add_token_metadata({"ls_provider": "p", "langgraph_node": "kept?"})
        yield AIMessageChunk(" after", id="r1")
        yield {"messages": [AIMessage("whole", id="w1")]}

    before, after, whole = _messages(_one_node(node))
    assert "ls_provider" not in before[1]
    assert after[1]["ls_provider"] == "p"
    assert after[1]["langgraph_node"] == "kept?", "the keys go on top, as LangChain's do"
    assert "ls_provider" not in whole[1]
    assert whole[1]["langgraph_node"] == "n"


def test_token_and_message_take_their_own_metadata() -> None:
    async def node(state: AgentState) -> AsyncIterator[Any]:
        task = current_task.get()
        assert task is not None
        task.token(AIMessageChunk("t", id="r1"), {"own": "token"})
        task.message(AIMessage("m", id="m1"), {"own": "message"})
        task.message(AIMessage("m", id="m1"), {"own": "again"})  # deduped by id
        yield AIMessageChunk("u", id="r1")
        yield {"messages": [AIMessage("m", id="m1")]}  # emitted already

    pairs = _messages(_one_node(node))
    assert [(message.text, md.get("own")) for message, md in pairs] == [
        ("t", "token"),
        ("m", "message"),
        ("u", None),
    ]
    assert pairs[2][1]["langgraph_node"] == "n"
