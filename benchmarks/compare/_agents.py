"""Workloads 1 and 2 on rxagent with ``ScriptedModel``, and the floors.

Workload 1 (``one_tool_call``): the model streams a sentence and a tool call, the sync tool
writes ``k`` progress events with ``get_stream_writer()``, the model streams ``n`` answer
tokens; consumed in ``params["modes"]``. Workload 2 (``fan_out``): a ``StateGraph`` whose
8 (or 64) parallel async-generator nodes each stream ``n / branches`` tokens, consumed in the
same modes. The floors are what any Python streaming implementation pays per event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from benchmarks.compare._core import (
    AsyncRun,
    Faces,
    Implementation,
    Params,
    Prepare,
    SyncRun,
    register,
)

BRANCHES = 8
"""Parallel branches of the fan-out workload, unless its ``params["branches"]`` says."""


def branches(params: Params) -> int:
    """The fan-out's parallel branches at ``params``."""
    return int(params.get("branches", BRANCHES))


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


def fan_out_graph(branch: Callable[[int], AsyncIterator[Any]], count: int = BRANCHES) -> Any:
    """A ``StateGraph``: START → ``count`` parallel nodes (``branch(i)``'s items) → END."""
    from rxagent.agent import AgentState
    from rxagent.graph import END, START, StateGraph

    graph = StateGraph(AgentState)
    for index in range(count):
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

    count = branches(params)
    tokens = params["n"] // count
    models = [ScriptedModel([" ".join(["token"] * tokens)]) for _ in range(count)]

    async def branch(index: int) -> AsyncIterator[Any]:
        joined: list[str] = []
        message_id = None
        async for chunk in models[index].astream([]):
            joined.append(chunk.text)
            message_id = message_id or chunk.id
            yield chunk
        yield {"messages": [AIMessage("".join(joined), id=message_id)]}

    return fan_out_graph(branch, count)


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


def chunk_floor_sync(params: Params) -> SyncRun:
    """A generator yielding ``(chunk, metadata)``, one rxagent token chunk built per event.

    The chunk is the ``AIMessageChunk`` rxagent streams per token, built the cheapest public
    way (``rxagent.messages.text_chunk``): the least any Python implementation that hands
    LangChain-shaped ``messages`` tuples to a consumer pays per event.
    """
    from rxagent.messages import text_chunk

    metadata = {"langgraph_node": "model", "langgraph_step": 3}
    n = _events(params)

    def run() -> Iterator[Any]:
        for _ in range(n):
            yield text_chunk(" token", "run-1"), metadata

    return run


def chunk_floor_async(params: Params) -> AsyncRun:
    """:func:`chunk_floor_sync` through an async generator."""
    from rxagent.messages import text_chunk

    metadata = {"langgraph_node": "model", "langgraph_step": 3}
    n = _events(params)

    async def run() -> AsyncIterator[Any]:
        for _ in range(n):
            yield text_chunk(" token", "run-1"), metadata

    return run


def bare_floor_sync(params: Params) -> SyncRun:
    """A bare generator yielding one constant: the price of one hop, nothing built."""
    n, item = _events(params), ("messages", None)

    def run() -> Iterator[Any]:
        for _ in range(n):
            yield item

    return run


def bare_floor_async(params: Params) -> AsyncRun:
    """A bare async generator yielding one constant: the async face's least cost per event."""
    n, item = _events(params), ("messages", None)

    async def run() -> AsyncIterator[Any]:
        for _ in range(n):
            yield item

    return run


def _events(params: Params) -> int:
    """How many events a floor yields: as many as the rxagent row of its group delivers.

    Workload 1: N tokens, K progress events and 11 more (the tool-call turn's tokens and
    chunks, the closing chunks, three updates); workload 2: per branch a closing chunk and
    an update beside its tokens.
    """
    if "k" in params:
        return int(params["n"]) + int(params["k"]) + 11
    return int(params["n"]) + 2 * branches(params)


CHUNK_FLOOR = "floor: token chunk + tuple"
"""The row of :func:`chunk_floor_sync` / :func:`chunk_floor_async`."""
BARE_FLOOR = "floor: bare generator"
"""The row of :func:`bare_floor_sync` / :func:`bare_floor_async`."""


def register_all() -> None:
    """Register the rxagent (``ScriptedModel``) and floor rows of workloads 1 and 2."""
    for workload, build in (("one_tool_call", scripted_agent), ("fan_out", _scripted_branches)):
        faces: Faces = {"sync": sync_face(build), "async": async_face(build)}
        register(Implementation(workload, "rxagent", faces))
    chunk: Faces = {"sync": chunk_floor_sync, "async": chunk_floor_async}
    bare: Faces = {"sync": bare_floor_sync, "async": bare_floor_async}
    for workload in ("one_tool_call", "fan_out"):
        register(Implementation(workload, CHUNK_FLOOR, chunk))
        register(Implementation(workload, BARE_FLOOR, bare))
