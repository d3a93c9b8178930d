"""AG-UI 1.0 events (``data:``-only SSE frames, camelCase, no nulls), from a run's log.

The :class:`~._lifecycle.Framer` decides what opens and closes; this maps its parts:

* ``RUN_STARTED{threadId, runId, protocolVersion: "1.0"}`` first (the client's ids; the log's
  run id is in ``metadata``); ``RUN_FINISHED{threadId, runId, outcome, usage?}`` with
  ``outcome`` ``{"type": "success"}`` or ``{"type": "cancelled"}``; an ``error`` entry
  ends with ``RUN_ERROR{message, code: <type name>}`` instead, its open subagents closed
  with ``SUBAGENT_ERROR``.
* node tasks are steps: ``STEP_STARTED/FINISHED{stepName: node}``, counted per (subagent,
  node) since the client rejects a second ``STEP_STARTED`` of an active step name;
* ``TEXT_MESSAGE_START{messageId, role: "assistant"}``/``CONTENT``/``END``;
  ``TOOL_CALL_START{toolCallId, toolCallName, parentMessageId?}``/``ARGS``/``END``;
  ``TOOL_CALL_RESULT{messageId, toolCallId, content: str, role: "tool"}``;
* ``custom`` payloads are ``CUSTOM{name: payload["type"] or "custom", value: payload}``;
* namespaces are ``SUBAGENT_STARTED{subagentRunId, name, parentSubagentRunId?}`` and
  ``SUBAGENT_FINISHED``; every event from a namespace carries its ``subagentRunId``;
* every event from the run carries its attribution in ``metadata.rxagent``: ``node``,
  ``taskId``, ``toolCallId``, ``ns`` and ``seq`` where known (the key ``"ag-ui"`` is the
  protocol's). Optional fields without a value are left out, never ``null``.

Example:
    >>> from rxagent.integrations.web._entries import Entry
    >>> from rxagent.integrations.web._ids import EventId
    >>> encoder = AGUIEncoder(thread_id="t1", run_id="r1")
    >>> encoder.encode(Entry(EventId(1, 0), "metadata", data={"run_id": "r1"}))[0].data
    '{"type":"RUN_STARTED","threadId":"t1","runId":"r1","protocolVersion":"1.0"}'
    >>> encoder.encode(Entry(EventId(1, 1), "end"))[0].data
    '{"type":"RUN_FINISHED","threadId":"t1","runId":"r1","outcome":{"type":"success"}}'
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
    SubagentFinished,
    SubagentStarted,
    TaskFinished,
    TaskStarted,
    TextDelta,
    TextEnded,
    TextStarted,
    ToolCallArgs,
    ToolCallEnded,
    ToolCallStarted,
    ToolResult,
    Usage,
)

PROTOCOL_VERSION: Final = "1.0"
"""The AG-UI protocol version ``RUN_STARTED`` declares."""

AGUI_MODES: Final[frozenset[StreamMode]] = frozenset(
    {"messages", "updates", "custom", "tools", "tasks"}
)
"""The rxagent modes an AG-UI stream reads."""


class AGUIEncoder:
    """Frames a run's log as AG-UI events (one encoder per response).

    Args:
        thread_id: the client's ``threadId`` (from its ``RunAgentInput``).
        run_id: the client's ``runId``.
    """

    def __init__(self, *, thread_id: str, run_id: str) -> None:
        """Start before the run."""
        self._thread_id = thread_id
        self._run_id = run_id
        self._framer = Framer()
        self._steps: dict[tuple[str | None, str], int] = {}

    @property
    def modes(self) -> frozenset[StreamMode]:
        """See :data:`AGUI_MODES`."""
        return AGUI_MODES

    @property
    def headers(self) -> Mapping[str, str]:
        """None beyond SSE's own."""
        return {}

    def encode(self, entry: Entry) -> list[Frame]:
        """The frames of ``entry``: one per AG-UI event."""
        parts = self._framer.feed(entry)
        failed = bool(parts) and isinstance(parts[-1], RunFinished) and parts[-1].outcome == "error"
        events: list[dict[str, Any]] = []
        for part in parts:
            events.extend(self._events(part, failed))
        return [Frame(_dumps(event)) for event in events]

    def _events(self, part: Part, failed: bool) -> list[dict[str, Any]]:
        if isinstance(part, TextStarted | TextDelta | TextEnded):
            return [_text(part)]
        if isinstance(part, ToolCallStarted | ToolCallArgs | ToolCallEnded | ToolResult):
            return [_tool(part)]
        if isinstance(part, TaskStarted | TaskFinished):
            return self._step(part)
        if isinstance(part, Custom):
            return [_custom(part)]
        if isinstance(part, SubagentStarted | SubagentFinished):
            return [_subagent(part, failed)]
        if isinstance(part, RunStarted):
            return [self._run_started(part)]
        if isinstance(part, RunFinished):
            return [self._run_finished(part)]
        return []  # root supersteps: AG-UI's steps are node tasks

    def _step(self, part: TaskStarted | TaskFinished) -> list[dict[str, Any]]:
        key = (part.origin.subagent, part.name)
        count = self._steps.get(key, 0)
        if isinstance(part, TaskStarted):
            self._steps[key] = count + 1
            kind = "STEP_STARTED" if count == 0 else ""
        else:
            self._steps[key] = max(count - 1, 0)
            kind = "STEP_FINISHED" if count == 1 else ""
        return [_stamped({"type": kind, "stepName": part.name}, part.origin)] if kind else []

    def _run_started(self, part: RunStarted) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "RUN_STARTED",
            "threadId": self._thread_id,
            "runId": self._run_id,
            "protocolVersion": PROTOCOL_VERSION,
        }
        if part.run_id and part.run_id != self._run_id:
            event["metadata"] = {"rxagent": {"runId": part.run_id}}
        return event

    def _run_finished(self, part: RunFinished) -> dict[str, Any]:
        usage = [_token_usage(u) for u in part.usage]
        if part.outcome == "error":
            event: dict[str, Any] = {"type": "RUN_ERROR", "message": part.message or ""}
            if part.error_type:
                event["code"] = part.error_type
        else:
            event = {"type": "RUN_FINISHED", "threadId": self._thread_id, "runId": self._run_id}
            event["outcome"] = {"type": part.outcome}
        if usage:
            event["usage"] = usage
        return event


