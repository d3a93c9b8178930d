"""Workloads 1 and 2 on LangChain's side: one fake chat model for LangGraph and rxagent.

``fake_model(...)`` is a ``BaseChatModel`` that streams chunk by chunk through
langchain-core's callbacks (as in the LangGraph streaming notes, Appendix A) and never
awaits: no latency, like ``ScriptedModel`` without ``latency``. The same model runs in
LangGraph 1.2 (``langchain.agents.create_agent``; a ``StateGraph`` of 8 parallel nodes),
in rxagent through ``LangChainModel``, and alone (its own ``stream``/``astream``: the
model's cost, which the delivery-overhead target subtracts). Everything optional is
imported inside functions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any

from benchmarks.compare._agents import (
    async_face,
    branches,
    fan_out_graph,
    inputs,
    sync_face,
)
from benchmarks.compare._core import AsyncRun, Faces, Implementation, Params, SyncRun, register

LANGCHAIN = ("langchain_core",)
LANGGRAPH = ("langchain_core", "langgraph", "langchain")


def fake_model(*, answer_tokens: int, progress: int = 0, call_tool: bool = True) -> Any:
    """A LangChain chat model: a sentence and ``fetch_records(count=progress)``, then tokens.

    The reply is the answer (``answer_tokens`` tokens) once the conversation holds a tool
    result, or at once when ``call_tool`` is false. Each chunk is a new langchain-core
    ``AIMessageChunk`` wrapped in a ``ChatGenerationChunk``, as real integrations stream.
    """
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    def chunks(messages: list[Any]) -> Iterator[Any]:
        answering = not call_tool or any(m.type == "tool" for m in messages)
        return _script(AIMessageChunk, answer_tokens if answering else None, progress)

    def _stream(self: Any, messages: list[Any], *_args: Any, **_kw: Any) -> Iterator[Any]:
        for chunk in chunks(messages):
            yield ChatGenerationChunk(message=chunk)

    async def _astream(self: Any, messages: list[Any], *_args: Any, **_kw: Any) -> Any:
        for chunk in chunks(messages):
            yield ChatGenerationChunk(message=chunk)

    def _generate(self: Any, messages: list[Any], *_args: Any, **_kw: Any) -> Any:
        total: Any = None
        for chunk in chunks(messages):
            total = chunk if total is None else total + chunk
        fields = total.model_dump(exclude={"type", "tool_call_chunks", "chunk_position"})
        return ChatResult(generations=[ChatGeneration(message=AIMessage(**fields))])

    namespace = {
        "_llm_type": property(lambda self: "bench-fake"),
        "bind_tools": lambda self, tools, **kw: self,
        "_stream": _stream,
        "_astream": _astream,
        "_generate": _generate,
    }
    cls = type("BenchFakeChatModel", (BaseChatModel,), namespace)  # no mypy subclass of Any
    return cls()


def _script(chunk: Any, answer_tokens: int | None, progress: int) -> Iterator[Any]:
    """The chunks of one reply: the answer, or (``None``) a sentence and the tool call."""
    if answer_tokens is not None:
        yield chunk(content="token")
        for _ in range(answer_tokens - 1):
            yield chunk(content=" token")
    else:
        for word in ("Fetching", " the", " records."):
            yield chunk(content=word)
        head = {"name": "fetch_records", "args": '{"count": ', "id": "call_1", "index": 0}
        yield chunk(content="", tool_call_chunks=[head])
        tail = {"name": None, "args": f"{progress}}}", "id": None, "index": 0}
        yield chunk(content="", tool_call_chunks=[tail])
    yield chunk(content="", chunk_position="last")


# -- rxagent with the LangChain model -----------------------------------------------------


def _adapted_agent(params: Params, *, fast_path: bool = True) -> Any:
    from rxagent._demo import fetch_records_tool
    from rxagent.agent import create_agent
    from rxagent.integrations.langchain import LangChainModel

    model = fake_model(answer_tokens=params["n"], progress=params["k"])
    return create_agent(LangChainModel(model, fast_path=fast_path), [fetch_records_tool()])


def _langchains_path(params: Params) -> Any:
    """The agent with the model always called through ``BaseChatModel.astream``."""
    return _adapted_agent(params, fast_path=False)


def _adapted_branches(params: Params, *, fast_path: bool = True) -> Any:
    from rxagent.integrations.langchain import LangChainModel
    from rxagent.messages import AIMessage, HumanMessage

    count = branches(params)
    tokens = params["n"] // count
    models = [
        LangChainModel(fake_model(answer_tokens=tokens, call_tool=False), fast_path=fast_path)
        for _ in range(count)
    ]
    question = [HumanMessage("Summarise the records.")]

    async def branch(index: int) -> AsyncIterator[Any]:
        joined: list[str] = []
        message_id = None
        async for chunk in models[index].astream(question):
            joined.append(chunk.text)
            message_id = message_id or chunk.id
            yield chunk
        yield {"messages": [AIMessage("".join(joined), id=message_id)]}

    return fan_out_graph(branch, count)


# -- the model alone ------------------------------------------------------------------------


def bare_sync(params: Params) -> SyncRun:
    """The fake model's own ``stream()`` of ``n`` tokens: its cost, no framework."""
    model = fake_model(answer_tokens=params["n"], call_tool=False)
    return lambda: model.stream("Summarise the records.")


