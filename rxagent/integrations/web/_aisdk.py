"""The Vercel AI SDK UI message stream (``x-vercel-ai-ui-message-stream: v1``), from a run's log.

The parts are those of ``ai`` 7's ``ui-message-chunks.ts``, framed as ``data: <json>`` (no
``event:``), the stream closed by ``data: [DONE]``. The :class:`~._lifecycle.Framer` decides
what opens and closes; this maps its parts:

* ``start{messageId}`` first: the id is stable per run (``msg-<run_id>`` unless given), so a
  replay (``useChat({resume: true})`` replays the whole response) rebuilds the same message;
* ``start-step``/``finish-step`` per root-graph superstep; the framer has closed every text
  and tool input before a ``finish-step`` (``ai`` 6 clears active text parts there);
* ``text-start{id}``/``text-delta{id, delta}``/``text-end{id}`` per message id;
* ``tool-input-start{toolCallId, toolName, dynamic: true}``, ``tool-input-delta{toolCallId,
  inputTextDelta}``, ``tool-input-available{toolCallId, toolName, input, dynamic: true}`` (or
  ``tool-input-error`` when the arguments are no JSON object); results are
  ``tool-output-available{toolCallId, output}`` or ``tool-output-error{toolCallId,
  errorText}``;
* ``custom`` payloads follow ``@ai-sdk/langchain``: ``data-<payload["type"] or "custom">``
  with ``data`` the payload, ``id`` the payload's ``id``, ``transient: true`` when there is
  no id. rxagent adds attribution: a payload without ``id`` written inside a tool call gets
  the tool call's id (else its task's id) as part id, so progress updates in place per call;
* text and tool parts carry ``providerMetadata.rxagent`` (``node``, ``ns``, ``taskId``);
* the end is ``finish{finishReason: "stop", messageMetadata: {"usage": ...}}``; an error is
  ``error{errorText}`` and a cancelled run ``abort{reason}``, as ``streamText`` ends (no
  ``finish`` after either); then ``[DONE]``.

Example:
    >>> from rxagent.integrations.web._entries import Entry
    >>> from rxagent.integrations.web._ids import EventId
    >>> encoder = AISdkEncoder()
    >>> encoder.encode(Entry(EventId(1, 0), "metadata", data={"run_id": "r1"}))
    [Frame(data='{"type":"start","messageId":"msg-r1"}', event=None)]
    >>> [f.data for f in encoder.encode(Entry(EventId(1, 1), "cancelled"))]
    ['{"type":"abort","reason":"cancelled"}', '[DONE]']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from rxagent._types import StreamMode
from rxagent.integrations.web._entries import Entry, Frame
from rxagent.integrations.web._langgraph_json import jsonable
from rxagent.integrations.web._lifecycle import Framer
from rxagent.integrations.web._lifecycle_parts import (
    Custom,
    Origin,
    Part,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    TextDelta,
    TextEnded,
    TextStarted,
    ToolCallArgs,
    ToolCallEnded,
    ToolCallStarted,
    ToolResult,
    Usage,
)

AISDK_HEADERS: Final[Mapping[str, str]] = {
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
"""The headers a UI message stream response needs (``ui-message-stream-headers.ts``)."""

AISDK_MODES: Final[frozenset[StreamMode]] = frozenset(
    {"messages", "updates", "custom", "tools", "tasks"}
)
"""The rxagent modes an AI SDK stream reads."""

DONE: Final = "[DONE]"
"""The ``data:`` of the stream's last frame."""


class AISdkEncoder:
    """Frames a run's log as an AI SDK UI message stream (one encoder per response).

    Args:
        message_id: the assistant message's id; by default ``msg-<run_id>``.
    """

    def __init__(self, *, message_id: str | None = None) -> None:
        """Start before the run."""
        self._message_id = message_id
        self._framer = Framer()

    @property
    def modes(self) -> frozenset[StreamMode]:
        """See :data:`AISDK_MODES`."""
        return AISDK_MODES

    @property
    def headers(self) -> Mapping[str, str]:
        """See :data:`AISDK_HEADERS`."""
        return AISDK_HEADERS

    def encode(self, entry: Entry) -> list[Frame]:
        """The frames of ``entry``: one per UI message chunk, and ``[DONE]`` at the end."""
        frames: list[Frame] = []
        for part in self._framer.feed(entry):
            frames.extend(Frame(_dumps(chunk)) for chunk in self._chunks(part))
            if isinstance(part, RunFinished):
                frames.append(Frame(DONE))
        return frames

    def _chunks(self, part: Part) -> list[dict[str, Any]]:
        if isinstance(part, TextStarted | TextDelta | TextEnded):
            return [_text(part)]
        if isinstance(part, ToolCallStarted | ToolCallArgs | ToolCallEnded | ToolResult):
            return [_tool(part)]
        if isinstance(part, Custom):
            return [_data(part)]
        if isinstance(part, StepStarted | StepFinished):
            return [{"type": "start-step" if isinstance(part, StepStarted) else "finish-step"}]
        if isinstance(part, RunStarted):
            return [{"type": "start", "messageId": self._message_id or f"msg-{part.run_id}"}]
        if isinstance(part, RunFinished):
            return [_finish(part)]
        return []  # tasks and subagents: attribution only (providerMetadata)


