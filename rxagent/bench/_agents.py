"""Workloads 1 and 2 on rxagent with ``ScriptedModel``, and the pure-Python floors.

Workload 1 (``one_tool_call``): the model streams a sentence and a tool call, the sync tool
writes ``k`` progress events with ``get_stream_writer()``, the model streams ``n`` answer
tokens; consumed in ``params["modes"]``. Workload 2 (``fan_out``): a ``StateGraph`` whose
8 parallel async-generator nodes each stream ``n / 8`` tokens, consumed in the same modes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from rxagent.bench._core import (
    AsyncRun,
    Faces,
    Implementation,
    Params,
    Prepare,
    PushRun,
    SyncRun,
    register,
)

BRANCHES = 8
"""Parallel branches of the fan-out workload."""


def inputs() -> dict[str, Any]:
    """The user's question, in LangChain's input shape."""
    return {"messages": [{"role": "user", "content": "Summarise the records."}]}


def scripted_agent(params: Params) -> Any:
    """Workload 1's agent on ``ScriptedModel``: a tool call, K progress events, N tokens."""
    from rxagent._demo import fetch_records_tool
    from rxagent.agent import create_agent
    from rxagent.messages import AIMessage
    from rxagent.models import ScriptedModel

    call = {"name": "fetch_records", "args": {"count": params["k"]}, "id": "call_1"}
    answer = " ".join(["token"] * params["n"])
    model = ScriptedModel([AIMessage("Fetching the records.", tool_calls=[call]), answer])
    return create_agent(model, [fetch_records_tool()])


def fan_out_graph(branch: Callable[[int], AsyncIterator[Any]]) -> Any:
    """A ``StateGraph``: START → 8 parallel nodes (``branch(i)``'s items) → END."""
    from rxagent.agent import AgentState
    from rxagent.graph import END, START, StateGraph

    graph = StateGraph(AgentState)
    for index in range(BRANCHES):
        name = f"branch_{index}"

        async def node(_state: AgentState, index: int = index) -> AsyncIterator[Any]:
            async for item in branch(index):
                yield item

        graph.add_node(name, node)
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    return graph.compile(name="fan_out")


def _scripted_branches(params: Params) -> Any:
    from rxagent.messages import AIMessage
    from rxagent.models import ScriptedModel

    tokens = params["n"] // BRANCHES
    models = [ScriptedModel([" ".join(["token"] * tokens)]) for _ in range(BRANCHES)]

    async def branch(index: int) -> AsyncIterator[Any]:
        joined: list[str] = []
        message_id = None
        async for chunk in models[index].astream([]):
            joined.append(chunk.text)
            message_id = message_id or chunk.id
            yield chunk
        yield {"messages": [AIMessage("".join(joined), id=message_id)]}

    return fan_out_graph(branch)


def sync_face(build: Callable[[Params], Any]) -> Prepare:
    """``graph.stream(inputs, stream_mode=modes)`` of the graph ``build`` returns."""

    def prepare(params: Params) -> SyncRun:
        graph, modes = build(params), list(params["modes"])
        return lambda: graph.stream(inputs(), stream_mode=modes)

    return prepare


def async_face(build: Callable[[Params], Any]) -> Prepare:
    """``graph.astream(inputs, stream_mode=modes)`` of the graph ``build`` returns."""

    def prepare(params: Params) -> AsyncRun:
        graph, modes = build(params), list(params["modes"])
        return lambda: graph.astream(inputs(), stream_mode=modes)

    return prepare


# -- the floors ---------------------------------------------------------------------------


def subject_floor(params: Params) -> PushRun:
    """N ``MessageEvent``\\s (``model_construct``) → Subjects (``branches``) → filter → map."""
    import reactivex
    from reactivex import operators as ops
    from reactivex.subject import Subject

    from rxagent.events import MessageEvent
    from rxagent.messages import AIMessageChunk

    construct = MessageEvent.model_construct
    chunk, metadata = AIMessageChunk(" token", id="run-1"), {"langgraph_node": "model"}
    n, branches = params["n"], params.get("branches", 1)
    wanted = frozenset(params["modes"])

    def keep(event: Any) -> bool:
        return event.mode in wanted

    def shape(event: Any) -> tuple[str, Any]:
        return event.mode, event.data

    def run(on_next: Callable[[Any], None]) -> None:
        subjects: list[Subject[Any]] = [Subject() for _ in range(branches)]
        merged = subjects[0] if branches == 1 else reactivex.merge(*subjects)
        merged.pipe(ops.filter(keep), ops.map(shape)).subscribe(on_next)
        pushes = [subject.on_next for subject in subjects]
        for seq in range(n):
            pushes[seq % branches](
                construct(node="model", step=3, task_id="t", seq=seq, data=(chunk, metadata))
            )
        for subject in subjects:
            subject.on_completed()

    return run


def generator_floor(params: Params) -> SyncRun:
    """A bare generator yielding ``(mode, data)`` of N ``MessageEvent``\\s it constructs."""
    from rxagent.events import MessageEvent
    from rxagent.messages import AIMessageChunk

    construct = MessageEvent.model_construct
    chunk, metadata = AIMessageChunk(" token", id="run-1"), {"langgraph_node": "model"}

    def run() -> Any:
        for seq in range(params["n"]):
            event = construct(node="model", step=3, task_id="t", seq=seq, data=(chunk, metadata))
            yield event.mode, event.data

    return run


def _merged_floor(params: Params) -> PushRun:
    return subject_floor({**params, "branches": BRANCHES})


def register_all() -> None:
    """Register the rxagent (``ScriptedModel``) and floor rows of workloads 1 and 2."""
    for workload, build in (("one_tool_call", scripted_agent), ("fan_out", _scripted_branches)):
        faces: Faces = {"sync": sync_face(build), "async": async_face(build)}
        register(Implementation(workload, "rxagent", faces))
    register(Implementation("one_tool_call", "floor: Subject", {"push": subject_floor}))
    register(Implementation("fan_out", "floor: Subject", {"push": _merged_floor}))
    register(Implementation("one_tool_call", "floor: generator", {"sync": generator_floor}))
