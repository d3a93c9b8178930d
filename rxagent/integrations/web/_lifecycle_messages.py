"""The framer's message bookkeeping: text and tool calls per message id, results per call.

A message is open from its first chunk until ``chunk_position="last"``, another message from
the same source, the source's end (its ``updates`` event, its task's end) or the run's end.
Its text starts with the first non-empty text and ends when the message does, or when one of
its tool calls starts (text after the calls starts it again, under the same id). Tool calls
are the message's ``tool_call_chunks`` joined by ``index`` as LangChain joins them; a call
starts once its id and name are known (the args seen so far follow at once) and ends with its
message, when the tool starts, or when its result arrives. A whole ``AIMessage`` (a node's
return, an ``updates`` write) adds what was not streamed: its text if its id is new, its
calls whose ids are new. Each tool call id starts once and gets one result; a result for a
call never seen starts and ends it first. Message ids that ended never open again: later
chunks with that id are dropped.

Example:
    >>> from rxagent.messages import text_chunk
    >>> from rxagent.integrations.web._lifecycle_parts import Origin
    >>> book = MessageBook()
    >>> src = ("r", (), "model", "t1")
    >>> [type(p).__name__ for p in book.chunk(text_chunk("Hi", "m1"), Origin(seq=1), src)]
    ['TextStarted', 'TextDelta']
    >>> [type(p).__name__ for p in book.end_source(src)]
    ['TextEnded']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rxagent.events import SourceKey
from rxagent.integrations.web._lifecycle_parts import (
    Origin,
    Part,
    TextDelta,
    TextEnded,
    TextStarted,
    ToolCallArgs,
    ToolCallEnded,
    ToolCallStarted,
    ToolResult,
)
from rxagent.messages import AIMessage, AIMessageChunk, ToolCallChunk, ToolMessage
from rxagent.messages import parse_partial_json as _parse


class _Call:
    """One tool call of a message, from its pieces."""

    __slots__ = ("args", "ended", "id", "name", "origin", "parent", "skip", "started")

    def __init__(self, parent: str | None, origin: Origin) -> None:
        self.parent = parent
        self.origin = origin
        self.id: str | None = None
        self.name: str | None = None
        self.args: list[str] = []
        self.started = self.ended = self.skip = False


class _Message:
    """An open message: its source, its first origin, whether its text is open, its calls."""

    __slots__ = ("calls", "id", "origin", "source", "text_open")

    def __init__(self, id: str, source: SourceKey, origin: Origin) -> None:
        self.id = id
        self.source = source
        self.origin = origin
        self.text_open = False
        self.calls: dict[object, _Call] = {}


class MessageBook:
    """Text and tool-call state of one stream (see the module docstring)."""

    def __init__(self) -> None:
        """Start with nothing open."""
        self._open: dict[str, _Message] = {}
        self._ended: set[str] = set()
        self._current: dict[SourceKey, str] = {}
        self._started: set[str] = set()
        self._calls: dict[str, _Call] = {}
        self._results: set[str] = set()
        self._unindexed = 0

    def chunk(self, chunk: AIMessageChunk, origin: Origin, source: SourceKey) -> list[Part]:
        """The parts of one streamed chunk."""
        current = self._current.get(source)
        message_id = chunk.id or current or f"message-{origin.seq}"
        if message_id in self._ended:
            return []
        parts = self._end(current) if current is not None and current != message_id else []
        message = self._open.get(message_id) or self._begin(message_id, source, origin)
        text = chunk.text
        if text:
            parts += self._text(message, text, origin)
        for piece in chunk.tool_call_chunks:
            parts += self._piece(message, piece, origin)
        if chunk.chunk_position == "last":
            parts += self._end(message_id)
        return parts

    def whole(self, message: AIMessage, origin: Origin, source: SourceKey) -> list[Part]:
        """The parts of a whole ``AIMessage``: what its stream (if any) did not show."""
        message_id = message.id or f"message-{origin.seq}"
        parts: list[Part] = []
        if message_id in self._open:
            parts += self._end(message_id)
        elif message_id not in self._ended:
            current = self._current.get(source)
            if current is not None:
                parts += self._end(current)
            self._ended.add(message_id)
            if message.text:
                parts += [
                    TextStarted(message_id, origin),
                    TextDelta(message_id, message.text, origin),
                ]
                parts.append(TextEnded(message_id, origin))
        for call in message.tool_calls:
            call_id = call["id"]
            if call_id and call_id not in self._started:
                args = json.dumps(call["args"], ensure_ascii=False)
                parts += self._whole_call(call_id, call["name"], args, message_id, origin)
        return parts

    def tool_message(self, message: ToolMessage, origin: Origin) -> list[Part]:
        """The result a ``ToolMessage`` carries (once per tool call id)."""
        content = message.content
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        message_id = message.id or f"result-{message.tool_call_id}"
        error = message.status == "error"
        return self.result(
            message.tool_call_id, text, content, message_id, error, origin, message.name
        )

    def tool_event(self, data: Any, origin: Origin) -> list[Part]:
        """The parts of a ``tools`` payload (``tool-started``/``-finished``/``-error``)."""
        if not isinstance(data, dict) or not isinstance(data.get("tool_call_id"), str):
            return []
        kind, call_id = data.get("event"), data["tool_call_id"]
        if kind == "tool-started":
            call = self._calls.get(call_id)
            if call is not None:
                return self._end_call(call)
            args = json.dumps(data.get("input", {}), ensure_ascii=False, default=str)
            return self._whole_call(call_id, str(data.get("tool_name") or ""), args, None, origin)
        if kind == "tool-finished" and isinstance(data.get("output"), ToolMessage):
            return self.tool_message(data["output"], origin)
        if kind == "tool-error":
            text = str(data.get("message", ""))
            return self.result(call_id, text, text, f"result-{call_id}", True, origin, None)
        return []

    def result(
        self,
        call_id: str,
        text: str,
        output: Any,
        message_id: str,
        error: bool,
        origin: Origin,
        name: str | None,
    ) -> list[Part]:
        """A tool result, after its call's start and end (made up if never seen)."""
        if call_id in self._results:
            return []
        self._results.add(call_id)
        call = self._calls.get(call_id)
        if call is not None:
            parts = self._end_call(call)
        elif call_id not in self._started:
            parts = self._whole_call(call_id, name or "", "", None, origin)
        else:
            parts = []
        parts.append(ToolResult(call_id, text, output, message_id, error, origin))
        return parts

    def end_source(self, source: SourceKey) -> list[Part]:
        """End the message the source has open, if any."""
        current = self._current.get(source)
        return [] if current is None else self._end(current)

    def close(self, within: Callable[[tuple[str, ...]], bool]) -> list[Part]:
        """End every open message whose namespace ``within`` accepts, innermost first."""
        chosen = [m for m in self._open.values() if within(m.origin.ns)]
        chosen.sort(key=lambda m: -len(m.origin.ns))
        return [part for m in chosen for part in self._end(m.id)]

    def _begin(self, message_id: str, source: SourceKey, origin: Origin) -> _Message:
        message = _Message(message_id, source, origin)
        self._open[message_id] = message
        self._current[source] = message_id
        return message

    def _text(self, message: _Message, text: str, origin: Origin) -> list[Part]:
        parts: list[Part] = []
        if not message.text_open:
            message.text_open = True
            parts.append(TextStarted(message.id, message.origin))
        parts.append(TextDelta(message.id, text, origin))
        return parts

    def _piece(self, message: _Message, piece: ToolCallChunk, origin: Origin) -> list[Part]:
        index = piece["index"]
        key: object = index
        if index is None:
            self._unindexed += 1
            key = ("unindexed", self._unindexed)
        call = message.calls.get(key)
        if call is None:
            call = message.calls[key] = _Call(message.id, origin)
        if call.skip or call.ended:
            return []
        call.id = call.id or piece["id"]
        call.name = call.name or piece["name"]
        args = piece["args"] or ""
        if args:
            call.args.append(args)
        if call.started:
            return [ToolCallArgs(call.id or "", args, origin)] if args else []
        if call.id is not None and call.name is not None:
            return self._close_text(message) + self._start(call)
        return []

    def _close_text(self, message: _Message) -> list[Part]:
        if not message.text_open:
            return []
        message.text_open = False
        return [TextEnded(message.id, message.origin)]

    def _start(self, call: _Call) -> list[Part]:
        call_id = call.id or ""
        if call_id in self._started:
            call.skip = True
            return []
        self._started.add(call_id)
        self._calls[call_id] = call
        call.started = True
        parts: list[Part] = [ToolCallStarted(call_id, call.name or "", call.parent, call.origin)]
        text = "".join(call.args)
        if text:
            parts.append(ToolCallArgs(call_id, text, call.origin))
        return parts

    def _end_call(self, call: _Call) -> list[Part]:
        call_id = call.id or ""
        self._calls.pop(call_id, None)
        call.ended = True
        text = "".join(call.args)
        parsed = _parse(text) if text else {}
        value = parsed if isinstance(parsed, dict) else None
        return [ToolCallEnded(call_id, call.name or "", text, value, call.origin)]

    def _whole_call(
        self, call_id: str, name: str, args: str, parent: str | None, origin: Origin
    ) -> list[Part]:
        call = _Call(parent, origin)
        call.id, call.name = call_id, name
        if args:
            call.args.append(args)
        parts = self._start(call)
        return parts + self._end_call(call) if call.started else parts

    def _end(self, message_id: str) -> list[Part]:
        message = self._open.pop(message_id, None)
        self._ended.add(message_id)
        if message is None:
            return []
        if self._current.get(message.source) == message_id:
            del self._current[message.source]
        parts = self._close_text(message)
        for call in message.calls.values():
            if call.started and not call.ended:
                parts += self._end_call(call)
            elif not call.started and not call.skip and call.id is not None:
                parts += self._start(call) + (self._end_call(call) if call.started else [])
        return parts


__all__ = ("MessageBook",)