def _text(part: TextStarted | TextDelta | TextEnded) -> dict[str, Any]:
    if isinstance(part, TextStarted):
        return {"type": "text-start", "id": part.message_id, **_provider(part.origin)}
    if isinstance(part, TextDelta):
        return {"type": "text-delta", "id": part.message_id, "delta": part.delta}
    return {"type": "text-end", "id": part.message_id}


def _tool(part: ToolCallStarted | ToolCallArgs | ToolCallEnded | ToolResult) -> dict[str, Any]:
    call_id = part.tool_call_id
    if isinstance(part, ToolCallStarted):
        chunk = {"type": "tool-input-start", "toolCallId": call_id, "toolName": part.name}
        return {**chunk, "dynamic": True, **_provider(part.origin)}
    if isinstance(part, ToolCallArgs):
        return {"type": "tool-input-delta", "toolCallId": call_id, "inputTextDelta": part.delta}
    if isinstance(part, ToolCallEnded):
        return _input(part)
    if part.error:
        return {"type": "tool-output-error", "toolCallId": call_id, "errorText": part.content}
    origin = part.origin
    output = jsonable(part.output, mode="tools", node=origin.node, seq=origin.seq)
    return {"type": "tool-output-available", "toolCallId": call_id, "output": output}


def _input(part: ToolCallEnded) -> dict[str, Any]:
    chunk: dict[str, Any] = {"toolCallId": part.tool_call_id, "toolName": part.name}
    if part.input is None:
        chunk.update(type="tool-input-error", input=part.args)
        chunk["errorText"] = f"the arguments of {part.name!r} are not a JSON object"
    else:
        origin = part.origin
        value = jsonable(part.input, mode="messages", node=origin.node, seq=origin.seq)
        chunk.update(type="tool-input-available", input=value)
    return {**chunk, "dynamic": True, **_provider(part.origin)}


def _data(part: Custom) -> dict[str, Any]:
    payload, origin = part.payload, part.origin
    name = payload.get("type") if isinstance(payload, dict) else None
    given = payload.get("id") if isinstance(payload, dict) else None
    part_id = given if isinstance(given, str) else origin.tool_call_id or origin.task_id
    data = jsonable(payload, mode="custom", node=origin.node, seq=origin.seq)
    chunk: dict[str, Any] = {"type": f"data-{name if isinstance(name, str) else 'custom'}"}
    if part_id is None:
        return {**chunk, "data": data, "transient": True}
    return {**chunk, "id": part_id, "data": data}


def _finish(part: RunFinished) -> dict[str, Any]:
    if part.outcome == "error":
        return {"type": "error", "errorText": f"{part.error_type}: {part.message}"}
    if part.outcome == "cancelled":
        return {"type": "abort", "reason": "cancelled"}
    chunk: dict[str, Any] = {"type": "finish", "finishReason": "stop"}
    if part.usage:
        chunk["messageMetadata"] = {"usage": _usage(part.usage)}
    return chunk


def _usage(usages: tuple[Usage, ...]) -> dict[str, Any]:
    """Summed over models, with ``ai``'s ``LanguageModelUsage`` names, and per model."""
    total = {
        "inputTokens": sum(u.input_tokens for u in usages),
        "outputTokens": sum(u.output_tokens for u in usages),
        "totalTokens": sum(u.total_tokens for u in usages),
    }
    for name, values in (
        ("reasoningTokens", [u.reasoning_tokens for u in usages]),
        ("cachedInputTokens", [u.cached_input_tokens for u in usages]),
    ):
        known = [v for v in values if v is not None]
        if known:
            total[name] = sum(known)
    models = [
        {"provider": u.provider, "model": u.model, "totalTokens": u.total_tokens} for u in usages
    ]
    return {**total, "byModel": models}


def _provider(origin: Origin) -> dict[str, Any]:
    found = {"node": origin.node, "taskId": origin.task_id, "ns": "|".join(origin.ns) or None}
    attribution = {key: value for key, value in found.items() if value is not None}
    return {"providerMetadata": {"rxagent": attribution}} if attribution else {}


def _dumps(chunk: dict[str, Any]) -> str:
    return json.dumps(chunk, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


__all__ = ("AISDK_HEADERS", "AISDK_MODES", "DONE", "AISdkEncoder")