def bare_async(params: Params) -> AsyncRun:
    """The fake model's own ``astream()`` of ``n`` tokens: its cost, no framework."""
    model = fake_model(answer_tokens=params["n"], call_tool=False)
    return lambda: model.astream("Summarise the records.")


def raw_sync(params: Params) -> SyncRun:
    """The provider's raw chunk stream (the fake model's ``_stream``): what any path costs."""
    from langchain_core.messages import HumanMessage

    model, question = fake_model(answer_tokens=params["n"], call_tool=False), [HumanMessage("?")]
    return lambda: model._stream(question)


def raw_async(params: Params) -> AsyncRun:
    """The provider's raw async chunk stream (the fake model's ``_astream``)."""
    from langchain_core.messages import HumanMessage

    model, question = fake_model(answer_tokens=params["n"], call_tool=False), [HumanMessage("?")]
    return lambda: model._astream(question)


# -- traced: a LangChain tracer in the run config on both sides ------------------------------


def null_tracer() -> Any:
    """A LangChain tracer that builds every run and sends nothing: LangSmith's
    ``LangChainTracer`` without the network, called inline as it is (``run_inline``; a
    handler without it is called through an executor, per token, on async paths)."""
    from langchain_core.tracers.base import BaseTracer

    def _persist_run(self: Any, run: Any) -> None:
        return None

    namespace = {"_persist_run": _persist_run, "run_inline": True}
    return type("NullTracer", (BaseTracer,), namespace)()


def traced_faces(build: Callable[[Params], Any]) -> Faces:
    """``stream`` / ``astream`` of ``build``'s graph with a :func:`null_tracer` configured."""

    def sync(params: Params) -> SyncRun:
        graph, modes = build(params), list(params["modes"])
        return lambda: graph.stream(inputs(), {"callbacks": [null_tracer()]}, stream_mode=modes)

    def asynchronous(params: Params) -> AsyncRun:
        graph, modes = build(params), list(params["modes"])
        return lambda: graph.astream(inputs(), {"callbacks": [null_tracer()]}, stream_mode=modes)

    return {"sync": sync, "async": asynchronous}


# -- LangGraph ------------------------------------------------------------------------------


def _langgraph_agent(params: Params) -> Any:
    from langchain.agents import create_agent
    from langchain_core.tools import tool
    from langgraph.config import get_stream_writer

    count_reports = params["k"]

    def fetch_records(count: int) -> str:
        """Fetch the last `count` customer records from the CRM."""
        writer = get_stream_writer()
        for index in range(1, count_reports + 1):
            done = count * index // count_reports
            writer({"progress": f"Fetched {done}/{count} records", "done": done, "total": count})
        return f"Fetched {count} records: 62 active, 38 churned or at risk, 112 support tickets."

    model = fake_model(answer_tokens=params["n"], progress=params["k"])
    make_tool: Any = tool  # called, not used as a decorator: untyped without langchain
    return create_agent(model=model, tools=[make_tool(fetch_records)])


