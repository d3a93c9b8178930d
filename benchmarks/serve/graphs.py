"""The graph both servers run: one node that writes timestamped ``custom`` events at a pace.

The same code builds an rxagent graph (``rx_graph``) and a LangGraph graph (``lg_graph``);
only the imports differ. Each payload carries ``t``, the wall clock in ns when it was
written, so the client measures emission → arrival (both processes share the clock).
Events are paced (``PERIOD`` seconds apart) so latency shows the serving path, not a
backlog; ``EVENTS`` and ``PERIOD`` come from the run's ``input`` so one graph serves every
size.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

EVENTS = 200
"""Default events per run."""
PERIOD = 0.002
"""Default seconds between two events of a run."""


class State(TypedDict, total=False):
    events: int
    period: float
    written: int


async def emit(state: State, writer: Any) -> dict[str, Any]:
    """Write ``events`` payloads ``{"i", "t"}``, ``period`` seconds apart."""
    count = int(state.get("events", EVENTS))
    period = float(state.get("period", PERIOD))
    start = time.perf_counter()
    for i in range(count):
        writer({"i": i, "t": time.time_ns()})
        delay = start + (i + 1) * period - time.perf_counter()
        await asyncio.sleep(max(delay, 0.0))
    return {"written": count}


def rx_graph() -> Any:
    """The rxagent graph."""
    from rxagent import get_stream_writer
    from rxagent.graph import END, START, StateGraph

    async def node(state: State) -> dict[str, Any]:
        return await emit(state, get_stream_writer())

    return (
        StateGraph(State)
        .add_node("emit", node)
        .add_edge(START, "emit")
        .add_edge("emit", END)
        .compile()
    )


def lg_graph() -> Any:
    """The same graph in LangGraph (only the imports differ)."""
    from langgraph.config import get_stream_writer
    from langgraph.graph import END, START, StateGraph

    async def node(state: State) -> dict[str, Any]:
        return await emit(state, get_stream_writer())

    return (
        StateGraph(State)
        .add_node("emit", node)
        .add_edge(START, "emit")
        .add_edge("emit", END)
        .compile()
    )


def __getattr__(name: str) -> Any:
    """``graphs:rx`` and ``graphs:lg`` build a graph on first use (each server has one library)."""
    builders = {"rx": rx_graph, "lg": lg_graph}
    if name not in builders:
        raise AttributeError(name)
    graph = builders[name]()
    globals()[name] = graph
    return graph
