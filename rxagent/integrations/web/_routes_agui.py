"""The AG-UI route: ``POST /ag-ui`` with a ``RunAgentInput``, answered as AG-UI events.

The body: ``threadId``, ``runId`` (the run lives in the store under these, so
``GET /threads/{threadId}/runs/{runId}/stream?format=ag-ui`` rejoins it and
``POST /threads/{threadId}/runs/{runId}/cancel`` stops it), ``messages`` (user, assistant
with ``toolCalls``, tool with ``toolCallId``, system and developer), ``state`` (merged into
the input under the messages), ``tools`` and ``context`` (accepted; the served agent has its
own tools), ``forwardedProps`` (``forwardedProps.rxagent = {buffer_ms, throttle_ms}`` paces
the run; ``forwardedProps.assistant_id`` picks the agent). A client going away does not stop
the run (rejoin it after a reload); the cancel route does.
"""

from __future__ import annotations

import json
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rxagent.integrations.web._encoders import encoder_for
from rxagent.integrations.web._security import Problem, get_field, read_json
from rxagent.integrations.web._server import Pacing, RunRequest, Server, run_headers
from rxagent.messages import convert_to_messages

_ROLES = ("user", "assistant", "system", "developer", "tool")


async def run_agent(request: Request) -> Response:
    server = cast(Server, request.app.state.rxagent)
    body = await read_json(request, server.max_body_bytes)
    thread_id = _id(body, "threadId")
    run_id = _id(body, "runId")
    messages = agui_messages(get_field(body, "messages", list, []))
    state = get_field(body, "state", dict, {})
    get_field(body, "tools", list, [])
    forwarded = get_field(body, "forwardedProps", dict, {})
    pacing = Pacing.read(forwarded.get("rxagent"), "forwardedProps.rxagent")
    name = forwarded.get("assistant_id")
    agent = server.agent(name) if name is not None else server.default_agent
    encoder = encoder_for("ag-ui", thread_id=thread_id, run_id=run_id)
    await server.store.create_thread(thread_id)
    inputs = {**{k: v for k, v in state.items() if k != "messages"}, "messages": messages}
    run = await server.start(
        RunRequest(
            agent=agent,
            thread_id=thread_id,
            run_id=run_id,
            input=inputs,
            modes=encoder.modes,
            pacing=pacing,
            merge_thread=False,
        )
    )
    return server.stream(run, encoder, "ag-ui", "from-start", headers=run_headers(run))


def _id(body: dict[str, Any], name: str) -> str:
    value = get_field(body, name, str, "")
    if not value or "/" in value:
        raise Problem(422, f"{name!r} is required: a non-empty string without '/'")
    return value


def agui_messages(messages: list[Any]) -> list[Any]:
    """AG-UI messages as rxagent messages; 422 naming the bad message.

    Example:
        >>> [m.type for m in agui_messages([
        ...     {"id": "1", "role": "user", "content": "hi"},
        ...     {"id": "2", "role": "assistant", "toolCalls": [{"id": "c1", "type": "function",
        ...      "function": {"name": "f", "arguments": "{}"}}]},
        ...     {"id": "3", "role": "tool", "toolCallId": "c1", "content": "ok"}])]
        ['human', 'ai', 'tool']
    """
    dicts: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            valid = ", ".join(repr(r) for r in _ROLES)
            raise Problem(422, f"messages[{index}] needs a 'role', one of {valid}")
        dicts.append(_message(message, index))
    try:
        return list(convert_to_messages(dicts))
    except ValueError as error:
        raise Problem(422, str(error)) from None


def _message(message: dict[str, Any], index: int) -> dict[str, Any]:
    role = message["role"]
    content = message.get("content")
    if not isinstance(content, str):
        content = "" if content is None else json.dumps(content)
    out: dict[str, Any] = {"role": role, "content": content}
    if isinstance(message.get("id"), str):
        out["id"] = message["id"]
    if role == "tool":
        out["tool_call_id"] = str(message.get("toolCallId", ""))
    calls = message.get("toolCalls")
    if role == "assistant" and isinstance(calls, list) and calls:
        out["tool_calls"] = [_call(call, index) for call in calls]
    return out


def _call(call: Any, index: int) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise Problem(422, f"messages[{index}].toolCalls: each needs function.name")
    try:
        args = json.loads(function.get("arguments") or "{}")
    except ValueError:
        raise Problem(422, f"messages[{index}].toolCalls: arguments are not JSON") from None
    return {"name": function["name"], "args": args, "id": call.get("id"), "type": "tool_call"}


ROUTES: list[BaseRoute] = [Route("/ag-ui", run_agent, methods=["POST"])]
"""The AG-UI route."""

__all__ = ("ROUTES", "agui_messages")
