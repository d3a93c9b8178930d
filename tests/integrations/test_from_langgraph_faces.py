"""``from_langgraph`` through every face: plain subscribe, the bridges, backpressure, and
cancellation reaching LangGraph's tasks, subgraphs included.

No real sleeps: nodes wait on events the test sets, and the loop is given turns
(``asyncio.sleep(0)``), never time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import aclosing
from typing import Any, Literal

import pytest

pytest.importorskip("langgraph")

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import get_runtime
from reactivex import abc

from rxagent._flow import Flow, LoopScheduler
from rxagent.bridges import BufferOverflowError, to_aiter, to_iter
from rxagent.events import Event
from rxagent.integrations.langgraph import from_langgraph
from tests.integrations.test_from_langgraph_graphs import State, simple_graph

Face = Literal["observable", "aiter", "iter"]
FACES: tuple[Face, ...] = ("observable", "aiter", "iter")


async def turns(done: Callable[[], bool], most: int = 2000) -> bool:
    """Give the loop up to ``most`` turns until ``done()``; whether it became true."""
    for _ in range(most):
        if done():
            return True
        await asyncio.sleep(0)
    return done()


# -- faces ------------------------------------------------------------------------------


def test_subscribing_without_a_loop_runs_the_graph_inside_subscribe() -> None:
    events: list[Event] = []
    ended: list[str] = []
    from_langgraph(simple_graph(), {"log": []}, stream_mode="updates").subscribe(
        events.append, lambda error: ended.append(repr(error)), lambda: ended.append("done")
    )
    assert [event.node for event in events] == ["first", "second"]
    assert ended == ["done"]


async def test_subscribing_on_a_running_loop_runs_there() -> None:
    events: list[Event] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    threads: set[int] = set()

    def on_next(event: Event) -> None:
        threads.add(threading.get_ident())
        events.append(event)

    source = from_langgraph(simple_graph(), {"log": []}, stream_mode="updates")
    source.subscribe(on_next, on_completed=done.set)
    assert events == []  # not inside subscribe: on the loop
    await asyncio.wait_for(done.wait(), 60)  # a hang guard, not a timing
    assert [event.node for event in events] == ["first", "second"]
    assert threads == {threading.get_ident()}
    assert loop.is_running()


async def test_to_aiter_yields_the_run() -> None:
    source = from_langgraph(simple_graph(), {"log": []}, stream_mode=["custom", "updates"])
    modes = [event.mode async for event in to_aiter(source)]
    assert modes == ["custom", "updates", "updates"]


async def test_to_iter_works_inside_a_running_loop() -> None:
    source = from_langgraph(simple_graph(), {"log": []}, stream_mode="updates")
    assert [event.node for event in to_iter(source)] == ["first", "second"]


def test_subscribing_from_a_thread_while_a_loop_runs_elsewhere() -> None:
    found: list[Event] = []

    async def elsewhere() -> None:
        def subscribe() -> None:
            source = from_langgraph(simple_graph(), {"log": []}, stream_mode="updates")
            source.subscribe(found.append)

        await asyncio.to_thread(subscribe)  # a plain thread: the run is its own

    asyncio.run(elsewhere())
    assert [event.node for event in found] == ["first", "second"]


# -- backpressure -----------------------------------------------------------------------

STEPS = 40


def counting_graph(count: list[int]) -> Any:
    """``tick`` runs ``STEPS`` times (an async node: everything on the loop)."""

    async def tick(state: State) -> dict[str, Any]:
        count[0] += 1
        get_stream_writer()({"tick": count[0]})
        return {"log": ["tick"]}

    def again(state: State) -> str:
        return "tick" if len(state["log"]) < STEPS else END

    builder = StateGraph(State).add_node("tick", tick).add_edge(START, "tick")
    return builder.add_conditional_edges("tick", again).compile()


async def test_a_slow_consumer_holds_langgraph_back() -> None:
    count = [0]
    source = from_langgraph(
        counting_graph(count),
        {"log": []},
        config={"recursion_limit": 100},
        stream_mode=["custom", "updates"],
    )
    maxsize = 4
    events = to_aiter(source, maxsize=maxsize)
    async with aclosing(events):
        first = await anext(events)
        await turns(lambda: False, 300)  # the consumer lags: the run goes on alone
        held = events.statistics().held
        assert held <= maxsize + 2  # one LangGraph part gives at most two events
        assert count[0] < STEPS // 2  # the next supersteps wait for the consumer
        rest = [event async for event in events]
    assert [first.data, *(e.data for e in rest)][-2:] == [
        {"tick": STEPS},
        {"tick": {"log": ["tick"]}},
    ]
    assert len(rest) + 1 == 2 * STEPS
    assert events.statistics().high_water <= maxsize + 2


async def test_an_overflowing_consumer_stops_the_run_with_overflow_error() -> None:
    count = [0]
    source = from_langgraph(
        counting_graph(count),
        {"log": []},
        config={"recursion_limit": 100},
        stream_mode=["custom", "updates"],
    )
    events = to_aiter(source, maxsize=2, overflow="error")
    async with aclosing(events):
        await anext(events)
        await turns(lambda: False, 300)  # the consumer lags: the buffer overflows
        with pytest.raises(BufferOverflowError):
            await anext(events)
    ran = count[0]
    await turns(lambda: False, 300)
    assert count[0] == ran < STEPS  # the run stopped there


# -- cancellation -----------------------------------------------------------------------


class Probe:
    """What a waiting node saw: it started, it was cancelled, the graph went on."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.after = False


