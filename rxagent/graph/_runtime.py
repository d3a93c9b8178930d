"""The engine: supersteps over a compiled graph, pushing stamped events to one observer.

One engine serves every face: ``observe()`` subscribes to it directly, ``stream()`` and
``astream()`` through the bridges. As in LangGraph, a step's writes are applied in task
path order (pull tasks by node name, then ``Send`` tasks in the order they were sent),
whatever order the tasks finished in, and a ``values`` event follows only a step that
wrote something.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel
from reactivex import abc

from rxagent._fast import maker
from rxagent._flow import Flow
from rxagent._sink import Sink
from rxagent._types import Namespace, Shape, StreamMode
from rxagent.events import ValuesEvent
from rxagent.graph._command import Command, ParentCommand
from rxagent.graph._constants import GraphRecursionError, InvalidUpdateError, troubleshooting
from rxagent.graph._node import start_node
from rxagent.graph._plan import Graph, Pending, path_key, route
from rxagent.graph._run import Run
from rxagent.graph._state import StateSpec, update_of
from rxagent.graph._task import Task


async def drive(
    graph: Graph,
    input: Any,
    config: Mapping[str, Any] | None,
    modes: frozenset[StreamMode],
    observer: Sink,
    flow: Flow,
    context: Any = None,
    shape: Shape | None = None,
) -> None:
    """Run ``graph`` once, pushing its events to ``observer``, then complete or fail it.

    With ``shape`` (a face's), it pushes shaped items instead of events.
    """
    try:
        run = Run(observer, modes, flow, config, context, shape)
    except Exception as error:
        observer.on_error(error)
        return
    try:
        await run_graph(graph, input, run, (), "")
    except asyncio.CancelledError:
        raise
    except ParentCommand:
        observer.on_error(
            InvalidUpdateError(
                "A node returned Command(graph=Command.PARENT), but graph "
                f"{graph.name!r} is not a subgraph: it has no parent graph"
            )
        )
    except Exception as error:
        observer.on_error(error)
    else:
        observer.on_completed()
    finally:
        run.close()


async def run_graph(
    graph: Graph, input: Any, run: Run, ns: Namespace, parent_ns: str
) -> dict[str, Any]:
    """Run ``graph`` from ``input`` to its end, in namespace ``ns``; return the final state."""
    spec = graph.builder.spec
    state, wrote = spec.apply(spec.initial(), [input_update(graph, input)])
    if wrote:
        _emit_values(run, ns, 0, state)
    joined: dict[int, set[str]] = {}
    pending = await route(graph.plan, [], state, joined)
    step = 0
    while pending:
        step += 1
        if step > run.recursion_limit:
            raise GraphRecursionError(
                troubleshooting(
                    f"Recursion limit of {run.recursion_limit} reached without hitting a stop "
                    "condition. You can increase the limit by setting the `recursion_limit` "
                    "config key.",
                    "GRAPH_RECURSION_LIMIT",
                )
            )
        tasks = []  # a loop, not a comprehension: its names would be cells for the whole run
        for item in pending:
            tasks.append(_task(graph, run, ns, parent_ns, step, item, state))
        for task in tasks:
            task.started()
        await _run_step(graph, tasks)
        tasks.sort(key=lambda task: path_key(task.path))
        state, wrote = spec.apply(state, [write for task in tasks for write in task.writes])
        if wrote:
            _emit_values(run, ns, step, state)
        pending = await route(graph.plan, tasks, state, joined)
    return state


def input_update(graph: Graph, input: Any) -> dict[str, Any]:
    """The write of a run's input: the keys of the input schema it sets.

    Raises:
        TypeError: the input is not a dict or an instance of a state model.
        InvalidUpdateError: the input sets a key that no schema of the graph has.
    """
    builder = graph.builder
    if isinstance(input, BaseModel) or (
        dataclasses.is_dataclass(input) and not isinstance(input, type)
    ):
        input = update_of(input)
    if not isinstance(input, Mapping):
        raise TypeError(
            f"Expected dict, got {type(input).__name__}: the input of graph {graph.name!r} "
            f"must be a dict of state keys such as {{'messages': [...]}}"
        )
    builder.spec.check(None, input)
    return builder.input.select(input)


async def run_subgraph(graph: Graph, task: Task, emit: Any, parent: StateSpec | None) -> None:
    """Run a compiled graph as the node of ``task``: its events live, its output the update.

    A ``Command(graph=Command.PARENT)`` from one of its nodes becomes this node's command.
    """
    given = task.input if isinstance(task.input, Mapping) else vars(task.input)
    inner = graph.builder.input.select(given)
    ns = (*task.ns, f"{task.node}:{task.task_id}")
    try:
        final = await run_graph(graph, inner, task.run, ns, task.checkpoint_ns)
    except ParentCommand as exc:
        emit(dataclasses.replace(exc.command, graph=None))
        return
    output = graph.builder.output.select(final)
    if parent is not None and not parent.open:
        output = {key: value for key, value in output.items() if key in parent.channels}
    emit(output)


def _task(
    graph: Graph,
    run: Run,
    ns: Namespace,
    parent_ns: str,
    step: int,
    item: Pending,
    state: dict[str, Any],
) -> Task:
    spec = graph.plan.nodes[item.node]
    reads = spec.reads
    given = item.arg if item.push else reads.read(state) if reads is not None else state
    return Task(
        run,
        ns=ns,
        node=item.node,
        step=step,
        triggers=item.triggers,
        path=item.path,
        input=given,
        parent_ns=parent_ns,
        node_metadata=spec.metadata,
        node_tags=spec.tags,
    )


async def _run_step(graph: Graph, tasks: list[Task]) -> None:
    """Run the tasks of one superstep concurrently; the first failure cancels the rest.

    The first task starts eagerly, the others at the loop's next turn: its first events
    reach the consumer before the set-up of the step's other tasks (a fan-out of 64
    streams its first event after one task's set-up, not 64).
    """
    started = []
    for index, task in enumerate(tasks):
        started.append(_start(graph, task, eager=index == 0))
    futures = [future for future, _ in started]
    try:
        if len(futures) == 1:
            await futures[0]
        else:
            await _first_failure(futures)
    except BaseException:
        for _, subscription in started:
            subscription.dispose()
        for future in futures:
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: the first failure is the one raised
        raise


def _start(
    graph: Graph, task: Task, *, eager: bool
) -> tuple[asyncio.Future[None], abc.DisposableBase]:
    """Subscribe to the node run of ``task``; the future settles when the task ends."""
    sink = _TaskSink(task, graph.builder.spec.check)
    node = graph.plan.nodes[task.node]
    return sink.done, start_node(node, task, sink, run_subgraph, eager=eager)


class _TaskSink:
    """Where a node run of one task pushes: its signals to the task, its end to ``done``.

    One object, not closures over the task (each name of a closure is a cell of its own,
    which the garbage collector walks for as long as the node runs).
    """

    __slots__ = ("check", "done", "on_next", "task")

    def __init__(self, task: Task, check: Callable[[str | None, Mapping[str, Any]], None]) -> None:
        self.task = task
        self.check = check
        self.on_next = task.on_signal
        self.done: asyncio.Future[None] = task.run.loop.create_future()

    def on_error(self, error: Exception) -> None:
        if not isinstance(error, ParentCommand):
            self.task.failed(error)
        if not self.done.done():
            self.done.set_exception(error)

    def on_completed(self) -> None:
        task = self.task
        try:
            for write in task.writes:
                self.check(task.node, write)
            task.finished()
        except Exception as error:
            self.on_error(error)
            return
        if not self.done.done():
            self.done.set_result(None)


async def _first_failure(futures: list[asyncio.Future[None]]) -> None:
    done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_EXCEPTION)
    for future in futures:
        if future in done and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]


_values_event = maker(ValuesEvent)


def _emit_values(run: Run, ns: Namespace, step: int, state: dict[str, Any]) -> None:
    if "values" not in run.modes:
        return
    run.seq += 1
    if run.shape is not None:
        run.push_shaped("values", ns, state)
        return
    fields = {  # in the event's field order (see ``rxagent._fast``)
        "ns": ns,
        "node": None,
        "step": step,
        "task_id": None,
        "tool_call_id": None,
        "run_id": run.run_id,
        "seq": run.seq,
        "mode": "values",
        "data": state,
    }
    run.observer.on_next(_values_event(fields))


__all__ = ("Command", "drive", "input_update", "run_graph", "run_subgraph")
