"""Typed dicts for tool calls and token usage, with langchain-core's keys."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypeAlias

from pydantic import ConfigDict, with_config

# pydantic needs typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

ContentBlock: TypeAlias = str | dict[str, Any]
"""One item of list content: a string or a provider content block such as ``{"type": "text"}``."""

Content: TypeAlias = str | list[ContentBlock]
"""A message's content: a string, or a list of strings and content blocks."""


class ToolCall(TypedDict):
    """A complete tool call requested by the model.

    Example:
        >>> call: ToolCall = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
    """

    name: str
    """The tool to call."""
    args: dict[str, Any]
    """The arguments, parsed from JSON."""
    id: str | None
    """The id that the matching ``ToolMessage.tool_call_id`` refers to."""
    type: NotRequired[Literal["tool_call"]]
    """Always ``"tool_call"`` once validated."""


class ToolCallChunk(TypedDict):
    """A piece of a tool call as it streams; pieces with the same ``index`` are joined.

    Example:
        >>> piece: ToolCallChunk = {"name": "get_weather", "args": '{"city": ', "id": "call_1",
        ...                         "index": 0}
    """

    name: str | None
    """The tool name, usually only on the first piece."""
    args: str | None
    """A fragment of the JSON arguments; fragments concatenate."""
    id: str | None
    """The call id, usually only on the first piece."""
    index: int | None
    """Which tool call of the message this piece belongs to."""
    type: NotRequired[Literal["tool_call_chunk"]]
    """Always ``"tool_call_chunk"`` once validated."""


class InvalidToolCall(TypedDict):
    """A tool call whose arguments could not be parsed as a JSON object.

    Example:
        >>> bad: InvalidToolCall = {"name": "f", "args": "[1", "id": None, "error": None}
    """

    name: str | None
    """The tool name, if known."""
    args: str | None
    """The raw argument text."""
    id: str | None
    """The call id, if known."""
    error: str | None
    """Why the call is invalid, if known."""
    type: NotRequired[Literal["invalid_tool_call"]]
    """Always ``"invalid_tool_call"`` once validated."""


# Providers add their own keys to usage (as langchain-core allows): keep them, unvalidated.
_OPEN = ConfigDict(extra="allow")


@with_config(_OPEN)
class InputTokenDetails(TypedDict, total=False):
    """A breakdown of ``input_tokens``; every key is optional, providers may add their own.

    The parts need not add up to ``input_tokens``.

    Example:
        >>> details: InputTokenDetails = {"cache_read": 100, "cache_creation": 200}
    """

    audio: int
    """Audio input tokens."""
    cache_creation: int
    """Input tokens written to the provider's cache (a cache miss)."""
    cache_read: int
    """Input tokens read from the provider's cache (a cache hit)."""


@with_config(_OPEN)
class OutputTokenDetails(TypedDict, total=False):
    """A breakdown of ``output_tokens``; every key is optional, providers may add their own.

    Example:
        >>> details: OutputTokenDetails = {"reasoning": 200}
    """

    audio: int
    """Audio output tokens."""
    reasoning: int
    """Tokens of the model's hidden chain of thought."""


@with_config(_OPEN)
class UsageMetadata(TypedDict):
    """Token counts of one model call, with langchain-core's keys.

    Adding chunks sums usage key by key, nested details included (see ``add_usage``).
    Keys a provider adds beyond these are kept as they are.

    Example:
        >>> usage: UsageMetadata = {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8,
        ...                         "input_token_details": {"cache_read": 2},
        ...                         "output_token_details": {"reasoning": 4}}
    """

    input_tokens: int
    """Tokens in the prompt."""
    output_tokens: int
    """Tokens generated."""
    total_tokens: int
    """``input_tokens + output_tokens``."""
    input_token_details: NotRequired[InputTokenDetails]
    """Where the input tokens went (cache, audio, provider keys), when reported."""
    output_token_details: NotRequired[OutputTokenDetails]
    """What the output tokens were (reasoning, audio, provider keys), when reported."""
