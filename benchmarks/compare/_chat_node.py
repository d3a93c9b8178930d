"""Workload 5 (``chat_node``): a LangChain chat model called inside a node.

LangGraph's quickstart chatbot, built once on each library: a one-node ``StateGraph`` over
``MessagesState`` (its ``messages`` reduced by ``add_messages``: rxagent's
``rxagent.graph.message`` keeps langchain-core messages in the state, as LangGraph's does)
whose node returns ``{"messages": [llm.invoke(state["messages"])]}`` (``await
llm.ainvoke(...)`` in the async graph). ``llm`` is the fake chat model of workloads 1 and 2
answering ``n`` tokens; the run is consumed with ``stream_mode="messages"``. Neither node
streams by itself: each token reaches the stream through a LangChain callback handler bound
to the node task, so the rows give the per-token price of that boundary on both sides, over
the model's own cost (``LangChain model alone``).
"""

from __future__ import annotations

from typing import Any

from benchmarks.compare._agents import inputs
from benchmarks.compare._core import AsyncRun, Faces, Implementation, Params, SyncRun, register
from benchmarks.compare._langchain import LANGCHAIN, bare_async, bare_sync, fake_model

_LANGGRAPH = ("langchain_core", "langgraph")


def _rxagent_parts() -> tuple[Any, Any, Any, Any]:
    from rxagent.graph import END, START, StateGraph
    from rxagent.graph.message import MessagesState

    return StateGraph, MessagesState, START, END


def _langgraph_parts() -> tuple[Any, Any, Any, Any]:
    from langgraph.graph import END, START, StateGraph
    from langgraph.graph.message import MessagesState

    return StateGraph, MessagesState, START, END


def chatbot(parts: tuple[Any, Any, Any, Any], tokens: int, *, asynchronous: bool) -> Any:
    """The quickstart's graph: START → ``chatbot`` (one chat model call) → END, compiled."""
    state_graph, messages_state, start, end = parts
    llm = fake_model(answer_tokens=tokens, call_tool=False)

    def node(state: Any) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    async def async_node(state: Any) -> dict[str, Any]:
        return {"messages": [await llm.ainvoke(state["messages"])]}

    graph = state_graph(messages_state)
    graph.add_node("chatbot", async_node if asynchronous else node)
    graph.add_edge(start, "chatbot")
    graph.add_edge("chatbot", end)
    return graph.compile()


def _faces(parts: Any) -> Faces:
    def sync(params: Params) -> SyncRun:
        graph = chatbot(parts(), params["n"], asynchronous=False)
        return lambda: graph.stream(inputs(), stream_mode="messages")

    def asynchronous(params: Params) -> AsyncRun:
        graph = chatbot(parts(), params["n"], asynchronous=True)
        return lambda: graph.astream(inputs(), stream_mode="messages")

    return {"sync": sync, "async": asynchronous}


def register_all() -> None:
    """Register the rows of workload 5: rxagent, LangGraph, and the model alone."""
    register(Implementation("chat_node", "rxagent", _faces(_rxagent_parts), LANGCHAIN))
    register(Implementation("chat_node", "langgraph", _faces(_langgraph_parts), _LANGGRAPH))
    bare: Faces = {"sync": bare_sync, "async": bare_async}
    register(Implementation("chat_node", "LangChain model alone", bare, LANGCHAIN))
