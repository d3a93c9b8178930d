"""Node runs as cold Observables of node signals.

A node is a sync or async function returning an update, a sync or async generator, a
function returning an Observable, or a compiled graph (a subgraph). Whatever its kind,
``node_run(spec, task)`` is a cold ``Observable`` of its signals: ``AIMessageChunk`` tokens,
whole messages, dict updates (and, for a subgraph, its already stamped events).
Subscribing starts the node; disposing cancels it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from reactivex import Observable, abc
from reactivex.disposable import Disposable
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rxagent._context import current_run, current_writer
from rxagent._eager import on_loop, start_task
from rxagent._flow import PACE_EVERY, Flow
from rxagent._sink import Sink
from rxagent._threads import run_in_thread
from rxagent.graph._callbacks import bind_callbacks, node_config
from rxagent.graph._command import Command
from rxagent.graph._constants import NodeOutputError
from rxagent.graph._context import Runtime
from rxagent.graph._state import Schema, StateSpec, update_of
from rxagent.graph._task import Task, current_task
from rxagent.graph._token_stream import TokenStream, is_token_node
from rxagent.messages import AIMessageChunk, BaseMessage

Kind = Literal["sync", "async", "gen", "asyncgen", "tokens", "graph"]
Emit = Callable[[Any], None]


@dataclass(slots=True)
class NodeSpec:
    """A node as the runtime sees it: its callable, its kind and what it wants injected."""

    name: str
    fn: Any
    kind: Kind
    reads: Schema | None = None
    """The schema the node reads the state through (``None``: the state as is)."""
    ends: tuple[str, ...] = ()
    """Where a ``Command`` it returns may go, as its annotation or ``destinations`` say."""
    wants_writer: bool = False
    wants_config: bool = False
    wants_runtime: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    parent: StateSpec | None = None
    """For a subgraph: the state spec of the graph it is a node of."""


def node_spec(
    name: str,
    fn: Any,
    metadata: Mapping[str, Any] | None,
    tags: tuple[str, ...],
    reads: Schema | None = None,
    ends: tuple[str, ...] = (),
    *,
    subgraph: bool = False,
) -> NodeSpec:
    """Inspect ``fn`` once, when the node is added (``subgraph``: ``fn`` is a compiled graph)."""
    if subgraph:
        return NodeSpec(name, fn, "graph", reads, ends, metadata=dict(metadata or {}), tags=tags)
    if not callable(fn):
        raise TypeError(f"Node {name!r} must be a callable or a compiled graph, got {fn!r}")
    target = fn if inspect.isroutine(fn) else getattr(fn, "__call__", fn)  # noqa: B004
    kind: Kind
    if is_token_node(fn):
        kind = "tokens"
    elif inspect.isasyncgenfunction(target):
        kind = "asyncgen"
    elif inspect.isgeneratorfunction(target):
        kind = "gen"
    elif inspect.iscoroutinefunction(target):
        kind = "async"
    else:
        kind = "sync"
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    return NodeSpec(
        name,
        fn,
        kind,
        reads,
        ends,
        wants_writer="writer" in params,
        wants_config="config" in params,
        wants_runtime="runtime" in params,
        metadata=dict(metadata or {}),
        tags=tags,
    )


SubgraphRunner = Callable[[Any, Task, Emit, StateSpec | None], Awaitable[None]]
"""How the runtime runs a subgraph node: ``(graph, task, emit, parent_spec)``."""


def node_run(spec: NodeSpec, task: Task, subgraph: SubgraphRunner) -> Observable[Any]:
    """The cold Observable of one run of ``spec`` as ``task``.

    A subgraph node is run by ``subgraph``, which the runtime passes in: nodes know nothing
    of the engine above them.
    """

    def subscribe(
        observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        return start_node(spec, task, observer, subgraph)

    return Observable(subscribe)


def start_node(
    spec: NodeSpec, task: Task, sink: Sink, subgraph: SubgraphRunner, *, eager: bool = True
) -> abc.DisposableBase:
    """Start one run of ``spec`` as ``task``, pushing its signals to ``sink``; what
    subscribing to :func:`node_run` does (the engine calls it with plain callbacks).

    ``eager``: run its first step now (``rxagent._eager``), else at the loop's next turn.
    """
    coro = _execute(spec, task, sink, subgraph)
    loop = task.run.loop
    job = start_task(loop, coro) if eager else loop.create_task(coro)
    track(task.run.flow.tasks, job)
    return Disposable(partial(cancel_job, job))


def cancel_job(job: asyncio.Task[Any]) -> None:
    """Cancel ``job`` now on its loop's thread, or through its loop from another thread."""
    loop = job.get_loop()
    if loop.is_closed():
        return
    if on_loop(loop) or not loop.is_running():
        job.cancel()
    else:
        loop.call_soon_threadsafe(job.cancel)


