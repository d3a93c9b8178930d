"""OpenAI Chat Completions streaming, as SSE steps for ``ScriptedServer``.

A streamed completion is ``chat.completion.chunk`` objects, one per ``data:`` line: a first
chunk with the role, content and tool-call deltas, a chunk with ``finish_reason``, then (with
``stream_options.include_usage``) a chunk with no choices and the usage, and ``data: [DONE]``.

Example:
    >>> steps = [*text("Hi"), finish("stop"), usage(3, 1), DONE]
    >>> steps[-1]
    b'data: [DONE]\\n\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from tests.integrations.providers._servers import sse

COMPLETION_ID: Final = "chatcmpl-test-1"
MODEL: Final = "gpt-4.1-mini-2025-04-14"
DONE: Final = sse("[DONE]")
"""The end marker."""


def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> bytes:
    """One ``chat.completion.chunk``."""
    return sse(
        {
            "id": COMPLETION_ID,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": MODEL,
            "system_fingerprint": "fp_test",
            "choices": choices,
            "usage": usage,
        }
    )


def delta(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    """A chunk with one choice carrying ``delta``."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
    return chunk([choice])


def text(*tokens: str) -> list[bytes]:
    """The role chunk, then one chunk per text token."""
    first = delta({"role": "assistant", "content": "", "refusal": None})
    return [first, *(delta({"content": token}) for token in tokens)]


def tool_call(index: int, call_id: str, name: str, fragments: Sequence[str]) -> list[bytes]:
    """A tool call split across chunks: id and name first, then the argument fragments."""
    head = {"index": index, "id": call_id, "type": "function"}
    steps = [delta({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})]
    for fragment in fragments:
        steps.append(delta({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}))
    return steps


def finish(reason: str) -> bytes:
    """The chunk that ends the choice: ``stop`` or ``tool_calls``."""
    return delta({}, reason)


def usage(prompt: int, completion: int, *, cached: int = 0, reasoning: int = 0) -> bytes:
    """The final usage chunk of ``stream_options.include_usage``, with token details."""
    return chunk(
        [],
        {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    )


def error(message: str, type: str = "server_error") -> bytes:
    """An error payload in the middle of a 200 stream, as the API sends one."""
    return sse({"error": {"message": message, "type": type, "param": None, "code": None}})
