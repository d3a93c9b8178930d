"""LangGraph graphs as rxagent event sources (extra ``langchain``).

``from_langgraph(graph, input)`` runs a compiled LangGraph graph, or a LangChain
``create_agent`` agent, and returns a cold ``Observable`` of rxagent events, so that
rxagent's operators, bridges and transports work on it as on rxagent's own runs.
LangGraph is never imported here: the graph brings it.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from reactivex import Observable, abc

from rxagent._faces import parse_modes
from rxagent._flow import Flow, flow_of, loop_of
from rxagent._types import STREAM_MODES, StreamMode
from rxagent.events import Event
from rxagent.graph._node import launch
from rxagent.integrations._langgraph_stamp import Stamper

__all__ = ("from_langgraph",)


def from_langgraph(
    graph: Any,
    input: Any,
    *,
    config: Mapping[str, Any] | None = None,
    context: Any = None,
    stream_mode: StreamMode | Sequence[StreamMode] | None = None,
    subgraphs: bool = True,
) -> Observable[Event]:
    """A LangGraph run as a cold ``Observable`` of rxagent events, one run per subscription.

    The run is LangGraph's ``graph.astream(input, config, context=context,
    stream_mode=[...], subgraphs=subgraphs)`` in its v1 ``(ns, mode, chunk)`` form: v2's
    ``values`` parts drop ``__interrupt__`` and may hold a model instead of the state dict,
    while an event's ``data`` is exactly the chunk LangGraph's ``stream()`` yields. Each
    part becomes the event of its mode whose ``ns`` is LangGraph's namespace and whose
    ``data`` is LangGraph's object as it came (langchain-core messages included), with
    ``run_id`` (``config["run_id"]`` if given, else a new UUID, passed on to LangGraph as
    the run's id) and ``seq`` (1, 2, ... in emission order). The other fields are what
    LangGraph tells, and never a guess:

    * ``messages``: ``node`` and ``step`` from the metadata's ``langgraph_node`` and
      ``langgraph_step``, ``task_id`` from its ``langgraph_checkpoint_ns``; a
      ``ToolMessage``'s ``tool_call_id``;
    * ``tasks``: the task's ``name``, ``id`` and superstep;
    * ``updates``: the node that wrote (for an interrupt, the interrupted one) and its task;
    * ``tools``: the payload's ``tool_call_id``, and the task that runs the call when it
      is certain (one task in the namespace, or the task whose input is that tool call, as
      each tool call of a ``create_agent`` agent is);
    * ``custom``: ``node``, ``task_id`` and ``tool_call_id`` only when one task (and one
      tool call) runs in the namespace: LangGraph's custom parts carry nothing else, so the
      progress of parallel tasks is unattributed (the ``tools`` mode's
      ``tool-output-delta`` is LangGraph's attributed progress);
    * ``values``: no node nor task.

    ``step`` is ``langgraph_step`` for ``messages``; for the other modes the superstep of
    the task, or the namespace's current one (0 before its first task, also for a thread
    resumed from a checkpoint). To learn tasks and supersteps the run asks LangGraph for
    its ``debug`` mode (and ``tools`` when ``custom`` is wanted); what no one asked for is
    dropped.

    The run goes on the subscriber's asyncio scheduler (the bridges' ``to_iter`` and
    ``to_aiter`` pass one), else on the running loop, else (plain synchronous code) it runs
    to completion inside ``subscribe``, as rxagent's own graphs do. Under a bridge's
    backpressure it stops pulling from LangGraph, whose current superstep still finishes
    into LangGraph's own queue. Disposing the subscription closes LangGraph's stream: its
    node tasks are cancelled, subgraphs included (closing a bridge, or disposing from
    another thread than the loop's, returns once they have finished). The run's
    ``RunControl`` gets ``request_drain("cancelled")`` first, so a sync node in its thread
    can see ``get_runtime().control.drain_requested``: Python cannot stop a thread, but
    nothing it emits reaches the observer any more, and once the loop it writes to is
    closed (``to_iter``'s private one) its next write raises. A failing node ends the
    observable with its exception, after the events LangGraph yielded before it.

    Args:
        graph: a compiled LangGraph graph (``StateGraph(...).compile()``, a
            ``create_agent`` agent): anything with LangGraph's ``astream``.
        input: the run's input, as ``graph.astream`` takes it.
        config: the run's config (``tags``, ``metadata``, ``callbacks``,
            ``configurable``, ``recursion_limit``, ``run_id``...).
        context: the run's static context (LangGraph's ``context=``).
        stream_mode: the modes to emit, of ``values``, ``updates``, ``messages``,
            ``custom``, ``tasks`` and ``tools``; all six by default.
        subgraphs: stream the events of subgraphs too, with their namespace.

    Raises:
        ValueError: an unknown stream mode (at once, not at subscription).

    Example:
        >>> from typing import TypedDict
        >>> from langgraph.graph import START, StateGraph
        >>> class State(TypedDict):
        ...     text: str
        >>> builder = StateGraph(State).add_node("shout", lambda s: {"text": s["text"].upper()})
        >>> graph = builder.add_edge(START, "shout").compile()
        >>> from rxagent.bridges import to_iter
        >>> events = from_langgraph(graph, {"text": "hi"}, stream_mode=["updates", "values"])
        >>> [(e.mode, e.node, e.step, e.data) for e in to_iter(events)]
        [('values', None, 0, {'text': 'hi'}), ('updates', 'shout', 1, {'shout': {'text': 'HI'}}), ('values', None, 1, {'text': 'HI'})]
    """  # noqa: E501
    modes = STREAM_MODES if stream_mode is None else parse_modes(stream_mode, "values")[0]
    wanted = frozenset(modes)
    config = dict(config or {})

    def subscribe(
        observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        flow = flow_of(scheduler)
        run = _Run(graph, input, config, context, wanted, subgraphs)
        return launch(loop_of(scheduler), flow, run.drive(observer, flow), run.drain)

    return Observable(subscribe)


class _Run:
    """One subscription: LangGraph's stream, stamped and pushed to one observer."""

    __slots__ = ("config", "context", "control", "graph", "input", "modes", "subgraphs")

    def __init__(
        self,
        graph: Any,
        input: Any,
        config: dict[str, Any],
        context: Any,
        modes: frozenset[StreamMode],
        subgraphs: bool,
    ) -> None:
        self.graph = graph
        self.input = input
        self.config = config
        self.context = context
        self.modes = modes
        self.subgraphs = subgraphs
        self.control: Any = None

    def drain(self) -> None:
        """Tell the run's nodes, through LangGraph's ``RunControl``, that it is cancelled."""
        if self.control is not None:
            self.control.request_drain("cancelled")

    async def drive(self, observer: abc.ObserverBase[Any], flow: Flow) -> None:
        """Run the graph once: its events to ``observer``, then complete or fail it."""
        config = self.config
        run_id = config.get("run_id") or uuid.uuid4()
        stamper = Stamper(str(run_id), self.modes)
        emit = observer.on_next
        try:
            parts = self.graph.astream(
                self.input, {**config, "run_id": run_id}, **self._arguments()
            )
        except Exception as error:
            observer.on_error(error)
            return
        nested = self.subgraphs
        try:
            async for part in parts:
                if nested:
                    stamper.feed(part[0], part[1], part[2], emit)
                else:
                    stamper.feed((), part[0], part[1], emit)
                if flow.due():
                    await flow.pace()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            stamper.flush(emit)
            observer.on_error(error)
            return
        finally:
            await parts.aclose()
        stamper.flush(emit)
        observer.on_completed()

    def _arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``astream``: the modes LangGraph is asked for."""
        modes = self.modes
        asked: list[str] = [mode for mode in STREAM_MODES if mode in modes and mode != "tasks"]
        if "custom" in modes and "tools" not in modes:
            asked.append("tools")  # which tool call runs, for custom events
        asked.append("debug")  # tasks and supersteps (LangGraph's ``tasks`` parts, with it)
        arguments: dict[str, Any] = {
            "context": self.context,
            "stream_mode": asked,
            "subgraphs": self.subgraphs,
        }
        control = _run_control(self.graph)
        if control is not None:
            self.control = arguments["control"] = control
        return arguments


def _run_control(graph: Any) -> Any:
    """A fresh ``langgraph.runtime.RunControl`` for a run of ``graph``, or ``None`` where
    its LangGraph has none."""
    try:
        from langgraph.runtime import RunControl
    except ImportError:
        return None
    try:
        takes = "control" in inspect.signature(graph.astream).parameters
    except (TypeError, ValueError):
        return None
    return RunControl() if takes else None