def stop_run(job: asyncio.Task[Any], flow: Flow) -> None:
    """Dispose a run: cancel its job. From another thread than its running loop's, also
    wait until every task of the run has finished its cleanup; on the loop's own thread
    that cannot be waited for (``to_aiter``'s ``aclose()`` awaits it)."""
    loop = job.get_loop()
    if loop.is_closed() or job.done():
        return
    if on_loop(loop) or not loop.is_running():
        cancel_job(job)
        return
    ended = threading.Event()

    async def cancel_and_wait() -> None:
        job.cancel()
        try:
            await flow.finished()
        finally:
            ended.set()

    loop.call_soon_threadsafe(lambda: loop.create_task(cancel_and_wait()))
    ended.wait()


def start_job(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
) -> asyncio.Task[None]:
    """``loop.create_task(coro)``, also from another thread than the running loop's."""
    if on_loop(loop) or not loop.is_running():
        return start_task(loop, coro)
    created: concurrent.futures.Future[asyncio.Task[None]] = concurrent.futures.Future()
    loop.call_soon_threadsafe(lambda: created.set_result(loop.create_task(coro)))
    return created.result()


def launch(
    loop: asyncio.AbstractEventLoop | None,
    flow: Flow,
    coro: Coroutine[Any, Any, None],
    drain: Callable[[], None] | None = None,
) -> abc.DisposableBase:
    """Run ``coro``, a run's driver, as a job of ``loop`` tracked by ``flow``; disposing
    cancels it (:func:`stop_run`), after ``drain`` if given. With no loop, ``coro`` runs to
    its end in ``asyncio.run`` before this returns (what subscribing without one does)."""
    if loop is None:
        asyncio.run(coro)
        return Disposable()
    job = start_job(loop, coro)
    track(flow.tasks, job)
    if drain is None:
        return Disposable(partial(stop_run, job, flow))

    def dispose() -> None:
        drain()
        stop_run(job, flow)

    return Disposable(dispose)


def track(tasks: set[asyncio.Task[Any]], job: asyncio.Task[Any]) -> None:
    """Keep ``job`` in ``tasks`` (what a bridge awaits when it closes) until it is done."""
    tasks.add(job)
    job.add_done_callback(tasks.discard)


async def _execute(spec: NodeSpec, task: Task, observer: Sink, subgraph: SubgraphRunner) -> None:
    current_task.set(task)
    current_run.set(task.run)
    current_writer.set(task.writer())
    bind_callbacks(spec.kind, task)
    try:
        await _run(spec, task, observer.on_next, subgraph)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        task.run.flow.flush()
        observer.on_error(error)
        return
    task.run.flow.flush()  # what its threads emitted comes before its end (I5)
    observer.on_completed()


async def _run(spec: NodeSpec, task: Task, emit: Emit, subgraph: SubgraphRunner) -> None:
    kind = spec.kind
    if kind == "graph":
        await subgraph(spec.fn, task, emit, spec.parent)
        return
    args, kwargs = _arguments(spec, task)
    if kind == "tokens":
        tokens: TokenStream = await spec.fn(*args, **kwargs)
        await _drain_async(tokens.chunks, task, emit, tokens.each)
        emit(tokens.result())
    elif kind == "asyncgen":
        await _drain_async(spec.fn(*args, **kwargs), task, emit)
    elif kind == "gen":
        await _drain_in_thread(spec.fn(*args, **kwargs), task, emit)
    elif kind == "async":
        await _deliver(spec, await spec.fn(*args, **kwargs), task, emit)
    else:
        await _deliver(spec, await _in_thread(task, spec.fn, *args, **kwargs), task, emit)


