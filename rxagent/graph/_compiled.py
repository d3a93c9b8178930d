"""``CompiledStateGraph``: a runnable graph and its faces over the one engine.

``observe()`` is the engine as a cold ``Observable[Event]``; ``stream()``/``astream()``
bridge it to iterators and shape each event as LangChain does; ``invoke()``/``ainvoke()``
return the final state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from reactivex import Observable, abc
from reactivex.disposable import Disposable

from rxagent._faces import Face
from rxagent._flow import flow_of, loop_of
from rxagent._types import STREAM_MODES, StreamMode
from rxagent.bridges._aiter import BridgeAsyncIterator
from rxagent.bridges._buffer import DEFAULT_MAXSIZE, Overflow, check_bridge_args
from rxagent.bridges._iter import BridgeIterator, iterate
from rxagent.events import Event
from rxagent.graph._constants import END, Send
from rxagent.graph._node import start_job, stop_run, track
from rxagent.graph._runtime import Pending, drive, resolve_branch

if TYPE_CHECKING:
    from rxagent.graph._builder import Branch, StateGraph

Config = Mapping[str, Any]
"""A run config: ``recursion_limit``, ``tags``, ``metadata``, ``run_id``."""


class CompiledStateGraph:
    """A checked graph, ready to run any number of times.

    Example:
        >>> from rxagent import StateGraph, START
        >>> graph = StateGraph().add_node("hi", lambda s: {"said": "hi"})
        >>> graph = graph.add_edge(START, "hi").compile()
        >>> list(graph.stream({}, stream_mode="updates"))
        [{'hi': {'said': 'hi'}}]
    """

    def __init__(self, builder: StateGraph, *, name: str) -> None:
        self.builder = builder
        self.name = name
        self._edges: dict[str, list[str]] = {}
        for src, dst in builder.edges:
            self._edges.setdefault(src, []).append(dst)
        self._joins: dict[str, list[int]] = {}
        for index, (srcs, _) in enumerate(builder.joins):
            for src in srcs:
                self._joins.setdefault(src, []).append(index)
        self._branches: dict[str, list[Branch]] = {}
        for branch in builder.branches:
            self._branches.setdefault(branch.source, []).append(branch)
        for node in builder.nodes.values():
            if node.kind == "graph":
                node.parent = builder.spec

    # -- faces -------------------------------------------------------------------------

    def observe(
        self,
        input: Any,
        config: Config | None = None,
        *,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
    ) -> Observable[Event]:
        """The run as a cold ``Observable`` of events, all modes unless ``stream_mode`` says.

        Each subscription is one run. It runs on the subscriber's asyncio scheduler, else on
        the running loop, else (plain synchronous code) to completion inside ``subscribe``.
        Disposing the subscription cancels the run.
        """
        if stream_mode is None:
            modes = frozenset(STREAM_MODES)
        else:
            modes = Face(stream_mode, subgraphs=True, version="v1").modes
        return self._observable(input, config, modes)

    def stream(
        self,
        input: Any,
        config: Config | None = None,
        *,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
        subgraphs: bool = False,
        version: str = "v1",
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow = "block",
    ) -> BridgeIterator[Any]:
        """Stream the run in LangChain's shapes, synchronously.

        One mode gives bare chunks; a list (or tuple) gives ``(mode, chunk)``;
        ``subgraphs=True`` adds the namespace; ``version="v2"`` gives
        ``{"type", "ns", "data"}`` dicts. Breaking out of the loop cancels the run.

        Raises:
            ValueError: an unknown stream mode or version (raised at once, not at the first
                ``next``).
        """
        face = Face(stream_mode, subgraphs=subgraphs, version=version)
        check_bridge_args(maxsize, overflow)
        events = self._observable(input, config, face.modes)
        return iterate(events, maxsize, overflow, face.accept())

    def astream(
        self,
        input: Any,
        config: Config | None = None,
        *,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
        subgraphs: bool = False,
        version: str = "v1",
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow = "block",
    ) -> BridgeAsyncIterator[Any]:
        """The async face of :meth:`stream`: the same items, from an async iterator."""
        face = Face(stream_mode, subgraphs=subgraphs, version=version)
        check_bridge_args(maxsize, overflow)
        events = self._observable(input, config, face.modes)
        return BridgeAsyncIterator(events, maxsize, overflow, face.accept())

    def invoke(self, input: Any, config: Config | None = None) -> dict[str, Any]:
        """Run to the end and return the final state."""
        final: dict[str, Any] = {}
        for state in self.stream(input, config, stream_mode="values"):
            final = state
        return final

    async def ainvoke(self, input: Any, config: Config | None = None) -> dict[str, Any]:
        """Run to the end and return the final state, asynchronously."""
        final: dict[str, Any] = {}
        async for state in self.astream(input, config, stream_mode="values"):
            final = state
        return final

    # -- engine ------------------------------------------------------------------------

    def _observable(
        self, input: Any, config: Config | None, modes: frozenset[StreamMode]
    ) -> Observable[Event]:
        def subscribe(
            observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            flow = flow_of(scheduler)
            loop = loop_of(scheduler)
            if loop is None:
                asyncio.run(drive(self, input, config, modes, observer, flow))
                return Disposable()
            job = start_job(loop, drive(self, input, config, modes, observer, flow))
            track(flow.tasks, job)
            return Disposable(partial(stop_run, job, flow))

        return Observable(subscribe)

    async def route(
        self,
        sources: list[tuple[str, list[Mapping[str, Any]]]],
        state: dict[str, Any],
        joined: dict[int, set[str]],
    ) -> list[Pending]:
        """The tasks of the next superstep, after ``sources`` (node, writes) have run."""
        pulls: dict[str, list[str]] = {}
        pushes: list[Pending] = []
        for node, _writes in sources:
            for dst in self._edges.get(node, ()):
                if dst != END:
                    pulls.setdefault(dst, []).append(f"branch:to:{dst}")
            for index in self._joins.get(node, ()):
                srcs, dst = self.builder.joins[index]
                arrived = joined.setdefault(index, set())
                arrived.add(node)
                if arrived.issuperset(srcs):
                    joined[index] = set()
                    pulls.setdefault(dst, []).append(f"join:{'+'.join(srcs)}:{dst}")
            for branch in self._branches.get(node, ()):
                result = await resolve_branch(branch.path, self.builder.spec.view(state))
                for dest in branch.destinations(result, self.builder.nodes):
                    if isinstance(dest, Send):
                        path = ("__pregel_push", len(pushes), False)
                        pushes.append(Pending(dest.node, ("__pregel_push",), path, True, dest.arg))
                    elif dest != END:
                        pulls.setdefault(dest, []).append(f"branch:to:{dest}")
        tasks = [
            Pending(node, tuple(dict.fromkeys(triggers)), ("__pregel_pull", node))
            for node, triggers in pulls.items()
        ]
        return tasks + pushes
