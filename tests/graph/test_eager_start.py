"""Runs start eagerly: runs started together stream their first events in start order.

``astream()`` starts its run, and the run its nodes, inside the call (``rxagent._eager``), so
a run that does not wait for anything has its first events before its consumer's first
``anext`` suspends; and its producer yields a turn after its first few events, so the
consumer sees them before the producer's whole slice. A run started first is not held back
by the set-up of runs started after it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import rxagent._flow as flow_module
from rxagent import ScriptedModel, create_agent, get_stream_writer
from rxagent.bridges import to_aiter
from rxagent.graph import START, MessagesState, StateGraph

INPUT = {"messages": [{"role": "user", "content": "go"}]}


async def _first_events_in_order(stream: Any, count: int) -> list[str]:
    log: list[str] = []

    async def one(index: int) -> None:
        log.append(f"start {index}")
        first = True
        async for _ in stream():
            if first:
                log.append(f"first {index}")
                first = False

    await asyncio.gather(*(one(index) for index in range(count)))
    return log


async def test_astream_runs_started_together_stream_in_start_order() -> None:
    words = " ".join(["word"] * 200)
    agent = create_agent(ScriptedModel([words] * 3))
    log = await _first_events_in_order(
        lambda: agent.astream(INPUT, stream_mode=["messages", "updates"]), 3
    )
    assert log == ["start 0", "first 0", "start 1", "first 1", "start 2", "first 2"]


async def test_observed_runs_of_a_graph_stream_in_start_order() -> None:
    async def talk(state: MessagesState) -> dict[str, Any]:
        return {"messages": [{"role": "ai", "content": "hi"}]}

    builder = StateGraph(MessagesState)
    builder.add_node("talk", talk)
    builder.add_edge(START, "talk")
    graph = builder.compile()
    log = await _first_events_in_order(lambda: to_aiter(graph.observe(INPUT)), 3)
    assert log == ["start 0", "first 0", "start 1", "first 1", "start 2", "first 2"]


async def test_the_first_events_come_before_the_producer_fills_its_slice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(flow_module, "YIELD_EVERY", 3600.0)  # no yield for elapsed time
    agent = create_agent(ScriptedModel([" ".join(["word"] * 500)]))
    stream = agent.astream(INPUT, stream_mode="messages")
    await anext(stream)
    # the first look at pacing, after the producer's first item, yields: the consumer got
    # that item, and nothing more was made (not a slice of PACE_EVERY or PACE_HELD)
    assert stream.statistics().held == 0
    await anext(stream)
    assert 0 < stream.statistics().held < flow_module.PACE_HELD + flow_module.PACE_EVERY
    await stream.aclose()


async def test_a_fan_out_streams_its_first_event_before_the_other_branches_start() -> None:
    """The first task of a step starts eagerly, the others at the loop's next turn: a
    fan-out's first event does not wait for the set-up of every branch."""
    log: list[str] = []
    builder = StateGraph(MessagesState)
    for index in range(3):

        async def branch(state: MessagesState, index: int = index) -> dict[str, Any]:
            log.append(f"start {index}")
            get_stream_writer()({"branch": index})
            return {}

        builder.add_node(f"branch_{index}", branch)
        builder.add_edge(START, f"branch_{index}")
    graph = builder.compile()
    async for _ in graph.astream(INPUT, stream_mode="custom"):
        if "first event" not in log:
            log.append("first event")
    assert log == ["start 0", "first event", "start 1", "start 2"]
