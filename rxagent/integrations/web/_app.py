"""``create_app``: the Starlette app of ``rxagent serve``.

It serves the streaming subset of the LangGraph Agent Server API (see
:mod:`._routes_langgraph`), ``POST /api/chat`` for the Vercel AI SDK
(:mod:`._routes_chat`), ``POST /ag-ui`` for AG-UI (:mod:`._routes_agui`), the page at
``GET /``, ``GET /ok`` and ``GET /info``. All runs go to one :class:`~._store.RunStore` and
every protocol can rejoin any run.

Errors are ``{"detail": <message>}``: 400 an invalid ``Last-Event-ID``; 401 a missing or
wrong token; 404 an unknown thread, run or agent (naming the served ones); 409 a busy
thread; 413 a body over ``max_body_bytes``; 422 a malformed body or parameter, naming the
field and the valid choices; 503 no room for another run.

Example:
    >>> from rxagent._demo import build_demo_agent
    >>> app = create_app({"agent": build_demo_agent(fast=True)}, token="s3cret")
    >>> sorted(route.path for route in app.routes)[:3]
    ['/', '/ag-ui', '/api/chat']
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.resources
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from rxagent.integrations.web._launch import LocalLauncher, RunLauncher
from rxagent.integrations.web._memory_store import MemoryRunStore
from rxagent.integrations.web._routes_agui import ROUTES as AGUI_ROUTES
from rxagent.integrations.web._routes_chat import ROUTES as CHAT_ROUTES
from rxagent.integrations.web._routes_langgraph import ROUTES as LANGGRAPH_ROUTES
from rxagent.integrations.web._runs import RunManager
from rxagent.integrations.web._security import BearerToken, Problem
from rxagent.integrations.web._server import ServedAgent, Server
from rxagent.integrations.web._store import RunStore

MAX_BODY_BYTES = 1_000_000
"""The default cap of a request body (1 MB)."""
MAX_EVENT_BYTES = 1_000_000
"""The default cap of one event's JSON (1 MB)."""

_PLACEHOLDER = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>rxagent serve</title>"
    "<main><h1>rxagent serve</h1><p>The page is not installed; the API is at /threads, "
    "/runs/stream, /api/chat and /ag-ui.</p></main></html>"
)


def create_app(
    agents: Mapping[str, Any],
    *,
    store: RunStore | None = None,
    token: str | None = None,
    cors_origins: Sequence[str] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    max_event_bytes: int | None = MAX_EVENT_BYTES,
    keepalive: float | None = 10.0,
) -> Starlette:
    """The app serving ``agents`` (name → rxagent graph or compiled LangGraph graph).

    Args:
        agents: the agents, by the name clients pass as ``assistant_id``.
        store: where runs live (default: a :class:`~._memory_store.MemoryRunStore` with its
            defaults: 120 s retention, 10,000 entries per run, 1,000 runs).
        token: if given, every route but ``GET /`` needs ``Authorization: Bearer <token>``.
        cors_origins: origins allowed to call the API from a browser (default: none, no
            CORS headers at all).
        max_body_bytes: the largest request body (413 above).
        max_event_bytes: the largest JSON of one event; a larger event ends its run with an
            error (``None``: no limit).
        keepalive: seconds of silence after which a stream writes ``: keep-alive``.

    Raises:
        TypeError: an agent is neither an rxagent graph nor a LangGraph graph.
        ValueError: no agents.
    """
    if not agents:
        raise ValueError("create_app needs at least one agent to serve")
    served = {name: ServedAgent.of(name, graph) for name, graph in agents.items()}
    run_store: RunStore = store if store is not None else MemoryRunStore()
    server = Server(
        agents=served,
        store=run_store,
        runs=_launcher(run_store, max_event_bytes),
        keepalive=keepalive,
        max_body_bytes=max_body_bytes,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await server.runs.aclose()

    middleware: list[Middleware] = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "Accept"],
                expose_headers=["Location", "Content-Location", "x-vercel-ai-ui-message-stream"],
            )
        )
    if token:
        middleware.append(Middleware(BearerToken, token=token))
    app = Starlette(
        routes=_routes(),
        middleware=middleware,
        exception_handlers={Problem: _problem},
        lifespan=lifespan,
    )
    app.state.rxagent = server
    return app


def _launcher(store: RunStore, max_event_bytes: int | None) -> RunLauncher:
    """The store's own launcher if it has one (a Redis store: workers run the agents),
    else runs in this process."""
    make = getattr(store, "launcher", None)
    if callable(make):
        launcher: RunLauncher = make()
        return launcher
    return LocalLauncher(RunManager(store, max_event_bytes=max_event_bytes))


def _routes() -> list[BaseRoute]:
    return [
        Route("/", page, methods=["GET"]),
        Route("/ok", ok, methods=["GET"]),
        Route("/info", info, methods=["GET"]),
        *LANGGRAPH_ROUTES,
        *CHAT_ROUTES,
        *AGUI_ROUTES,
    ]


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return error.response()


async def page(request: Request) -> Response:
    """The live page (``static/index.html``), or a placeholder if it is not installed."""
    try:
        html = (
            importlib.resources.files("rxagent.integrations.web")
            .joinpath("static/index.html")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ModuleNotFoundError):
        html = _PLACEHOLDER
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def info(request: Request) -> Response:
    try:
        version = importlib.metadata.version("rxagent")
    except importlib.metadata.PackageNotFoundError:  # a checkout, not installed
        version = "unknown"
    return JSONResponse(
        {
            "version": version,
            "server": "rxagent",
            "flags": {"assistants": True, "crons": False, "langsmith": False},
        }
    )


__all__ = ("MAX_BODY_BYTES", "MAX_EVENT_BYTES", "create_app")