def waiting_graph(probe: Probe, shape: str) -> Any:
    """``START -> outer -> after``; ``outer`` runs a subgraph whose node waits forever.

    ``shape="node"``: the subgraph is the node; ``"ainvoke"``: a node awaits
    ``subgraph.ainvoke`` (LangGraph issue #5682).
    """

    async def wait(state: State) -> dict[str, Any]:
        get_stream_writer()({"waiting": True})
        probe.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            probe.cancelled.set()
            raise
        return {"log": ["never"]}

    inner = StateGraph(State).add_node("wait", wait).add_edge(START, "wait").compile()

    async def calls_inner(state: State) -> dict[str, Any]:
        return await inner.ainvoke(state)

    def after(state: State) -> dict[str, Any]:
        probe.after = True
        return {"log": ["after"]}

    outer = inner if shape == "node" else calls_inner
    builder = StateGraph(State).add_node("outer", outer).add_node("after", after)
    return builder.add_edge(START, "outer").add_edge("outer", "after").compile()


async def first_then_stop(source: Any, face: Face) -> list[Event]:
    """Take the first event through ``face``, then stop the run the face's way; return
    what reached the consumer."""
    got: list[Event] = []
    if face == "aiter":
        events = to_aiter(source)
        async with aclosing(events):
            got.append(await anext(events))
    elif face == "iter":
        iterator = to_iter(source)
        got.append(next(iterator))
        iterator.close()
    else:
        first = asyncio.Event()

        def on_next(event: Event) -> None:
            got.append(event)
            first.set()

        subscription: abc.DisposableBase = source.subscribe(on_next)
        await asyncio.wait_for(first.wait(), 60)
        subscription.dispose()
    return got


@pytest.mark.parametrize("shape", ["node", "ainvoke"])
@pytest.mark.parametrize("face", FACES)
async def test_stopping_cancels_a_node_inside_a_subgraph(face: Face, shape: str) -> None:
    probe = Probe()
    source = from_langgraph(waiting_graph(probe, shape), {"log": []}, stream_mode="custom")
    got = await first_then_stop(source, face)
    assert [event.data for event in got] == [{"waiting": True}]
    assert got[0].node == "wait"
    assert got[0].ns[0].startswith("outer:")
    if face == "observable":  # disposed on the loop: the cancellation is under way
        assert await turns(probe.cancelled.is_set)
    assert probe.cancelled.is_set()  # the bridges return once LangGraph cleaned up
    await turns(lambda: probe.after, 200)
    assert not probe.after  # and the graph went no further


