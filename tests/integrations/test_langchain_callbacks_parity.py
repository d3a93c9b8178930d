"""A run's LangChain callbacks see the chat-model runs they see under LangGraph.

The same fake chat model runs in LangChain's ``create_agent`` (LangGraph) and in rxagent's
``create_agent`` through ``LangChainModel``, with a recording handler in the run config;
the chat-model runs it records (start with tags and metadata, each token, end) are equal.
LangGraph also reports chain runs (the graph, each node) and tags the model's run with its
``RunnableSeq`` step (``seq:step:1``); rxagent has no chain runs: those are left out.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langgraph")

from langchain_core.callbacks import BaseCallbackHandler, CallbackManager

from benchmarks.compare._langchain import _adapted_agent, _langgraph_agent, fake_model
from rxagent import StateGraph
from rxagent.graph import START
from rxagent.graph.message import MessagesState

INPUT = {"messages": [{"role": "user", "content": "How many records?"}]}
PER_TASK = ("checkpoint_ns", "langgraph_checkpoint_ns")  # hold a task id, new every run


class Recorder(BaseCallbackHandler):
    """What a tracer sees of chat-model runs."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        meta = {k: v for k, v in (metadata or {}).items() if k not in PER_TASK}
        own_tags = [tag for tag in tags or () if not tag.startswith("seq:step:")]
        kinds = [[message.type for message in batch] for batch in messages]
        self.events.append(("start", own_tags, meta, kinds, kwargs.get("invocation_params")))

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.events.append(("token", token))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        message = response.generations[0][0].message
        self.events.append(("end", message.content, message.tool_calls, message.usage_metadata))


def _record(agent: Any, modes: list[str], how: str) -> list[tuple[Any, ...]]:
    recorder = Recorder()
    callbacks: Any = {
        "handlers": [recorder],
        "manager": CallbackManager([recorder], [recorder]),
        "manager, not inherited": CallbackManager([recorder]),  # sees the graph's run only
    }[how]
    config = {"callbacks": callbacks, "tags": ["nightly"], "metadata": {"user": "ada"}}
    for _ in agent.stream(INPUT, config, stream_mode=modes):
        pass
    return recorder.events


@pytest.mark.parametrize("how", ["handlers", "manager", "manager, not inherited"])
def test_callbacks_see_the_chat_model_runs_langgraph_shows(how: str) -> None:
    params = {"n": 4, "k": 2}
    modes = ["updates", "messages"]
    theirs = _record(_langgraph_agent(params), modes, how)
    ours = _record(_adapted_agent(params), modes, how)
    assert ours == theirs
    if how == "manager, not inherited":
        assert ours == []
        return
    starts = [event for event in ours if event[0] == "start"]
    assert len(starts) == 2
    assert starts[0][1] == ["nightly"]
    assert starts[0][2]["user"] == "ada"
    assert starts[0][2]["langgraph_node"] == "model"


def test_a_node_calling_the_model_streams_to_the_run_and_to_its_handlers() -> None:
    model = fake_model(answer_tokens=3, call_tool=False)

    def chat(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState).add_node("chat", chat).add_edge(START, "chat").compile()
    recorder = Recorder()
    tokens = [
        chunk.text
        for chunk, _ in graph.stream(INPUT, {"callbacks": [recorder]}, stream_mode="messages")
    ]
    assert "".join(tokens) == "token token token"
    assert [event[0] for event in recorder.events] == ["start", *["token"] * 4, "end"]
