"""Anthropic Messages streaming, as SSE steps for ``ScriptedServer``.

A streamed message is named events: ``message_start`` (the id and the input usage), per
content block ``content_block_start``, its ``content_block_delta``\\s (``text_delta`` or
``input_json_delta`` fragments of a tool's input) and ``content_block_stop``, then
``message_delta`` (stop reason, output usage) and ``message_stop``; or ``error`` at any point.

Example:
    >>> steps = [message_start(), *text_block(0, "Hi"), *message_end("end_turn", usage(9, 1))]
    >>> steps[-1]
    b'event: message_stop\\ndata: {"type": "message_stop"}\\n\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from tests.integrations.providers._servers import sse

MESSAGE_ID: Final = "msg_test_1"
MODEL: Final = "claude-sonnet-4-6"


def event(data: dict[str, Any]) -> bytes:
    """One event, named after its ``type``."""
    return sse(data, event=str(data["type"]))


def message_start() -> bytes:
    """The message's id and model; its usage comes with ``message_delta``."""
    message: dict[str, Any] = {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 1},
    }
    return event({"type": "message_start", "message": message})


def text_block(index: int, *tokens: str, stop: bool = True) -> list[bytes]:
    """A text block: start, one ``text_delta`` per token, and stop unless ``stop=False``."""
    start = {"type": "text", "text": ""}
    deltas = [{"type": "text_delta", "text": token} for token in tokens]
    steps = _block(index, start, deltas)
    return steps if stop else steps[:-1]


def tool_use_block(index: int, call_id: str, name: str, fragments: Sequence[str]) -> list[bytes]:
    """A tool_use block whose input arrives in ``input_json_delta`` fragments."""
    start = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
    deltas = [{"type": "input_json_delta", "partial_json": fragment} for fragment in fragments]
    return _block(index, start, deltas)


def _block(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> list[bytes]:
    opened = event({"type": "content_block_start", "index": index, "content_block": start})
    middle = [event({"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
    return [opened, *middle, event({"type": "content_block_stop", "index": index})]


def message_end(stop_reason: str, usage: dict[str, int]) -> list[bytes]:
    """``message_delta`` with the stop reason and the usage, then ``message_stop``."""
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    end = {"type": "message_delta", "delta": delta, "usage": usage}
    return [event(end), event({"type": "message_stop"})]


def usage(
    input: int, output: int, *, cache_read: int = 0, cache_creation: int = 0
) -> dict[str, int]:
    """The usage of a ``message_delta``: the whole call's counts, as the API now sends them."""
    return {
        "input_tokens": input,
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output,
    }


def ping() -> bytes:
    """A keep-alive event, which clients skip."""
    return event({"type": "ping"})


def error(type: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    """An ``error`` event in the middle of a 200 stream."""
    return event({"type": "error", "error": {"type": type, "message": message}})
