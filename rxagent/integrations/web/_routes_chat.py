"""The Vercel AI SDK routes: ``POST /api/chat`` (``useChat``'s default) and its resume route.

``POST /api/chat`` takes ``useChat``'s body ``{id, messages: UIMessage[], trigger,
messageId, ...}`` (plus, optionally, ``assistant_id`` and ``rxagent: {buffer_ms,
throttle_ms}`` from the transport's ``body``). The chat ``id`` is the thread; the messages
are the whole conversation and become the run's input: a user or system message's text
parts its content; an assistant message's text parts its content and its tool parts
(``tool-<name>`` or ``dynamic-tool``, with ``toolCallId``, ``input`` and, once answered,
``output``) its tool calls, each answered one followed by its tool message. It answers the
UI message stream (header ``x-vercel-ai-ui-message-stream: v1``), ``Location`` pointing at
the run's LangGraph join route. A client going away does not stop the run (so that
``resume`` can pick it up); ``POST /api/chat/{id}/cancel`` (or the LangGraph cancel route)
stops it.

``GET /api/chat/{id}/stream`` answers 204 when no run of the chat is live, and otherwise the
live run's stream replayed in full from its ``start`` part, then live, as
``useChat({resume: true})`` expects.
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


def _server(request: Request) -> Server:
    return cast(Server, request.app.state.rxagent)


async def chat(request: Request) -> Response:
    server = _server(request)
    body = await read_json(request, server.max_body_bytes)
    chat_id = get_field(body, "id", str, None)
    if not chat_id:
        raise Problem(422, "'id' (the chat id) is required and must be a non-empty string")
    messages = get_field(body, "messages", list, None)
    if messages is None:
        raise Problem(422, "'messages' (the chat's UIMessage[]) is required")
    agent = server.agent(body["assistant_id"]) if "assistant_id" in body else server.default_agent
    pacing = Pacing.read(body.get("rxagent"), "rxagent")
    inputs = {"messages": ui_messages(messages)}
    await server.store.create_thread(chat_id)
    run = await server.start(
        RunRequest(
            agent=agent,
            thread_id=chat_id,
            input=inputs,
            modes=_encoder(chat_id, "").modes,
            pacing=pacing,
            merge_thread=False,
        )
    )
    stream_encoder = _encoder(chat_id, run.run_id)
    return server.stream(run, stream_encoder, "ai-sdk", "from-start", headers=run_headers(run))


async def resume(request: Request) -> Response:
    server = _server(request)
    chat_id = request.path_params["chat_id"]
    run = await server.active_run(chat_id)
    if run is None:
        return Response(status_code=204)
    return server.stream(run, _encoder(chat_id, run.run_id), "ai-sdk", "from-start")


async def cancel(request: Request) -> Response:
    server = _server(request)
    run = await server.active_run(request.path_params["chat_id"])
    if run is not None:
        server.runs.cancel(run.run_id)
    return Response(status_code=202)


def _encoder(chat_id: str, run_id: str) -> Any:
    return encoder_for("ai-sdk", thread_id=chat_id, run_id=run_id)


def ui_messages(messages: list[Any]) -> list[Any]:
    """``UIMessage[]`` as rxagent messages; 422 naming the bad message.

    Example:
        >>> [m.type for m in ui_messages([
        ...     {"id": "1", "role": "user", "parts": [{"type": "text", "text": "hi"}]},
        ...     {"id": "2", "role": "assistant", "parts": [{"type": "tool-f",
        ...      "toolCallId": "c1", "state": "output-available", "input": {},
        ...      "output": "ok"}]}])]
        ['human', 'ai', 'tool']
    """
    dicts: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("parts"), list):
            raise Problem(422, f"messages[{index}] must be a UIMessage with 'role' and 'parts'")
        dicts.extend(_ui_message(message, index))
    try:
        return list(convert_to_messages(dicts))
    except ValueError as error:
        raise Problem(422, str(error)) from None


def _ui_message(message: dict[str, Any], index: int) -> list[dict[str, Any]]:
    role = message.get("role")
    if role not in ("user", "assistant", "system"):
        raise Problem(
            422,
            f"messages[{index}].role must be one of 'user', 'assistant', 'system', got {role!r}",
        )
    parts = [part for part in message["parts"] if isinstance(part, dict)]
    text = "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")
    if role != "assistant":
        return [{"role": role, "content": text, "id": message.get("id")}]
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for part in parts:
        kind = str(part.get("type", ""))
        if not (kind.startswith("tool-") or kind == "dynamic-tool") or "toolCallId" not in part:
            continue
        name = part.get("toolName") if kind == "dynamic-tool" else kind.removeprefix("tool-")
        call_id = str(part["toolCallId"])
        args = part.get("input") if isinstance(part.get("input"), dict) else {}
        calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        if "output" in part:
            output = part["output"]
            content = output if isinstance(output, str) else json.dumps(output)
            results.append({"role": "tool", "content": content, "tool_call_id": call_id})
        elif "errorText" in part:
            results.append(
                {"role": "tool", "content": str(part["errorText"]), "tool_call_id": call_id}
            )
    ai: dict[str, Any] = {"role": "assistant", "content": text, "id": message.get("id")}
    if calls:
        ai["tool_calls"] = calls
    return [ai, *results]


ROUTES: list[BaseRoute] = [
    Route("/api/chat", chat, methods=["POST"]),
    Route("/api/chat/{chat_id}/stream", resume, methods=["GET"]),
    Route("/api/chat/{chat_id}/cancel", cancel, methods=["POST"]),
]
"""The AI SDK routes."""

__all__ = ("ROUTES", "ui_messages")