def _langgraph_branches(params: Params, *, asynchronous: bool) -> Any:
    from langgraph.graph import END, START, MessagesState, StateGraph

    count = branches(params)
    tokens = params["n"] // count
    graph = StateGraph(MessagesState)
    for index in range(count):
        model = fake_model(answer_tokens=tokens, call_tool=False)
        if asynchronous:

            async def node(state: Any, model: Any = model) -> dict[str, Any]:
                return {"messages": [await model.ainvoke(state["messages"])]}
        else:

            def node(state: Any, model: Any = model) -> dict[str, Any]:  # type: ignore[misc]
                return {"messages": [model.invoke(state["messages"])]}

        graph.add_node(f"branch_{index}", node)
        graph.add_edge(START, f"branch_{index}")
        graph.add_edge(f"branch_{index}", END)
    return graph.compile()


def _langgraph_fan_out_sync(params: Params) -> SyncRun:
    graph, modes = _langgraph_branches(params, asynchronous=False), list(params["modes"])
    return lambda: graph.stream(inputs(), stream_mode=modes)


def _langgraph_fan_out_async(params: Params) -> AsyncRun:
    graph, modes = _langgraph_branches(params, asynchronous=True), list(params["modes"])
    return lambda: graph.astream(inputs(), stream_mode=modes)


ADAPTED = "rxagent + LangChain model"
"""The row of a LangChain model through LangChain's own path (``fast_path=False``)."""
FAST = "rxagent + LangChain model (fast path)"
"""The row of a LangChain model through rxagent's fast path (the default)."""
RAW = "LangChain model raw chunks"
"""The row of the provider's raw chunk stream alone."""


def register_all() -> None:
    """Register the LangChain-model rows of workloads 1, 2 and 6."""
    builds: dict[str, tuple[Callable[[Params], Any], Callable[[Params], Any]]] = {
        "one_tool_call": (_langchains_path, _adapted_agent),
        "fan_out": (partial(_adapted_branches, fast_path=False), _adapted_branches),
    }
    for workload, (slow, fast) in builds.items():
        faces: Faces = {"sync": sync_face(slow), "async": async_face(slow)}
        register(Implementation(workload, ADAPTED, faces, LANGCHAIN))
        faces = {"sync": sync_face(fast), "async": async_face(fast)}
        register(Implementation(workload, FAST, faces, LANGCHAIN))
    fast_faces: Faces = {"sync": sync_face(_adapted_agent), "async": async_face(_adapted_agent)}
    register(Implementation("langchain_long", FAST, fast_faces, LANGCHAIN))
    raw: Faces = {"sync": raw_sync, "async": raw_async}
    for workload in ("one_tool_call", "langchain_long"):
        register(Implementation(workload, RAW, raw, LANGCHAIN))
    traced = f"{ADAPTED} (traced)"
    register(Implementation("one_tool_call", traced, traced_faces(_adapted_agent), LANGCHAIN))
    lg_traced = traced_faces(_langgraph_agent)
    register(Implementation("one_tool_call", "langgraph (traced)", lg_traced, LANGGRAPH))
    lg_agent: Faces = {"sync": sync_face(_langgraph_agent), "async": async_face(_langgraph_agent)}
    register(Implementation("one_tool_call", "langgraph", lg_agent, LANGGRAPH))
    lg_fan: Faces = {"sync": _langgraph_fan_out_sync, "async": _langgraph_fan_out_async}
    register(Implementation("fan_out", "langgraph", lg_fan, LANGGRAPH))
    bare: Faces = {"sync": bare_sync, "async": bare_async}
    register(Implementation("one_tool_call", "LangChain model alone", bare, LANGCHAIN))
