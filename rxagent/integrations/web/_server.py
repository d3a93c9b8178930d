"""What the three protocols' routes share: the served agents, the store, starting a run and
streaming it.

A run started by any route is the same thing in the store (a thread, a run, a log), so a
run started with ``POST /ag-ui`` can be joined as LangGraph SSE, and one started with
``POST /threads/{id}/runs/stream`` rejoined as AG-UI (``?format=``): each stream has its own
encoder over the one log. The log holds the events of the modes the starting request's
encoder reads; a join in another format sees those.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reactivex import Observable
from starlette.responses import Response

from rxagent import operators as ops
from rxagent._types import StreamMode
from rxagent.events import Event
from rxagent.integrations.web._encoder import Encoder, Format
from rxagent.integrations.web._ids import InvalidEventId, parse_last_event_id
from rxagent.integrations.web._langgraph_json import to_json
from rxagent.integrations.web._launch import RunLauncher
from rxagent.integrations.web._runs import DisconnectMode
from rxagent.integrations.web._security import Problem, get_field
from rxagent.integrations.web._sse import event_source_response, sse_stream
from rxagent.integrations.web._store import (
    LIVE_STATUSES,
    After,
    RunRecord,
    RunStore,
    StoreFull,
    ThreadRecord,
)


@dataclass(frozen=True)
class ServedAgent:
    """An agent the server runs: an rxagent graph, or a LangGraph graph wrapped on the fly."""

    name: str
    graph: Any
    langgraph: bool

    @classmethod
    def of(cls, name: str, graph: Any) -> ServedAgent:
        """Wrap ``graph``; a ``TypeError`` if it is neither kind."""
        if callable(getattr(graph, "observe", None)):
            return cls(name, graph, langgraph=False)
        if _is_pregel(graph):
            return cls(name, graph, langgraph=True)
        raise TypeError(
            f"agent {name!r} is a {type(graph).__name__}: serve an rxagent graph (with "
            "'.observe()') or a compiled LangGraph graph"
        )

    def observe(
        self, input: Any, config: dict[str, Any] | None, context: Any, modes: Sequence[StreamMode]
    ) -> Observable[Event]:
        """The run of ``input`` in ``modes``, as an Observable."""
        if self.langgraph:
            from rxagent.integrations.langgraph import from_langgraph

            return from_langgraph(
                self.graph, input, config=config, context=context, stream_mode=list(modes)
            )
        result: Observable[Event] = self.graph.observe(
            input, config, context=context, stream_mode=list(modes)
        )
        return result


def _is_pregel(graph: Any) -> bool:
    try:
        from langgraph.pregel import Pregel
    except ImportError:  # pragma: no cover - the langchain extra is missing
        return False
    return isinstance(graph, Pregel)


@dataclass(frozen=True)
class Pacing:
    """``rxagent: {buffer_ms, throttle_ms}`` of a request: operators applied before logging."""

    buffer_ms: int | None = None
    throttle_ms: int | None = None

    @classmethod
    def read(cls, options: Any, where: str) -> Pacing:
        """Read ``{buffer_ms, throttle_ms}``; 422 if malformed."""
        if options is None:
            return cls()
        if not isinstance(options, dict):
            raise Problem(422, f"{where!r} must be an object with buffer_ms and throttle_ms")
        values: list[int | None] = []
        for name in ("buffer_ms", "throttle_ms"):
            value = get_field(options, name, int, None, where=f"{where}.")
            if value is not None and value <= 0:
                raise Problem(422, f"{where}.{name!r} must be a positive number of ms")
            values.append(value)
        return cls(values[0], values[1])

    def apply(self, events: Observable[Event]) -> Observable[Event]:
        """``events`` through ``buffer_tokens`` and ``throttle_custom`` as asked."""
        if self.buffer_ms is not None:
            events = events.pipe(ops.buffer_tokens(max_delay=self.buffer_ms / 1000))
        if self.throttle_ms is not None:
            events = events.pipe(ops.throttle_custom(self.throttle_ms / 1000))
        return events


@dataclass
class RunRequest:
    """Everything needed to start a run, whichever protocol asked."""

    agent: ServedAgent
    thread_id: str
    input: Any
    modes: Collection[str]
    """The rxagent modes to log: the encoder's ``modes``."""
    config: dict[str, Any] | None = None
    context: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stream_modes: tuple[str, ...] = ()
    subgraphs: bool = False
    pacing: Pacing = field(default_factory=Pacing)
    run_id: str | None = None
    merge_thread: bool = True
    """Add the thread's values to the input (LangGraph routes); ``False``: the input is the
    whole conversation (AI SDK and AG-UI clients send it all)."""