def _text(part: TextStarted | TextDelta | TextEnded) -> dict[str, Any]:
    if isinstance(part, TextStarted):
        event = {"type": "TEXT_MESSAGE_START", "messageId": part.message_id, "role": "assistant"}
    elif isinstance(part, TextDelta):
        event = {"type": "TEXT_MESSAGE_CONTENT", "messageId": part.message_id, "delta": part.delta}
    else:
        event = {"type": "TEXT_MESSAGE_END", "messageId": part.message_id}
    return _stamped(event, part.origin)


def _tool(part: ToolCallStarted | ToolCallArgs | ToolCallEnded | ToolResult) -> dict[str, Any]:
    event: dict[str, Any] = {"toolCallId": part.tool_call_id}
    if isinstance(part, ToolCallStarted):
        event.update(type="TOOL_CALL_START", toolCallName=part.name)
        if part.parent_message_id is not None:
            event["parentMessageId"] = part.parent_message_id
    elif isinstance(part, ToolCallArgs):
        event.update(type="TOOL_CALL_ARGS", delta=part.delta)
    elif isinstance(part, ToolCallEnded):
        event["type"] = "TOOL_CALL_END"
    else:
        event.update(type="TOOL_CALL_RESULT", messageId=part.message_id, content=part.content)
        event["role"] = "tool"
    return _stamped(event, part.origin)


def _custom(part: Custom) -> dict[str, Any]:
    payload = part.payload
    name = payload.get("type") if isinstance(payload, dict) else None
    origin = part.origin
    value = jsonable(payload, mode="custom", node=origin.node, seq=origin.seq)
    event = {"type": "CUSTOM", "name": name if isinstance(name, str) else "custom", "value": value}
    return _stamped(event, origin)


def _subagent(part: SubagentStarted | SubagentFinished, failed: bool) -> dict[str, Any]:
    event: dict[str, Any]
    if isinstance(part, SubagentStarted):
        event = {"type": "SUBAGENT_STARTED", "subagentRunId": part.subagent_id, "name": part.name}
        if part.parent_id is not None:
            event["parentSubagentRunId"] = part.parent_id
    elif failed:
        event = {"type": "SUBAGENT_ERROR", "subagentRunId": part.subagent_id}
        event["message"] = "the run failed"
    else:
        event = {"type": "SUBAGENT_FINISHED", "subagentRunId": part.subagent_id}
    metadata = _attribution(part.origin)
    if metadata:
        event["metadata"] = {"rxagent": metadata}
    return event


def _stamped(event: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """``event`` with its ``subagentRunId`` and ``metadata.rxagent`` attribution."""
    subagent = origin.subagent
    if subagent is not None:
        event["subagentRunId"] = subagent
    metadata = _attribution(origin)
    if metadata:
        event["metadata"] = {"rxagent": metadata}
    return event


def _attribution(origin: Origin) -> dict[str, Any]:
    found = {
        "node": origin.node,
        "taskId": origin.task_id,
        "toolCallId": origin.tool_call_id,
        "ns": list(origin.ns) if origin.ns else None,
        "seq": origin.seq,
    }
    return {key: value for key, value in found.items() if value is not None}


def _token_usage(usage: Usage) -> dict[str, Any]:
    found = {
        "provider": usage.provider,
        "model": usage.model,
        "inputTokens": usage.input_tokens,
        "outputTokens": usage.output_tokens,
        "totalTokens": usage.total_tokens,
        "reasoningTokens": usage.reasoning_tokens,
        "cachedInputTokens": usage.cached_input_tokens,
        "cacheWriteInputTokens": usage.cache_write_input_tokens,
    }
    return {key: value for key, value in found.items() if value is not None}


def _dumps(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


__all__ = ("AGUI_MODES", "PROTOCOL_VERSION", "AGUIEncoder")
