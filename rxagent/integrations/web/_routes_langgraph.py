"""The streaming subset of the LangGraph Agent Server API, as ``langgraph-sdk`` calls it.

=========================================  =================================================
``/threads``, ``/threads/{tid}``,           create and read a thread, its state and its
``/threads/{tid}/state`` and ``/history``  history: :mod:`._routes_threads`
``POST /threads/{tid}/runs/stream``        run body (below) → SSE, ``Location`` headers
``POST /runs/stream``                      the same on a new thread of its own (stateless)
``GET /threads/{tid}/runs/{rid}/stream``   join: ``Last-Event-ID``, ``stream_mode``
                                           (repeated or a JSON array), ``format``
                                           (``langgraph`` | ``ai-sdk`` | ``ag-ui``),
                                           ``stream_subgraphs``, ``cancel_on_disconnect``
``GET /threads/{tid}/runs/{rid}``          → Run (``status``)
``GET /threads/{tid}/runs``                → [Run], newest first (``limit``, ``offset``,
                                           ``status``)
``POST /threads/{tid}/runs/{rid}/cancel``  ``?wait=0|1&action=interrupt|rollback`` → 202
``POST /assistants/search``                → [Assistant], one per served agent
``GET /assistants/{aid}``                  → Assistant
=========================================  =================================================

The run body: ``assistant_id`` (a served agent's name), ``input``, ``config``, ``context``,
``stream_mode`` (a mode or a list; default ``values``), ``stream_subgraphs``,
``on_disconnect`` (``cancel`` | ``continue``, default ``continue``), ``stream_resumable``
(accepted, ignored: every run is resumable within retention), ``metadata``,
``if_not_exists`` (``create`` | ``reject``), and rxagent's own ``rxagent: {buffer_ms,
throttle_ms}``, which pipes the run through ``buffer_tokens`` and ``throttle_custom`` before
it is logged. Other keys of the SDK's body (``interrupt_before``, ``webhook``, ``checkpoint``,
``multitask_strategy``...) are ignored.

Both SDKs are tested against these routes (``tests/integrations/web/server/test_langgraph_sdk.py``
and ``test_js_sdk.py``). What the JS client sends: ``stream_mode`` as a JSON list on a run
and as repeated query parameters on a join; ``Last-Event-ID`` as a header, ``"-1"`` when
``useStream`` rejoins (from the first entry); ``cancel_on_disconnect=0|1`` always, and
``namespace`` and ``checkpoint_id`` when set (ignored). When a stream closes without an
``error`` part, both clients ``GET`` the run (the path of the ``Location`` header without
``/stream``) and rejoin with the last id they saw while it is ``pending`` or ``running``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from rxagent.integrations.web._encoder import FORMATS, Encoder, Format
from rxagent.integrations.web._encoders import encoder_for
from rxagent.integrations.web._langgraph_sse import LANGGRAPH_STREAM_MODES
from rxagent.integrations.web._routes_threads import ROUTES as THREAD_ROUTES
from rxagent.integrations.web._routes_threads import server_of as _server
from rxagent.integrations.web._runs import DisconnectMode
from rxagent.integrations.web._security import Problem, get_choice, get_field, read_json
from rxagent.integrations.web._server import Pacing, RunRequest, last_event_id, run_headers
from rxagent.integrations.web._store import RunRecord

_STARTED = datetime.now(UTC).isoformat()


async def stream_run(request: Request) -> Response:
    """``POST /threads/{tid}/runs/stream`` and ``POST /runs/stream``."""
    server = _server(request)
    body = await read_json(request, server.max_body_bytes)
    agent = server.agent(body.get("assistant_id"))
    pacing = Pacing.read(body.get("rxagent"), "rxagent")
    modes = _modes(body.get("stream_mode"))
    subgraphs = get_field(body, "stream_subgraphs", bool, False)
    on_disconnect = cast(
        DisconnectMode, get_choice(body, "on_disconnect", ("cancel", "continue"), "continue")
    )
    thread_id = request.path_params.get("thread_id")
    if thread_id is None:
        thread_id = str(uuid.uuid4())
        await server.store.create_thread(thread_id, ephemeral=True)
    elif await server.store.get_thread(thread_id) is None:
        if get_choice(body, "if_not_exists", ("create", "reject"), "reject") == "reject":
            raise Problem(404, f"no thread {thread_id!r} (pass if_not_exists='create')")
        await server.store.create_thread(thread_id)
    get_field(body, "stream_resumable", bool, False)  # accepted; every run is resumable
    encoder = _encoder(modes, subgraphs)
    run = await server.start(
        RunRequest(
            agent=agent,
            thread_id=thread_id,
            input=body.get("input"),
            modes=encoder.modes,
            config=get_field(body, "config", dict, None),
            context=body.get("context"),
            metadata=get_field(body, "metadata", dict, {}),
            stream_modes=modes,
            subgraphs=subgraphs,
            pacing=pacing,
        )
    )
    return server.stream(
        run, encoder, "langgraph", "from-start", on_disconnect=on_disconnect,
        headers=run_headers(run),
    )  # fmt: skip


async def join_run(request: Request) -> Response:
    """``GET /threads/{tid}/runs/{rid}/stream``."""
    server = _server(request)
    params = request.query_params
    after = last_event_id(request.headers.get("last-event-id") or params.get("last_event_id"))
    run = await server.run(request.path_params["thread_id"], request.path_params["run_id"])
    format = params.get("format", "langgraph")
    if format not in FORMATS:
        valid = ", ".join(repr(f) for f in FORMATS)
        raise Problem(422, f"'format' must be one of {valid}, got {format!r}")
    requested = [
        mode for mode in params.getlist("stream_mode") if mode
    ]  # the SDK sends "" for None
    if len(requested) == 1 and requested[0].startswith("["):
        try:
            requested = json.loads(requested[0])
        except ValueError:
            raise Problem(422, "'stream_mode' is not a valid JSON array") from None
    modes = _modes(requested or list(run.stream_modes) or None)
    subgraphs = _flag(params.get("stream_subgraphs"), run.subgraphs)
    cancel = _flag(params.get("cancel_on_disconnect"), False)
    encoder = _format_encoder(format, run, modes, subgraphs)
    return server.stream(
        run, encoder, format, after,
        on_disconnect="cancel" if cancel else "continue", headers=run_headers(run),
    )  # fmt: skip


async def get_run(request: Request) -> Response:
    server = _server(request)
    run = await server.run(request.path_params["thread_id"], request.path_params["run_id"])
    return JSONResponse(run.as_json())


async def list_runs(request: Request) -> Response:
    server = _server(request)
    thread = await server.thread(request.path_params["thread_id"])
    params = request.query_params
    limit, offset = _int(params.get("limit"), "limit", 10), _int(params.get("offset"), "offset", 0)
    status = params.get("status")
    runs = [
        run.as_json()
        for run in await server.store.list_runs(thread.thread_id)
        if status is None or run.status == status
    ]
    return JSONResponse(runs[offset : offset + limit])


async def cancel_run(request: Request) -> Response:
    server = _server(request)
    run = await server.run(request.path_params["thread_id"], request.path_params["run_id"])
    params = request.query_params
    action = params.get("action", "interrupt")
    if action not in ("interrupt", "rollback"):
        raise Problem(422, f"'action' must be one of 'interrupt', 'rollback', got {action!r}")
    server.runs.cancel(run.run_id)
    if _flag(params.get("wait"), False):
        await server.runs.wait(run.run_id)
    return Response(status_code=202)


async def search_assistants(request: Request) -> Response:
    server = _server(request)
    await read_json(request, server.max_body_bytes)
    return JSONResponse([_assistant(name) for name in server.agents])


async def get_assistant(request: Request) -> Response:
    server = _server(request)
    return JSONResponse(_assistant(server.agent(request.path_params["assistant_id"]).name))


def _assistant(name: str) -> dict[str, Any]:
    return {
        "assistant_id": name,
        "graph_id": name,
        "name": name,
        "description": None,
        "config": {},
        "context": {},
        "metadata": {},
        "version": 1,
        "created_at": _STARTED,
        "updated_at": _STARTED,
    }


def _modes(value: Any) -> tuple[str, ...]:
    """``stream_mode`` (a mode or a list of modes; default ``values``), checked: 422."""
    if value is None:
        return ("values",)
    modes = [value] if isinstance(value, str) else value
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes) or not modes:
        raise Problem(422, "'stream_mode' must be a stream mode or a non-empty list of them")
    valid = ", ".join(repr(m) for m in LANGGRAPH_STREAM_MODES)
    for mode in modes:
        if mode not in LANGGRAPH_STREAM_MODES:
            raise Problem(422, f"unsupported stream_mode {mode!r}: choose from {valid}")
    return tuple(dict.fromkeys(modes))


def _encoder(modes: tuple[str, ...], subgraphs: bool) -> Encoder:
    try:
        return encoder_for("langgraph", stream_modes=modes, subgraphs=subgraphs)
    except ValueError as error:
        raise Problem(422, str(error)) from None


def _format_encoder(
    format: Format, run: RunRecord, modes: tuple[str, ...], subgraphs: bool
) -> Encoder:
    if format == "langgraph":
        return _encoder(modes, subgraphs)
    return encoder_for(format, thread_id=run.thread_id, run_id=run.run_id)


def _flag(text: str | None, default: bool) -> bool:
    if text is None:
        return default
    return text.strip().lower() in ("1", "true", "yes", "on")


def _int(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit():
        raise Problem(422, f"{name!r} must be a non-negative integer, got {text!r}")
    return int(text)


ROUTES: list[BaseRoute] = [
    *THREAD_ROUTES,
    Route("/threads/{thread_id}/runs/stream", stream_run, methods=["POST"]),
    Route("/runs/stream", stream_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_runs, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", get_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/stream", join_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
    Route("/assistants/search", search_assistants, methods=["POST"]),
    Route("/assistants/{assistant_id}", get_assistant, methods=["GET"]),
]
"""The LangGraph routes."""

__all__ = ("ROUTES",)
