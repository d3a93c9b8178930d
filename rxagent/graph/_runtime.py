"""The engine: supersteps over a compiled graph, pushing stamped events to one observer.

One engine serves every face: ``observe()`` subscribes to it directly, ``stream()`` and
``astream()`` through the bridges.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reactivex import abc

from rxagent._fast import trusted
from rxagent._flow import Flow
from rxagent._types import Namespace, StreamMode
from rxagent.events import ValuesEvent
from rxagent.graph._constants import END, START, GraphRecursionError, Send
from rxagent.graph._node import node_run
from rxagent.graph._run import Run
from rxagent.graph._state import StateSpec
from rxagent.graph._task import Task

if TYPE_CHECKING:
    from rxagent.graph._compiled import CompiledStateGraph


@dataclass(frozen=True, slots=True)
class Pending:
    """A task to run in the next superstep."""

    node: str
    triggers: tuple[str, ...]
    path: tuple[Any, ...]
    push: bool = False
    arg: Any = None


async def drive(
    graph: CompiledStateGraph,
    input: Any,
    config: Mapping[str, Any] | None,
    modes: frozenset[StreamMode],
    observer: abc.ObserverBase[Any],
    flow: Flow,
) -> None:
    """Run ``graph`` once, pushing its events to ``observer``, then complete or fail it."""
    try:
        run = Run(observer, modes, flow, config)
    except Exception as error:
        observer.on_error(error)
        return
    try:
        await run_graph(graph, input, run, (), "")
    except asyncio.CancelledError:
        raise
    except Exception as error:
        observer.on_error(error)
    else:
        observer.on_completed()
    finally:
        run.close()


async def run_graph(
    graph: CompiledStateGraph, input: Any, run: Run, ns: Namespace, parent_ns: str
) -> dict[str, Any]:
    """Run ``graph`` from ``input`` to its end, in namespace ``ns``; return the final state."""
    spec = graph.builder.spec
    if not isinstance(input, Mapping):
        raise TypeError(
            f"The input of graph {graph.name!r} must be a dict of state keys such as "
            f"{{'messages': [...]}}, got {type(input).__name__}"
        )
    spec.check("input", input)
    state = spec.apply({}, [input])
    _emit_values(run, ns, 0, state)
    joined: dict[int, set[str]] = {}
    pending = await graph.route([(START, [])], state, joined)
    step = 0
    while pending:
        step += 1
        if step > run.recursion_limit:
            raise GraphRecursionError(
                f"Recursion limit of {run.recursion_limit} reached without hitting a stop "
                f"condition in graph {graph.name!r}; raise it with "
                f"config={{'recursion_limit': n}} or check the graph's exit condition"
            )
        view = spec.view(state)
        tasks = [_task(graph, run, ns, parent_ns, step, item, view) for item in pending]
        for task in tasks:
            task.started()
        await _run_step(graph, tasks)
        writes = [write for task in tasks for write in task.writes]
        state = spec.apply(state, writes)
        _emit_values(run, ns, step, state)
        pending = await graph.route([(t.node, t.writes) for t in tasks], state, joined)
    return state


async def run_subgraph(
    graph: CompiledStateGraph, task: Task, emit: Any, parent: StateSpec | None
) -> None:
    """Run a compiled graph as the node of ``task``: its events live, its state the update."""
    given = task.input if isinstance(task.input, Mapping) else vars(task.input)
    inner = graph.builder.spec.project(given)
    ns = (*task.ns, f"{task.node}:{task.task_id}")
    final = await run_graph(graph, inner, task.run, ns, task.checkpoint_ns)
    emit(parent.project(final) if parent is not None else final)


def _task(
    graph: CompiledStateGraph,
    run: Run,
    ns: Namespace,
    parent_ns: str,
    step: int,
    item: Pending,
    view: Any,
) -> Task:
    spec = graph.builder.nodes[item.node]
    return Task(
        run,
        ns=ns,
        node=item.node,
        step=step,
        triggers=item.triggers,
        path=item.path,
        input=item.arg if item.push else view,
        parent_ns=parent_ns,
        node_metadata=spec.metadata,
        node_tags=spec.tags,
    )


async def _run_step(graph: CompiledStateGraph, tasks: list[Task]) -> None:
    """Run the tasks of one superstep concurrently; the first failure cancels the rest."""
    started = [_start(graph, task) for task in tasks]
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
    graph: CompiledStateGraph, task: Task
) -> tuple[asyncio.Future[None], abc.DisposableBase]:
    """Subscribe to the node run of ``task``; the future settles when the task ends."""
    done: asyncio.Future[None] = task.run.loop.create_future()
    check = graph.builder.spec.check

    def on_error(error: Exception) -> None:
        task.failed(error)
        if not done.done():
            done.set_exception(error)

    def on_completed() -> None:
        try:
            for write in task.writes:
                check(task.node, write)
            task.finished()
        except Exception as error:
            on_error(error)
            return
        if not done.done():
            done.set_result(None)

    source = node_run(graph.builder.nodes[task.node], task)
    return done, source.subscribe(task.on_signal, on_error, on_completed)


async def _first_failure(futures: list[asyncio.Future[None]]) -> None:
    done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_EXCEPTION)
    for future in futures:
        if future in done and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]


def _emit_values(run: Run, ns: Namespace, step: int, state: dict[str, Any]) -> None:
    if "values" not in run.modes:
        return
    run.seq += 1
    fields = {
        "mode": "values",
        "ns": ns,
        "node": None,
        "step": step,
        "task_id": None,
        "tool_call_id": None,
        "run_id": run.run_id,
        "seq": run.seq,
        "data": state,
    }
    run.observer.on_next(trusted(ValuesEvent, fields))


async def resolve_branch(path: Any, state: Any) -> Any:
    """Call a conditional edge's path function (sync or async) on ``state``."""
    result = path(state)
    if inspect.isawaitable(result):
        result = await result
    return result


__all__ = ("END", "Pending", "Send", "drive", "resolve_branch", "run_graph", "run_subgraph")
