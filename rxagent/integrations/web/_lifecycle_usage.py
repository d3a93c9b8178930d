"""Token usage of a run, summed per provider and model, each message counted once.

A streamed message's usage is the sum of its chunks' ``usage_metadata``; a whole message
(a node's return, an ``updates`` write) counts only if no message with its id was counted
already, so the ``AIMessage`` a model node returns after streaming is not counted twice.

Example:
    >>> from rxagent.messages import AIMessageChunk
    >>> book = UsageBook()
    >>> usage = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    >>> book.add(AIMessageChunk("", id="m1", usage_metadata=usage), {"ls_provider": "p"}, True)
    >>> book.add(AIMessageChunk("", id="m1", usage_metadata=usage), {}, False)
    >>> book.totals()
    (Usage(provider='p', model=None, input_tokens=3, output_tokens=2, total_tokens=5, reasoning_tokens=None, cached_input_tokens=None, cache_write_input_tokens=None),)
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rxagent.integrations.web._lifecycle_parts import Usage
from rxagent.messages import AIMessage, UsageMetadata, add_usage

_Key = tuple[str | None, str | None]


class UsageBook:
    """Usage per message id, and the totals per ``(provider, model)``."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self._by_message: dict[object, tuple[_Key, UsageMetadata | None]] = {}

    def add(self, message: AIMessage, metadata: Mapping[str, Any], streamed: bool) -> None:
        """Count ``message`` (a chunk when ``streamed``) with the metadata of its event."""
        usage = message.usage_metadata
        if usage is None:
            return
        message_id: object = message.id if message.id is not None else object()
        known = self._by_message.get(message_id)
        if known is not None and not streamed:
            return
        model = metadata.get("ls_model_name") or message.response_metadata.get("model_name")
        key: _Key = (_text(metadata.get("ls_provider")), _text(model))
        before = None if known is None else known[1]
        self._by_message[message_id] = (key, add_usage(before, usage))

    def totals(self) -> tuple[Usage, ...]:
        """The usage summed per ``(provider, model)``, in first-seen order."""
        sums: dict[_Key, UsageMetadata | None] = {}
        for key, usage in self._by_message.values():
            sums[key] = add_usage(sums.get(key), usage)
        return tuple(_usage(key, usage) for key, usage in sums.items() if usage is not None)


def _usage(key: _Key, usage: UsageMetadata) -> Usage:
    inputs: Mapping[str, Any] = usage.get("input_token_details") or {}
    outputs: Mapping[str, Any] = usage.get("output_token_details") or {}
    return Usage(
        provider=key[0],
        model=key[1],
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        total_tokens=int(usage.get("total_tokens") or 0),
        reasoning_tokens=_count(outputs.get("reasoning")),
        cached_input_tokens=_count(inputs.get("cache_read")),
        cache_write_input_tokens=_count(inputs.get("cache_creation")),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ("UsageBook",)
