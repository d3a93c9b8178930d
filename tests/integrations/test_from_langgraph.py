"""``from_langgraph``: LangGraph's own stream, mode by mode, as stamped rxagent events.

The differential tests run each graph twice, once through LangGraph's
``graph.stream(input, stream_mode=modes, subgraphs=True)`` and once through
``from_langgraph(graph, input, stream_mode=modes)``, and compare, for every mode, the
``(ns, chunk)`` sequence of one with ``filter_mode(mode)`` of the other: same payloads,
same order, same namespaces, ids aside.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
import reactivex
from reactivex import Observable

from rxagent import operators as ops
from rxagent._types import STREAM_MODES, StreamMode
from rxagent.bridges import to_iter
from rxagent.events import Event, MessageEvent
from rxagent.integrations.langgraph import from_langgraph
from tests.graph.test_layering import imports_of
from tests.integrations.test_from_langgraph_graphs import (
    INPUT,
    Kaboom,
    agent_in_graph,
    failing_graph,
    interrupting_graph,
    nested_graph,
    normalised,
    simple_graph,
    weather_agent,
)

PACKAGE = Path(__file__).parents[2] / "rxagent"

GRAPHS: dict[str, tuple[Callable[[], Any], Any]] = {
    "simple": (simple_graph, {"log": []}),
    "subgraph": (nested_graph, {"log": []}),
    "agent": (lambda: weather_agent("Paris"), INPUT),
    "agent-in-a-graph": (agent_in_graph, INPUT),
}
"""Each graph, with its input: deterministic runs."""

MODE_SETS: list[tuple[StreamMode, ...]] = [
    STREAM_MODES,
    ("updates", "messages", "custom"),
    ("values", "tasks"),
    ("custom",),
]


def collect(events: Observable[Event]) -> list[Event]:
    """Every event of a run, from a plain iterator."""
    return list(to_iter(events))


def langgraph_parts(
    graph: Any, input: Any, modes: Sequence[str], config: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """LangGraph's own ``(ns, mode, chunk)`` parts of a run."""
    return list(graph.stream(input, config, stream_mode=list(modes), subgraphs=True))


def per_mode(
    mode: StreamMode, parts: list[tuple[Any, ...]], events: Observable[Event] | list[Event]
) -> tuple[list[str], list[str]]:
    """The ``(ns, chunk)`` sequences of ``mode``: LangGraph's parts, and ``events`` through
    ``filter_mode(mode)`` (a run, or the events of one)."""
    theirs = [(ns, chunk) for ns, part_mode, chunk in parts if part_mode == mode]
    source = events if isinstance(events, Observable) else reactivex.from_iterable(events)
    filtered = collect(source.pipe(ops.filter_mode(mode)))
    ours = [(event.ns, event.data) for event in filtered]
    return normalised(theirs), normalised(ours)


def until_error(items: Iterable[Any]) -> tuple[list[Any], Exception]:
    """The items before the iteration raised, and what it raised."""
    seen: list[Any] = []
    try:
        for item in items:
            seen.append(item)
    except Exception as error:
        return seen, error
    raise AssertionError("the iteration did not raise")


# -- differential ---------------------------------------------------------------------


@pytest.mark.parametrize("modes", MODE_SETS, ids=lambda modes: "+".join(modes))
@pytest.mark.parametrize("name", list(GRAPHS))
def test_each_mode_is_what_langgraph_streams(name: str, modes: tuple[StreamMode, ...]) -> None:
    make, input = GRAPHS[name]
    graph = make()
    parts = langgraph_parts(graph, input, modes)
    events = from_langgraph(graph, input, stream_mode=modes)
    assert {event.mode for event in collect(events)} == {mode for _, mode, _ in parts}
    for mode in modes:
        theirs, ours = per_mode(mode, parts, events)  # a run per mode
        assert ours == theirs, mode


def test_without_subgraphs_it_is_what_langgraph_streams_without_them() -> None:
    graph = agent_in_graph()
    modes: list[StreamMode] = ["updates", "messages", "custom", "values"]
    parts = [((), mode, chunk) for mode, chunk in graph.stream(INPUT, stream_mode=modes)]
    events = collect(from_langgraph(graph, INPUT, stream_mode=modes, subgraphs=False))
    assert {event.ns for event in events} == {()}
    for mode in modes:
        theirs, ours = per_mode(mode, parts, events)
        assert ours == theirs, mode


