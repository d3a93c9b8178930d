"""``CompiledStateGraph``: a runnable graph and its faces over the one engine.

``observe()`` is the engine as a cold ``Observable[Event]``; ``stream()``/``astream()``
bridge it to iterators and shape each event as LangGraph does (``stream_mode="updates"``
unless told otherwise, as LangGraph's compiled ``StateGraph``); ``invoke()``/``ainvoke()``
return the final output, or the list of chunks for another stream mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reactivex import Observable, abc

from rxagent._faces import Face
from rxagent._flow import flow_of, loop_of
from rxagent._sink import DirectObservable
from rxagent._types import STREAM_MODES, Shape, StreamMode
from rxagent.bridges._aiter import BridgeAsyncIterator
from rxagent.bridges._buffer import DEFAULT_MAXSIZE, Overflow, check_bridge_args
from rxagent.bridges._iter import BridgeIterator, iterate
from rxagent.events import Event
from rxagent.graph._node import launch
from rxagent.graph._output import GraphOutput
from rxagent.graph._plan import Blueprint, Graph, Plan
from rxagent.graph._runtime import drive

Config = Mapping[str, Any]
"""A run config: ``recursion_limit``, ``tags``, ``metadata``, ``run_id``, ``callbacks``."""


class CompiledStateGraph:
    """A checked graph, ready to run any number of times.

    Example:
        >>> from rxagent import StateGraph, START
        >>> graph = StateGraph().add_node("hi", lambda s: {"said": "hi"})
        >>> graph = graph.add_edge(START, "hi").compile()
        >>> list(graph.stream({}))
        [{'hi': {'said': 'hi'}}]
    """

    stream_mode: StreamMode = "updates"
    """The mode ``stream()`` uses when none is given (LangGraph's ``StateGraph.compile()``)."""

    def __init__(self, builder: Blueprint, *, name: str) -> None:
        self.builder = builder
        self.name = name
        self.plan = Plan.of(builder)
        output = builder.output
        self._output_model: Callable[[Any], Any] | None = output.read if output.model else None

    # -- faces -------------------------------------------------------------------------

    def observe(
        self,
        input: Any,
        config: Config | None = None,
        *,
        context: Any = None,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
    ) -> Observable[Event]:
        """The run as a cold ``Observable`` of events, all modes unless ``stream_mode`` says.

        Each subscription is one run. It runs on the subscriber's asyncio scheduler, else on
        the running loop, else (plain synchronous code) to completion inside ``subscribe``.
        On a running loop it starts inside ``subscribe``, up to its first wait, so its first
        events may come before ``subscribe`` returns. Disposing the subscription cancels the
        run.
        """
        if stream_mode is None:
            modes = frozenset(STREAM_MODES)
        else:
            modes = Face(stream_mode, subgraphs=True, version="v1").modes
        return self._observable(input, config, modes, context)

    def stream(
        self,
        input: Any,
        config: Config | None = None,
        *,
        context: Any = None,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
        subgraphs: bool = False,
        version: str = "v1",
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow = "block",
    ) -> BridgeIterator[Any]:
        """Stream the run in LangGraph's shapes, synchronously.

        One mode gives bare chunks (``"updates"`` by default); a list (or tuple) gives
        ``(mode, chunk)``; ``subgraphs=True`` adds the namespace; ``version="v2"`` gives
        ``{"type", "ns", "data"}`` dicts (``values`` ones also carry ``interrupts`` and,
        for a pydantic or dataclass state, an instance as ``data``). Breaking out of the
        loop cancels the run.

        Raises:
            ValueError: an unknown stream mode or version (raised at once, not at the first
                ``next``).
        """
        face = self._face(stream_mode, subgraphs, version)
        check_bridge_args(maxsize, overflow)
        items, accept = self._shaped(face, input, config, context, overflow)
        return iterate(items, maxsize, overflow, accept)

    def astream(
        self,
        input: Any,
        config: Config | None = None,
        *,
        context: Any = None,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
        subgraphs: bool = False,
        version: str = "v1",
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow = "block",
    ) -> BridgeAsyncIterator[Any]:
        """The async face of :meth:`stream`: the same items, from an async iterator."""
        face = self._face(stream_mode, subgraphs, version)
        check_bridge_args(maxsize, overflow)
        items, accept = self._shaped(face, input, config, context, overflow)
        return BridgeAsyncIterator(items, maxsize, overflow, accept)

    def invoke(
        self,
        input: Any,
        config: Config | None = None,
        *,
        context: Any = None,
        stream_mode: StreamMode = "values",
        version: str = "v1",
    ) -> Any:
        """Run to the end; return the final output, as LangGraph's ``invoke``.

        With ``stream_mode="values"`` (the default): the output-schema keys of the final
        state (``None`` if nothing was ever written), or with ``version="v2"`` a
        :class:`GraphOutput` whose ``value`` is an instance for a model output schema.
        With another mode: the list of that mode's chunks, as ``stream()`` yields them.
        """
        chunks = self.stream(
            input, config, context=context, stream_mode=stream_mode, version=version
        )
        return self._output(list(chunks), stream_mode, version)

    async def ainvoke(
        self,
        input: Any,
        config: Config | None = None,
        *,
        context: Any = None,
        stream_mode: StreamMode = "values",
        version: str = "v1",
    ) -> Any:
        """The async face of :meth:`invoke`."""
        chunks = self.astream(
            input, config, context=context, stream_mode=stream_mode, version=version
        )
        return self._output([chunk async for chunk in chunks], stream_mode, version)

    # -- engine ------------------------------------------------------------------------

    def _face(
        self, stream_mode: StreamMode | Sequence[StreamMode] | None, subgraphs: bool, version: str
    ) -> Face:
        return Face(
            stream_mode,
            subgraphs=subgraphs,
            version=version,
            default=self.stream_mode,
            values_mapper=self._output_model,
        )

    def _output(self, chunks: list[Any], stream_mode: StreamMode, version: str) -> Any:
        if stream_mode != "values":
            return chunks
        output = self.builder.output
        if version == "v2":
            value = chunks[-1]["data"] if chunks else None
            if isinstance(value, Mapping):
                value = output.select(value)
            return GraphOutput(value)
        return output.select(chunks[-1]) if chunks else None

    def _shaped(
        self, face: Face, input: Any, config: Config | None, context: Any, overflow: str
    ) -> tuple[Observable[Any], Callable[[Any], Any] | None]:
        """The run's items for ``face`` and the bridge's ``accept`` function.

        The engine shapes the items itself (no event objects), except for
        ``overflow="coalesce"``, whose bridge joins events before they are shaped.
        """
        if overflow == "coalesce":
            return self._observable(input, config, face.modes, context), face.accept()
        return self._observable(input, config, face.modes, context, face.direct()), None

    def _observable(
        self,
        input: Any,
        config: Config | None,
        modes: frozenset[StreamMode],
        context: Any,
        shape: Shape | None = None,
    ) -> Observable[Any]:
        subscribe = _Start(self, input, config, modes, context, shape).subscribe
        if shape is None:
            return Observable(subscribe)
        return DirectObservable(subscribe)  # only the bridges of stream() subscribe to it


class _Start:
    """What subscribing to a run's Observable does: start one run of the graph.

    One object holding the call's arguments (a closure would hold each in a cell of its
    own: objects that the garbage collector walks for as long as the run lasts).
    """

    __slots__ = ("config", "context", "graph", "input", "modes", "shape")

    def __init__(
        self,
        graph: Graph,
        input: Any,
        config: Config | None,
        modes: frozenset[StreamMode],
        context: Any,
        shape: Shape | None,
    ) -> None:
        self.graph, self.input, self.config = graph, input, config
        self.modes, self.context, self.shape = modes, context, shape

    def subscribe(
        self, observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        flow = flow_of(scheduler)
        run = drive(
            self.graph,
            self.input,
            self.config,
            self.modes,
            observer,
            flow,
            self.context,
            self.shape,
        )
        return launch(loop_of(scheduler), flow, run)