@dataclass
class Server:
    """The served agents, the store, the runs, and the limits."""

    agents: Mapping[str, ServedAgent]
    store: RunStore
    runs: RunLauncher
    """Who runs the runs: in this process, or workers (``rxagent serve --redis``)."""
    keepalive: float | None
    max_body_bytes: int

    def agent(self, name: object) -> ServedAgent:
        """The served agent ``name``; 404 naming the served ones."""
        agent = self.agents.get(name) if isinstance(name, str) else None
        if agent is None:
            served = ", ".join(repr(n) for n in self.agents)
            raise Problem(404, f"no agent {name!r} is served here: the served ones are {served}")
        return agent

    @property
    def default_agent(self) -> ServedAgent:
        """``agent`` if served, else the first one."""
        return self.agents.get("agent") or next(iter(self.agents.values()))

    async def thread(self, thread_id: str) -> ThreadRecord:
        """The thread; 404 if unknown."""
        thread = await self.store.get_thread(thread_id)
        if thread is None:
            raise Problem(404, f"no thread {thread_id!r}")
        return thread

    async def run(self, thread_id: str, run_id: str) -> RunRecord:
        """The run of that thread; 404 if unknown (or dropped after its retention)."""
        run = await self.store.get_run(run_id)
        if run is None or run.thread_id != thread_id:
            raise Problem(404, f"no run {run_id!r} in thread {thread_id!r} (or it has expired)")
        return run

    async def active_run(self, thread_id: str) -> RunRecord | None:
        """The thread's pending or running run, if any."""
        for run in await self.store.list_runs(thread_id):
            if run.status in LIVE_STATUSES:
                return run
        return None

    async def start(self, request: RunRequest) -> RunRecord:
        """Create the run and start it; 409 if the thread is busy, 503 if the store is full."""
        active = await self.active_run(request.thread_id)
        if active is not None:
            raise Problem(
                409,
                f"thread {request.thread_id!r} is busy with run {active.run_id!r}: wait for "
                "it or cancel it",
            )
        run_id = request.run_id or str(uuid.uuid4())
        if request.run_id is not None and await self.store.get_run(run_id) is not None:
            raise Problem(409, f"run {run_id!r} exists already")
        thread = await self.thread(request.thread_id)
        try:
            run = await self.store.create_run(
                run_id,
                request.thread_id,
                request.agent.name,
                metadata=request.metadata,
                stream_modes=request.stream_modes,
                subgraphs=request.subgraphs,
            )
        except StoreFull as error:
            raise Problem(503, str(error)) from None
        inputs = (
            merged_input(thread.values, request.input) if request.merge_thread else request.input
        )
        await self.runs.launch(run, request, inputs)
        return run

    def stream(
        self,
        run: RunRecord,
        encoder: Encoder,
        format: Format,
        after: After,
        *,
        on_disconnect: DisconnectMode = "continue",
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The SSE response of ``run`` for a client at ``after``."""
        body = sse_stream(
            self.store, run.run_id, encoder, after, format=format, keepalive=self.keepalive
        )
        cancel: Callable[[], object] | None = None
        if on_disconnect == "cancel":
            run_id = run.run_id
            cancel = lambda: self.runs.cancel(run_id)  # noqa: E731
        all_headers = {**encoder.headers, **(headers or {})}
        return event_source_response(_until_disconnect(body, cancel), all_headers)

    def thread_json(self, thread: ThreadRecord) -> dict[str, Any]:
        """The SDK's ``Thread`` dict."""
        return thread.as_json(to_json(thread.values))


async def _until_disconnect(
    body: AsyncIterator[bytes], on_disconnect: Callable[[], object] | None
) -> AsyncIterator[bytes]:
    """``body``; if the client goes away before its end, call ``on_disconnect``."""
    finished = False
    try:
        async for chunk in body:
            yield chunk
        finished = True
    finally:
        await body.aclose()  # type: ignore[attr-defined]
        if not finished and on_disconnect is not None:
            on_disconnect()


def run_headers(run: RunRecord) -> dict[str, str]:
    """``Location`` (where to rejoin the stream) and ``Content-Location`` (the run)."""
    path = f"/threads/{run.thread_id}/runs/{run.run_id}"
    return {"Location": f"{path}/stream", "Content-Location": path}


def merged_input(values: Mapping[str, Any], input: Any) -> Any:
    """The next run's input on a thread: its messages after the thread's, other keys merged.

    Example:
        >>> merged_input({"messages": [1], "k": 1}, {"messages": [2]})
        {'messages': [1, 2], 'k': 1}
    """
    if not values:
        return input
    if input is None:
        return dict(values)
    if not isinstance(input, dict):
        return input
    merged = {**values, **input}
    if "messages" in values and "messages" in input:
        new = input["messages"]
        merged["messages"] = [*values["messages"], *(new if isinstance(new, list) else [new])]
    return merged


def last_event_id(text: str | None) -> After:
    """``Last-Event-ID`` read; 400 if it is not an id."""
    try:
        return parse_last_event_id(text)
    except InvalidEventId as error:
        raise Problem(400, str(error)) from None


__all__ = (
    "Pacing",
    "RunRequest",
    "ServedAgent",
    "Server",
    "last_event_id",
    "merged_input",
    "run_headers",
)