def _arguments(spec: NodeSpec, task: Task) -> tuple[tuple[Any, ...], dict[str, Any]]:
    kwargs: dict[str, Any] = {}
    if spec.wants_writer:
        kwargs["writer"] = task.writer()
    if spec.wants_runtime:
        kwargs["runtime"] = Runtime(context=task.run.context, stream_writer=task.writer())
    if spec.wants_config:
        kwargs["config"] = node_config(task)  # LangGraph's shape: no run_id (see there)
    return (task.input,), kwargs


async def _deliver(spec: NodeSpec, result: Any, task: Task, emit: Emit) -> None:
    if result is None or isinstance(result, Mapping | Command):
        if result is not None:
            emit(result)
    elif isinstance(result, list | tuple) and any(isinstance(i, Command) for i in result):
        for item in result:
            emit(item)
    elif isinstance(result, Observable):
        await _drain_observable(result, task, emit)
    elif inspect.isasyncgen(result):
        await _drain_async(result, task, emit)
    elif inspect.isgenerator(result):
        await _drain_in_thread(result, task, emit)
    elif not isinstance(result, BaseMessage) and (update := update_of(result)) is not None:
        emit(update)
    else:
        shown = repr(result)
        raise NodeOutputError(
            f"Expected dict, got {shown[:80] + '...' if len(shown) > 80 else shown}: node "
            f"{spec.name!r} returned {type(result).__name__}; a node returns a dict update "
            f"such as {{'messages': [...]}}, a Command, a state model instance, None, "
            f"a generator or an Observable"
        )


async def _drain_async(
    stream: AsyncIterator[Any], task: Task, emit: Emit, each: Callable[[Any], object] | None = None
) -> None:
    """Emit the items of ``stream`` (each one handed to ``each`` first), pacing the node."""
    flow = task.run.flow
    count = PACE_EVERY - 1  # look at pacing after the first item: the first look yields
    # the engine's emit routes a token to ``task.token``: call it directly (one call less)
    token = task.token if emit == task.on_signal else emit
    try:
        async for item in stream:
            if each is not None:
                each(item)
            if type(item) is AIMessageChunk:
                token(item)
            else:
                emit(item)
            if flow.pressure:  # the consumer is full: wait for room (I3)
                await flow.pace()
                continue
            count += 1
            if count == PACE_EVERY:
                count = 0
                if flow.due():
                    await flow.pace()
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()


async def _drain_in_thread(stream: Iterator[Any], task: Task, emit: Emit) -> None:
    """Iterate a sync generator in a worker thread; its items are emitted on the loop."""
    errors: list[Exception] = []

    run = task.run

    def safe_emit(item: Any) -> None:
        if not errors and not run.closed:
            try:
                emit(item)
            except Exception as error:
                errors.append(error)

    def pump() -> None:
        put = run.flow.put
        for item in stream:
            if errors:
                break
            put(safe_emit, item, run)  # waits for room (I4)

    await _in_thread(task, pump)
    if errors:
        raise errors[0]


async def _in_thread(task: Task, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_thread(partial(fn, *args, **kwargs))


async def _drain_observable(source: Observable[Any], task: Task, emit: Emit) -> None:
    done: asyncio.Future[None] = task.run.loop.create_future()

    def on_error(error: Exception) -> None:
        if not done.done():
            done.set_exception(error)

    def on_completed() -> None:
        if not done.done():
            done.set_result(None)

    def on_next(item: Any) -> None:
        try:
            emit(item)
        except Exception as error:
            on_error(error)

    subscription = source.subscribe(
        on_next, on_error, on_completed, scheduler=AsyncIOScheduler(task.run.loop)
    )
    try:
        await done
    finally:
        subscription.dispose()