def test_an_interrupt_is_what_langgraph_streams() -> None:
    graph = interrupting_graph()
    thread = {"configurable": {"thread_id": str(uuid.uuid4())}}
    parts = langgraph_parts(graph, {"log": []}, STREAM_MODES, thread)
    thread = {"configurable": {"thread_id": str(uuid.uuid4())}}
    events = collect(from_langgraph(graph, {"log": []}, config=thread))
    for mode in STREAM_MODES:
        theirs, ours = per_mode(mode, parts, events)
        assert ours == theirs, mode
    (interrupted,) = [e for e in events if e.mode == "updates"]
    assert "__interrupt__" in interrupted.data
    assert (interrupted.node, interrupted.step) == ("ask", 1)
    assert interrupted.task_id == next(e.task_id for e in events if e.mode == "tasks")


def test_a_failing_node_errors_the_observable_after_the_events_before_it() -> None:
    graph = failing_graph()
    parts, theirs = until_error(
        graph.stream({"log": []}, stream_mode=list(STREAM_MODES), subgraphs=True)
    )
    events: list[Event] = []
    errors: list[Exception] = []
    from_langgraph(graph, {"log": []}).subscribe(events.append, errors.append)  # no loop
    assert [type(error) for error in errors] == [Kaboom]
    assert str(errors[0]) == str(theirs) == "kaboom"
    for mode in STREAM_MODES:
        mine, langgraphs = per_mode(mode, parts, events)
        assert mine == langgraphs, mode
    result: Any = events[-1].data  # the failed task's result carries the error, as LangGraph's
    assert (events[-1].mode, events[-1].node, type(result["error"])) == ("tasks", "broken", Kaboom)


def test_a_failing_node_raises_from_the_iterator_after_the_events_before_it() -> None:
    events, error = until_error(to_iter(from_langgraph(failing_graph(), {"log": []})))
    assert type(error) is Kaboom
    assert [event.mode for event in events][-3:] == ["tasks", "custom", "tasks"]


# -- stamping -------------------------------------------------------------------------


def test_every_event_has_the_run_id_and_a_seq_in_emission_order() -> None:
    run_id = uuid.uuid4()
    events = collect(from_langgraph(weather_agent("Paris"), INPUT, config={"run_id": run_id}))
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert {event.run_id for event in events} == {str(run_id)}
    other = collect(from_langgraph(weather_agent("Paris"), INPUT))
    assert len({event.run_id for event in other}) == 1
    assert other[0].run_id != str(run_id)
    uuid.UUID(other[0].run_id)  # a UUID of its own, given to LangGraph as the run's id


def test_messages_events_carry_node_step_and_task_of_their_metadata() -> None:
    events = collect(from_langgraph(agent_in_graph(), INPUT))
    messages = [event for event in events if isinstance(event, MessageEvent)]
    assert messages
    for event in messages:
        message, metadata = event.data
        assert event.node == metadata["langgraph_node"]
        assert event.step == metadata["langgraph_step"]
        checkpoint_ns = metadata["langgraph_checkpoint_ns"]
        assert checkpoint_ns.endswith(f"{event.node}:{event.task_id}")
        assert event.ns == tuple(checkpoint_ns.split("|")[:-1])
        expected_call = message.tool_call_id if message.type == "tool" else None
        assert event.tool_call_id == expected_call
    assert {event.ns[0].partition(":")[0] for event in messages if event.ns} == {"agent"}


def test_tasks_updates_and_values_carry_their_task_and_superstep() -> None:
    events = collect(from_langgraph(nested_graph(), {"log": []}))
    tasks = {(e.ns, e.data["id"]): e for e in events if e.mode == "tasks" and "input" in e.data}
    for event in events:
        if event.mode == "tasks" or (event.mode == "updates" and event.ns):
            task = tasks[event.ns, event.task_id]
            assert (event.node, event.step) == (task.data["name"], task.step)
    steps = [(event.ns == (), event.step) for event in events if event.mode == "values"]
    assert steps == [(True, 0), (True, 1), (False, 0), (False, 1), (False, 2), (True, 2)]
    names = [(event.node, event.step) for event in events if event.mode == "updates"]
    assert names == [("before", 1), ("inner_a", 1), ("inner_b", 2), ("inner", 2)]
    assert all(event.node is None and event.task_id is None for e in events if e.mode == "values")