async def test_a_subscription_disposed_from_another_thread_waits_for_the_cleanup() -> None:
    probe = Probe()
    loop = asyncio.get_running_loop()
    flow = Flow()
    source = from_langgraph(waiting_graph(probe, "node"), {"log": []}, stream_mode="custom")
    subscription = source.subscribe(lambda _: None, scheduler=LoopScheduler(loop, flow))
    await asyncio.to_thread(probe.started.wait, 60)
    await asyncio.to_thread(subscription.dispose)  # returns once LangGraph cleaned up
    assert probe.cancelled.is_set()


async def test_stopping_a_run_held_back_by_its_consumer_closes_langgraphs_stream() -> None:
    probe = Probe()

    async def chatty(state: State) -> dict[str, Any]:
        writer = get_stream_writer()
        for index in range(20):
            writer({"chat": index})
        return {"log": ["chatty"]}

    waiting = waiting_graph(probe, "node")
    builder = StateGraph(State).add_node("chatty", chatty).add_node("waiting", waiting)
    graph = builder.add_edge(START, "chatty").add_edge(START, "waiting").compile()
    events = to_aiter(from_langgraph(graph, {"log": []}, stream_mode="custom"), maxsize=2)
    async with aclosing(events):
        await anext(events)
        assert await turns(lambda: events.statistics().held >= 2 and probe.started.is_set())
        # the run now waits for room (not for LangGraph) when the consumer goes away
    assert probe.cancelled.is_set()


class Worker:
    """A sync node in a subgraph: it writes ``{"i": n}``, waits for ``resume``, and goes
    on writing unless (``cooperative``) the run's ``RunControl`` asks it to stop."""

    def __init__(self, cooperative: bool) -> None:
        self.cooperative = cooperative
        self.resume = threading.Event()
        self.ended = threading.Event()
        self.writes = 0
        self.stopped_by = ""

    def __call__(self, state: State) -> dict[str, Any]:
        control = get_runtime().control
        writer = get_stream_writer()
        try:
            for index in range(5):
                if self.cooperative and control is not None and control.drain_requested:
                    self.stopped_by = "drain"
                    break
                writer({"i": index})
                self.writes += 1
                self.resume.wait(60)
            else:
                self.stopped_by = "its end"
        except RuntimeError as error:  # the run's own loop is closed
            self.stopped_by = str(error)
        finally:
            self.ended.set()
        return {"log": ["worker"]}

    def graph(self) -> Any:
        inner = StateGraph(State).add_node("worker", self).add_edge(START, "worker").compile()
        return StateGraph(State).add_node("inner", inner).add_edge(START, "inner").compile()


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("cooperative", [True, False], ids=["cooperative", "blocking"])
async def test_a_sync_nodes_thread_does_not_feed_a_stopped_run(
    face: Face, cooperative: bool
) -> None:
    worker = Worker(cooperative)
    source = from_langgraph(worker.graph(), {"log": []}, stream_mode="custom")
    got = await first_then_stop(source, face)
    worker.resume.set()  # the thread goes on after the run was stopped
    assert await asyncio.to_thread(worker.ended.wait, 60)
    assert [event.data for event in got] == [{"i": 0}]  # nothing reached the consumer since
    if cooperative:  # it saw ``get_runtime().control.drain_requested``
        assert (worker.stopped_by, worker.writes) == ("drain", 1)
    elif face == "iter":  # its next write found the run's private loop closed
        assert (worker.stopped_by, worker.writes) == ("Event loop is closed", 1)
    else:  # Python cannot stop it: it writes into LangGraph's abandoned queue
        assert worker.stopped_by == "its end"
