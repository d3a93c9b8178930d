"""Writing a run's log as Server-Sent Events, and :func:`sse_response` for any app.

:func:`sse_stream` feeds a run's log *from its first entry* through a fresh encoder, so the
encoder's framing state (open messages, tool calls, steps) is the same on every resume, and
numbers the frames: an entry's first frame has the entry's id, its later frames ``.1``,
``.2``... It writes only the frames after the client's last id:

* ``Last-Event-ID: <id>``: the frames with a greater id (a frame id ``x.n`` resumes inside
  the entry ``x``);
* ``-``, ``-1``, ``0``, ``0-0`` (:data:`~._ids.FROM_START`): every frame;
* no ``Last-Event-ID``: only what the run emits from now on (a finished run's stream ends at
  once), as LangGraph's server does.

It writes ``retry: <ms>`` once, first; ``: keep-alive`` whenever nothing was written for
``keepalive`` seconds (event-driven: the store's read wakes it); and, when entries the client
has not seen were dropped from the log (see :mod:`._store`), a gap frame without an id
before what remains:

* LangGraph: ``event: resume_gap`` with ``{"first_available_id": "<id>"}``;
* AI SDK: a transient data part ``{"type": "data-resume-gap", "data": {"firstAvailableId":
  "<id>"}, "transient": true}`` (``useChat`` hands it to ``onData``, stores nothing);
* AG-UI: ``{"type": "CUSTOM", "name": "resume_gap", "value": {"firstAvailableId": "<id>"}}``.

:func:`sse_response` uses sse-starlette's ``EventSourceResponse`` rather than a bare
``StreamingResponse``: it watches for the client's disconnect in its own task (cancelling
the body, whose ``finally`` then cancels the run) and for uvicorn's shutdown (open streams
end instead of holding the server up). Its own timed ping is off: the keep-alive here is
sent only when the stream is idle.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rxagent.integrations.web._encoder import Encoder, Format
from rxagent.integrations.web._entries import Entry, Frame, error_data
from rxagent.integrations.web._ids import FROM_START, EventId
from rxagent.integrations.web._memory_store import MemoryRunStore
from rxagent.integrations.web._runs import DisconnectMode, RunManager, Source
from rxagent.integrations.web._store import LIVE_STATUSES, After, Gap, Idle, RunStore

if TYPE_CHECKING:
    from starlette.responses import Response

RETRY_MS = 3000
"""The ``retry:`` the streams start with: how long a browser waits before reconnecting."""
KEEPALIVE = 10.0
"""Seconds of silence after which a stream writes ``: keep-alive``."""
SSE_HEADERS: Mapping[str, str] = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
"""Headers of every stream: no caching, no proxy buffering (nginx honours the second)."""


def frame_text(frame: Frame, frame_id: EventId | None) -> str:
    """One SSE frame: ``id:``, ``event:``, one ``data:`` line per line of data, a blank line.

    Example:
        >>> print(frame_text(Frame('{"a":1}', "custom"), EventId(5, 0, 1)), end="")
        id: 5-0.1
        event: custom
        data: {"a":1}
        <BLANKLINE>
    """
    lines = [] if frame_id is None else [f"id: {frame_id}"]
    if frame.event is not None:
        lines.append(f"event: {frame.event}")
    lines.extend(f"data: {line}" for line in frame.data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


def gap_frame(format: Format, first_available: EventId) -> Frame:
    """The frame telling a resuming client that events it missed are gone.

    Example:
        >>> gap_frame("langgraph", EventId(7, 1))
        Frame(data='{"first_available_id":"7-1"}', event='resume_gap')
    """
    first = str(first_available)
    if format == "langgraph":
        return Frame(json.dumps({"first_available_id": first}, separators=(",", ":")), "resume_gap")
    if format == "ai-sdk":
        part = {"type": "data-resume-gap", "data": {"firstAvailableId": first}, "transient": True}
        return Frame(json.dumps(part, separators=(",", ":")))
    event = {"type": "CUSTOM", "name": "resume_gap", "value": {"firstAvailableId": first}}
    return Frame(json.dumps(event, separators=(",", ":")))


async def sse_stream(
    store: RunStore,
    run_id: str,
    encoder: Encoder,
    last_event_id: After,
    *,
    format: Format,
    keepalive: float | None = KEEPALIVE,
    retry_ms: int = RETRY_MS,
) -> AsyncIterator[bytes]:
    """The run's SSE stream for a client whose last id is ``last_event_id``.

    Args:
        store: holds the run.
        run_id: the run.
        encoder: a fresh encoder of ``format`` (fed from the log's first entry).
        last_event_id: what :func:`~._ids.parse_last_event_id` made of ``Last-Event-ID``.
        format: the encoder's format (it spells the gap frame).
        keepalive: seconds of silence before ``: keep-alive``; ``None``: never.
        retry_ms: the ``retry:`` written first.

    Raises:
        RunNotFound: no such run (checked before the first byte).
    """
    skip_through: EventId | None = last_event_id if isinstance(last_event_id, EventId) else None
    if last_event_id is None:
        run = await store.get_run(run_id)
        skip_through = await store.last_id(run_id)
        if run is None or run.status not in LIVE_STATUSES:  # nothing new will come
            yield f"retry: {retry_ms}\n\n".encode()
            return
    entries = store.read(run_id, FROM_START, idle=keepalive)
    yield f"retry: {retry_ms}\n\n".encode()
    try:
        async for item in entries:
            if isinstance(item, Idle):
                yield b": keep-alive\n\n"
            elif isinstance(item, Gap):
                if _missed(last_event_id, item):
                    yield frame_text(gap_frame(format, item.first_available), None).encode()
            else:
                text, failed = _entry_text(encoder, item, skip_through)
                if text:
                    yield text.encode()
                if failed or item.terminal:
                    return
    finally:
        with contextlib.suppress(Exception):
            await entries.aclose()  # type: ignore[attr-defined]


def _missed(last_event_id: After, gap: Gap) -> bool:
    """Whether a client at ``last_event_id`` had not seen some of the dropped entries."""
    if isinstance(last_event_id, EventId):
        return last_event_id.entry < gap.last_dropped
    return last_event_id == FROM_START


def _entry_text(encoder: Encoder, entry: Entry, skip_through: EventId | None) -> tuple[str, bool]:
    """The entry's frames after ``skip_through``, and whether encoding it failed (then the
    text is the encoder's ``error`` frames, and the stream ends)."""
    try:
        frames = encoder.encode(entry)
    except Exception as error:  # a payload the format cannot hold, or an encoder bug
        failed = Entry(entry.id, "error", data=error_data(error))
        return _frames_text(encoder.encode(failed), entry.id, skip_through), True
    return _frames_text(frames, entry.id, skip_through), False


def _frames_text(frames: Sequence[Frame], entry_id: EventId, skip_through: EventId | None) -> str:
    parts: list[str] = []
    for n, frame in enumerate(frames):
        frame_id = entry_id.frame(n)
        if skip_through is None or frame_id > skip_through:
            parts.append(frame_text(frame, frame_id))
    return "".join(parts)


def event_source_response(
    body: AsyncIterator[bytes], headers: Mapping[str, str] | None = None
) -> Response:
    """An SSE response streaming ``body``, with :data:`SSE_HEADERS` and ``headers``."""
    from sse_starlette import EventSourceResponse

    return EventSourceResponse(body, headers={**SSE_HEADERS, **(headers or {})}, ping=0)


def sse_response(
    source: Source,
    *,
    format: Format = "langgraph",
    stream_mode: str | Sequence[str] | None = None,
    subgraphs: bool = False,
    thread_id: str | None = None,
    run_id: str | None = None,
    message_id: str | None = None,
    keepalive: float | None = KEEPALIVE,
    max_event_bytes: int | None = None,
    on_disconnect: DisconnectMode = "cancel",
) -> Response:
    """Stream ``source`` to one client as SSE in ``format``: a Starlette/FastAPI response.

    The run starts when the response starts streaming; when the client goes away it is
    cancelled (``on_disconnect="continue"`` lets it finish unread). Nothing is kept: to let
    clients resume and rejoin, serve runs with :func:`~._app.create_app` instead.

    Args:
        source: the events, such as ``agent.observe(inputs)`` (an Observable: one run per
            subscription) or an async iterable of events.
        format: ``"langgraph"``, ``"ai-sdk"`` or ``"ag-ui"``.
        stream_mode: the LangGraph server modes to send (``format="langgraph"`` only;
            default ``"values"``... as the encoder's default).
        subgraphs: send subgraph events (``format="langgraph"``).
        thread_id: AG-UI's ``threadId`` (default: a new UUID).
        run_id: the run's id (default: a new UUID).
        message_id: the AI SDK ``start`` part's ``messageId``.
        keepalive: seconds of silence before ``: keep-alive``.
        max_event_bytes: the largest JSON one event may have; a larger one ends the run
            with an error.
        on_disconnect: ``"cancel"`` (default here) or ``"continue"``.

    Example:
        >>> from starlette.applications import Starlette
        >>> from starlette.routing import Route
        >>> from rxagent._demo import build_demo_agent, demo_inputs
        >>> agent = build_demo_agent(fast=True)
        >>> async def chat(request):
        ...     return sse_response(agent.observe(demo_inputs()), format="ai-sdk")
        >>> app = Starlette(routes=[Route("/chat", chat, methods=["POST"])])
    """
    from rxagent.integrations.web._encoders import encoder_for

    run_id = run_id or str(uuid.uuid4())
    thread_id = thread_id or str(uuid.uuid4())
    modes: Sequence[str] = (stream_mode,) if isinstance(stream_mode, str) else stream_mode or ()
    options: dict[str, Any] = {"thread_id": thread_id, "run_id": run_id}
    if modes:
        options["stream_modes"] = tuple(modes)
    encoder = encoder_for(format, subgraphs=subgraphs, message_id=message_id, **options)

    async def body() -> AsyncIterator[bytes]:
        store = MemoryRunStore(max_runs=1, retention_seconds=0.0)
        runs = RunManager(store, max_event_bytes=max_event_bytes)
        await store.create_thread(thread_id)
        run = await store.create_run(run_id, thread_id, "sse_response")
        await runs.start(run, lambda: source, modes=encoder.modes)
        try:
            async for chunk in sse_stream(
                store, run_id, encoder, FROM_START, format=format, keepalive=keepalive
            ):
                yield chunk
        finally:
            if on_disconnect == "cancel":
                runs.cancel(run_id)

    return event_source_response(body(), encoder.headers)


__all__ = (
    "KEEPALIVE",
    "RETRY_MS",
    "SSE_HEADERS",
    "event_source_response",
    "frame_text",
    "gap_frame",
    "sse_response",
    "sse_stream",
)