def test_custom_and_tools_events_of_one_tool_call_are_attributed_to_it() -> None:
    events = collect(from_langgraph(weather_agent("Paris"), INPUT))
    (start,) = [e for e in events if e.mode == "tasks" and e.node == "tools" and "input" in e.data]
    attributed = [event for event in events if event.mode in ("custom", "tools")]
    assert [event.data.get("progress", event.data.get("event")) for event in attributed] == [
        "tool-started",
        "Looking up Paris",
        "Found Paris",
        "tool-finished",
    ]
    for event in attributed:
        assert (event.node, event.task_id, event.step) == ("tools", start.task_id, 2)
        assert event.tool_call_id == "call_1"
    (update,) = [e for e in events if e.mode == "updates" and e.node == "tools"]
    assert update.task_id == start.task_id


@pytest.mark.parametrize("attempt", range(3))
def test_parallel_tool_calls_are_attributed_only_where_certain(attempt: int) -> None:
    events = collect(from_langgraph(weather_agent("Paris", "Rome"), INPUT))
    starts = {e.task_id: e for e in events if e.mode == "tasks" and "input" in e.data}
    call_of_task = {
        task_id: start.data["input"][0]["id"]
        for task_id, start in starts.items()
        if start.node == "tools"
    }
    city = {"call_1": "Paris", "call_2": "Rome"}
    for event in events:
        if event.mode == "tools":  # create_agent: the task whose input is the call
            assert call_of_task[event.task_id] == event.tool_call_id
        elif event.mode == "custom" and event.task_id is not None:
            assert call_of_task[event.task_id] == event.tool_call_id
            assert event.data["progress"].endswith(city[str(event.tool_call_id)])
        elif event.mode == "custom":
            assert (event.node, event.tool_call_id) == (None, None)
        elif event.mode == "updates" and event.node == "tools":
            (message,) = event.data["tools"]["messages"]
            assert call_of_task[event.task_id] == message.tool_call_id


def test_context_and_config_reach_the_graph() -> None:
    from langgraph.runtime import get_runtime

    from tests.integrations.test_from_langgraph_graphs import State

    def node(state: State) -> dict[str, Any]:
        return {"log": [f"{get_runtime().context}"]}

    from langgraph.graph import START, StateGraph

    graph = StateGraph(State).add_node("node", node).add_edge(START, "node").compile()
    config = {"configurable": {"thread_id": "t"}, "metadata": {"request": "r-1"}}
    events = from_langgraph(graph, {"log": []}, config=config, context="ctx")
    (update,) = [e for e in collect(events) if e.mode == "updates"]
    assert update.data == {"node": {"log": ["ctx"]}}
    assert config == {"configurable": {"thread_id": "t"}, "metadata": {"request": "r-1"}}


def test_an_unknown_stream_mode_is_a_value_error_at_once() -> None:
    with pytest.raises(ValueError, match="Unknown stream mode 'debug'"):
        from_langgraph(simple_graph(), {"log": []}, stream_mode=["updates", "debug"])  # type: ignore[list-item]


def test_each_subscription_is_a_run_of_its_own() -> None:
    events = from_langgraph(simple_graph(), {"log": []}, stream_mode="updates")
    first, second = collect(events), collect(events)
    assert [e.data for e in first] == [e.data for e in second]
    assert first[0].run_id != second[0].run_id


# -- layering ---------------------------------------------------------------------------


def test_importing_rxagent_imports_no_langgraph() -> None:
    code = (
        "import sys, rxagent, rxagent.integrations.langgraph, rxagent.operators, "
        "rxagent.bridges\n"
        "found = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'langgraph', 'langchain', 'langchain_core'})\n"
        "print(found)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_langgraph_is_imported_only_inside_functions_and_nothing_imports_upwards() -> None:
    for stem in ("langgraph", "_langgraph_stamp"):
        tree = ast.parse((PACKAGE / "integrations" / f"{stem}.py").read_text())
        top: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                top.add(node.module.partition(".")[0])
            elif isinstance(node, ast.Import):
                top.update(alias.name.partition(".")[0] for alias in node.names)
        assert not top & {"langgraph", "langchain", "langchain_core"}, stem
    # the integration sits on top: nothing imports it but the serving layer, which is above
    # it (rxagent serve runs LangGraph graphs through from_langgraph)
    integration = ("rxagent.integrations.langgraph", "rxagent.integrations._langgraph")
    for path in PACKAGE.rglob("*.py"):
        found = {m for m in imports_of(path) if m.startswith(integration)}
        serving = path.parent == PACKAGE / "integrations" / "web"
        assert path.stem == "langgraph" or serving or not found, path
