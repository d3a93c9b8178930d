"""The thread routes of the LangGraph Agent Server API, as far as rxagent keeps threads.

A thread here is its metadata and one state: the values its last run ended with. There are
no checkpoints, so a thread's history is that one state (or nothing before its first run).

=======================================  ===================================================
``POST /threads``                        ``{thread_id?, metadata?, if_exists?}`` → Thread
``GET /threads/{tid}``                   → Thread (``values``: its last run's final state)
``GET /threads/{tid}/state``             → ThreadState (``select``: fields to keep;
                                         ``subgraphs``: accepted, no subgraph states)
``POST /threads/{tid}/history``          ``{limit?, before?, metadata?, checkpoint?,
                                         select?}`` → [ThreadState]: the one state, or ``[]``
=======================================  ===================================================

The ThreadState (``langgraph-sdk``'s ``ThreadState``): ``values`` (JSON as the streams send
it), ``next: []``, ``tasks: []``, ``metadata: {}``, ``created_at: null`` (when the values
were set is not recorded), ``checkpoint`` ``{thread_id, checkpoint_ns: "", checkpoint_id,
checkpoint_map: null}``, ``parent_checkpoint: null``, ``interrupts: []``. ``checkpoint_id``
is a UUID derived from the thread id and the values, so it is the same on every read of the
same state and changes when a run changes the values. A thread with no state yet has
``values: {}`` and ``checkpoint: null``, as LangGraph's server answers for a thread without
checkpoints (``useStream`` then shows no history), and an empty history.

The history filters truthfully against the one state: ``limit: 0``, any ``before`` (no state
is older), a ``metadata`` filter the state's empty metadata does not contain, or a
``checkpoint`` naming another id or a subgraph namespace give ``[]``.

``useStream`` (the React hook of ``@langchain/langgraph-sdk``) reads these on mount and after
a run: ``getState`` without ``fetchStateHistory``, ``getHistory`` with it.

Not served: a state at a given checkpoint (``GET /threads/{tid}/state/{checkpoint_id}``,
``POST /threads/{tid}/state/checkpoint``), writing state (``POST``/``PATCH
/threads/{tid}/state``), ``PATCH``/``DELETE /threads/{tid}``, ``/threads/search``, copying and
pruning threads, and ``GET /threads/{tid}/stream``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from rxagent.integrations.web._langgraph_json import to_json
from rxagent.integrations.web._security import Problem, get_choice, get_field, read_json
from rxagent.integrations.web._server import Server
from rxagent.integrations.web._store import ThreadRecord

STATE_FIELDS: tuple[str, ...] = (
    "values",
    "next",
    "tasks",
    "checkpoint",
    "metadata",
    "created_at",
    "parent_checkpoint",
    "interrupts",
)
"""The fields of a ThreadState, which ``select`` picks from (and ``values.<key>``)."""

_CHECKPOINTS = uuid.UUID("6f3b4a52-9b7e-4c1e-a7f4-2d8c0b5e9a13")
"""The namespace of the checkpoint ids derived from a thread's state."""


def server_of(request: Request) -> Server:
    """The app's :class:`~._server.Server`."""
    return cast(Server, request.app.state.rxagent)


async def create_thread(request: Request) -> Response:
    server = server_of(request)
    body = await read_json(request, server.max_body_bytes)
    thread_id = get_field(body, "thread_id", str, None) or str(uuid.uuid4())
    metadata = get_field(body, "metadata", dict, {})
    if_exists = get_choice(body, "if_exists", ("raise", "do_nothing"), "raise")
    if await server.store.get_thread(thread_id) is not None and if_exists == "raise":
        raise Problem(409, f"thread {thread_id!r} exists already (if_exists='raise')")
    thread = await server.store.create_thread(thread_id, metadata)
    return JSONResponse(server.thread_json(thread))


async def get_thread(request: Request) -> Response:
    server = server_of(request)
    thread = await server.thread(request.path_params["thread_id"])
    return JSONResponse(server.thread_json(thread))


async def get_state(request: Request) -> Response:
    """``GET /threads/{tid}/state``."""
    thread = await server_of(request).thread(request.path_params["thread_id"])
    fields = [field for field in request.query_params.getlist("select") if field]
    return JSONResponse(select(thread_state(thread), fields))


async def get_history(request: Request) -> Response:
    """``POST /threads/{tid}/history``."""
    server = server_of(request)
    thread = await server.thread(request.path_params["thread_id"])
    body = await read_json(request, server.max_body_bytes)
    limit = get_field(body, "limit", int, 10)
    if limit < 0:
        raise Problem(422, f"'limit' must be a non-negative integer, got {limit}")
    metadata = get_field(body, "metadata", dict, {})
    checkpoint = get_field(body, "checkpoint", dict, {})
    fields = get_field(body, "select", list, [])
    state = thread_state(thread)
    current = state["checkpoint"]
    keep = (
        current is not None
        and limit > 0
        and body.get("before") is None
        and all(state["metadata"].get(key) == value for key, value in metadata.items())
        and checkpoint.get("checkpoint_ns", "") == ""
        and checkpoint.get("checkpoint_id") in (None, current["checkpoint_id"])
    )
    return JSONResponse([select(state, fields)] if keep else [])


def thread_state(thread: ThreadRecord) -> dict[str, Any]:
    """The thread's one state as the SDK's ``ThreadState`` (see the module docstring)."""
    values = to_json(thread.values)
    checkpoint = None
    if thread.values:
        text = json.dumps(values, sort_keys=True, separators=(",", ":"))
        checkpoint = {
            "thread_id": thread.thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": str(uuid.uuid5(_CHECKPOINTS, f"{thread.thread_id}\n{text}")),
            "checkpoint_map": None,
        }
    return {
        "values": values,
        "next": [],
        "tasks": [],
        "metadata": {},
        "created_at": None,
        "checkpoint": checkpoint,
        "parent_checkpoint": None,
        "interrupts": [],
    }


def select(state: dict[str, Any], fields: list[Any]) -> dict[str, Any]:
    """``state`` with only the ``fields`` asked for (all if none); 422 for an unknown one.

    Example:
        >>> select({"values": {"a": 1, "b": 2}, "next": []}, ["values.a", "next"])
        {'next': [], 'values': {'a': 1}}
    """
    if not fields:
        return state
    picked: dict[str, Any] = {}
    keys: list[str] = []
    for field in fields:
        if isinstance(field, str) and field.startswith("values."):
            keys.append(field.removeprefix("values."))
        elif field in STATE_FIELDS:
            picked[field] = state[field]
        else:
            valid = ", ".join(repr(name) for name in STATE_FIELDS)
            raise Problem(422, f"cannot select {field!r}: choose from {valid} or 'values.<key>'")
    if keys and "values" not in picked:
        values = state["values"]
        picked["values"] = {key: values[key] for key in keys if key in values}
    return picked


ROUTES: list[BaseRoute] = [
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}/state", get_state, methods=["GET"]),
    Route("/threads/{thread_id}/history", get_history, methods=["POST"]),
]
"""The thread routes."""

__all__ = ("ROUTES", "STATE_FIELDS", "select", "server_of", "thread_state")
