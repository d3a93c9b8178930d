"""Messages from the model: ``AIMessage``, and ``AIMessageChunk`` for streamed tokens."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from rxagent._fast import maker
from rxagent.messages._base import BaseMessage
from rxagent.messages._partial_json import PartialJson
from rxagent.messages._types import Content, InvalidToolCall, ToolCall, ToolCallChunk, UsageMetadata
from rxagent.messages._usage import copy_usage


class AIMessage(BaseMessage):
    """A complete message from the model, possibly requesting tool calls.

    Tool calls may omit ``id`` (it becomes ``None``) and ``type`` (it becomes
    ``"tool_call"``).

    Example:
        >>> msg = AIMessage("Let me check.",
        ...                 tool_calls=[{"name": "get_weather", "args": {"city": "Paris"},
        ...                              "id": "call_1"}])
        >>> msg.tool_calls[0]["type"]
        'tool_call'
    """

    type: Literal["ai"] = "ai"
    """Always ``"ai"``."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """The tool calls the model requests."""
    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    """Tool calls whose arguments are not a JSON object."""
    usage_metadata: UsageMetadata | None = None
    """Token counts, when the provider reports them."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional."""
        super().__init__(content, **kwargs)

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _tool_call_defaults(cls, value: object) -> object:
        return _with_defaults(value, "tool_call", ("id",))

    @field_validator("invalid_tool_calls", mode="before")
    @classmethod
    def _invalid_tool_call_defaults(cls, value: object) -> object:
        return _with_defaults(value, "invalid_tool_call", ("name", "args", "id", "error"))


class AIMessageChunk(AIMessage):
    """A streamed piece of an ``AIMessage``; chunks add up with ``+``.

    Built through the (validating) constructor, ``tool_calls`` and ``invalid_tool_calls``
    are computed from ``tool_call_chunks`` by parsing their args as partial JSON, as in
    langchain-core. Adding chunks concatenates content (list content blocks with the same
    ``index``, such as Anthropic's deltas, merge into one), joins tool-call chunks by
    ``index``, sums usage (nested token details too, see ``add_usage``), merges metadata and
    keeps the first id (a provider's id before a ``lc_``-prefixed one, as langchain-core).

    Example:
        >>> a = AIMessageChunk("Let", id="run-1")
        >>> b = AIMessageChunk(" me", tool_call_chunks=[
        ...     {"name": "f", "args": '{"x": ', "id": "call_1", "index": 0}])
        >>> c = AIMessageChunk("", tool_call_chunks=[
        ...     {"name": None, "args": "1}", "id": None, "index": 0}], chunk_position="last")
        >>> total = a + b + c
        >>> (total.text, total.tool_calls[0]["args"], total.id)
        ('Let me', {'x': 1}, 'run-1')
    """

    type: Literal["AIMessageChunk"] = "AIMessageChunk"  # type: ignore[assignment]
    """Always ``"AIMessageChunk"`` (LangChain's value; it subclasses AIMessage likewise)."""
    tool_call_chunks: list[ToolCallChunk] = Field(default_factory=list)
    """The tool-call pieces carried by this chunk."""
    chunk_position: Literal["last"] | None = None
    """``"last"`` on the final chunk of a stream."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional."""
        super().__init__(content, **kwargs)

    @field_validator("tool_call_chunks", mode="before")
    @classmethod
    def _tool_call_chunk_defaults(cls, value: object) -> object:
        return _with_defaults(value, "tool_call_chunk", ("name", "args", "id", "index"))

    @model_validator(mode="after")
    def _init_tool_calls(self) -> Self:
        if self.tool_call_chunks:
            self.tool_calls, self.invalid_tool_calls = parse_tool_call_chunks(self.tool_call_chunks)
        elif self.tool_calls or self.invalid_tool_calls:
            self.tool_call_chunks = [
                tool_call_chunk(call["name"], json.dumps(call["args"]), call["id"], None)
                for call in self.tool_calls
            ] + [
                tool_call_chunk(call["name"], call["args"], call["id"], None)
                for call in self.invalid_tool_calls
            ]
        return self

    def __add__(self, other: AIMessageChunk | Sequence[AIMessageChunk]) -> AIMessageChunk:
        """Join this chunk with another chunk, or with a list of chunks."""
        # Imported here: _accumulate imports this module.
        from rxagent.messages._accumulate import join_chunks

        if isinstance(other, AIMessageChunk):
            return join_chunks((self, other))
        if isinstance(other, list | tuple) and all(isinstance(c, AIMessageChunk) for c in other):
            return join_chunks((self, *other))
        return NotImplemented

    def __radd__(self, other: int) -> AIMessageChunk:
        """Support ``sum(chunks)``: ``0 + chunk`` is a copy of the chunk."""
        from rxagent.messages._accumulate import join_chunks

        if other == 0:
            return join_chunks((self,))
        return NotImplemented

    def to_message(self) -> AIMessage:
        """The complete ``AIMessage``: tool calls parsed, chunk-only fields dropped.

        Example:
            >>> AIMessageChunk("hi", id="run-1", chunk_position="last").to_message()
            AIMessage(content='hi', additional_kwargs={}, response_metadata={}, type='ai', name=None, id='run-1', tool_calls=[], invalid_tool_calls=[], usage_metadata=None)
        """  # noqa: E501
        content = self.content if isinstance(self.content, str) else list(self.content)
        usage = self.usage_metadata
        return _new_message(
            {
                "content": content,
                "additional_kwargs": dict(self.additional_kwargs),
                "response_metadata": dict(self.response_metadata),
                "type": "ai",
                "name": self.name,
                "id": self.id,
                "tool_calls": [call.copy() for call in self.tool_calls],
                "invalid_tool_calls": [call.copy() for call in self.invalid_tool_calls],
                "usage_metadata": None if usage is None else copy_usage(usage),
            },
        )


_new_chunk = maker(AIMessageChunk)
_new_message = maker(AIMessage)


class _SharedEmpty:
    """What ``SharedEmptyList`` and ``SharedEmptyDict`` share: changing one raises, and
    copies and pickles are plain, empty, mutable containers of its kind."""

    __slots__ = ()
    _fields: ClassVar[str]
    """The chunk fields that hold it, for the error message."""
    _plain: ClassVar[type[Any]]

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"a streamed token's empty {self._fields} are one shared, read-only "
            f"{self._plain.__name__}; build a new chunk (AIMessageChunk(...) or "
            "chunk.model_copy(update={...})) to set them"
        )

    def __copy__(self) -> Any:
        return self._plain()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self._plain()

    def __reduce__(self) -> tuple[Any, ...]:
        return (self._plain, ())


class SharedEmptyList(_SharedEmpty, list[Any]):
    """The one empty list that every streamed text token holds as its ``tool_calls``,
    ``invalid_tool_calls`` and ``tool_call_chunks``: read-only, since it is shared.

    A token then costs three list objects less (each one an object the cyclic garbage
    collector tracks while the token waits for its consumer). It equals ``[]``, is a
    ``list`` and serialises as one; changing it raises.

    Example:
        >>> chunk = text_chunk("Hi", "run-1")
        >>> chunk.tool_calls == [], isinstance(chunk.tool_calls, list)
        (True, True)
        >>> chunk.tool_calls.append({"name": "x"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: a streamed token's empty ... are one shared, read-only list; ...
    """

    __slots__ = ()
    _fields = "tool_calls, invalid_tool_calls and tool_call_chunks"
    _plain = list

    append = extend = insert = pop = remove = clear = sort = reverse = _SharedEmpty._read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _SharedEmpty._read_only


_EMPTY: list[Any] = SharedEmptyList()


class SharedEmptyDict(_SharedEmpty, dict[str, Any]):
    """The one empty dict that every streamed text token holds as its ``additional_kwargs``
    and ``response_metadata``: read-only, since it is shared (see ``SharedEmptyList``).

    It equals ``{}``, is a ``dict`` and serialises as one; changing it raises.

    Example:
        >>> chunk = text_chunk("Hi", "run-1")
        >>> chunk.response_metadata == {}, isinstance(chunk.response_metadata, dict)
        (True, True)
        >>> chunk.response_metadata["model_name"] = "m"  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: a streamed token's empty additional_kwargs and response_metadata are ...
    """

    __slots__ = ()
    _fields = "additional_kwargs and response_metadata"
    _plain = dict

    __setitem__ = __delitem__ = __ior__ = _SharedEmpty._read_only
    setdefault = update = pop = popitem = clear = _SharedEmpty._read_only


_EMPTY_DICT: dict[str, Any] = SharedEmptyDict()


def text_chunk(content: str, id: str | None) -> AIMessageChunk:
    """Build a text-only ``AIMessageChunk`` without validation (the per-token fast path).

    Args:
        content: the token text.
        id: the message id shared by all chunks of one model call.

    Example:
        >>> text_chunk("Hello", "run-1") == AIMessageChunk("Hello", id="run-1")
        True
    """
    fields = _copy_text_fields()  # a copy of a dict is cheaper than building one
    fields["content"] = content
    fields["id"] = id
    return _new_chunk(fields)


def text_chunks(tokens: Iterable[str], id: str | None) -> Iterator[AIMessageChunk]:
    """The ``text_chunk`` of each of ``tokens``, all with the message id ``id``.

    What a model streaming a text answer yields; cheaper per token than calling
    ``text_chunk`` in a loop (one Python call fewer each).

    Example:
        >>> [chunk.content for chunk in text_chunks(["Hel", "lo"], "run-1")]
        ['Hel', 'lo']
        >>> {chunk.id for chunk in text_chunks(["Hel", "lo"], "run-1")}
        {'run-1'}
    """
    copy, new = _copy_text_fields, _new_chunk
    for content in tokens:
        fields = copy()
        fields["content"] = content
        fields["id"] = id
        yield new(fields)


def last_chunk(
    id: str | None,
    usage_metadata: UsageMetadata,
    response_metadata: dict[str, Any],
    additional_kwargs: dict[str, Any],
) -> AIMessageChunk:
    """The closing chunk of a streamed reply, without validation: no content, the reply's
    usage and metadata, ``chunk_position="last"``.

    For values that were validated already (a scripted reply's, or built by the caller):
    the chunk holds copies of them, equal to what the validating constructor gives for the
    same arguments, at about a third of its cost. Once per model call.

    Example:
        >>> usage: UsageMetadata = {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}
        >>> last_chunk("run-1", usage, {"finish_reason": "stop"}, {}) == AIMessageChunk(
        ...     "", id="run-1", chunk_position="last", usage_metadata=usage,
        ...     response_metadata={"finish_reason": "stop"}, additional_kwargs={})
        True
    """
    return _new_last(
        {
            "content": "",
            "additional_kwargs": dict(additional_kwargs),
            "response_metadata": dict(response_metadata),
            "type": "AIMessageChunk",
            "name": None,
            "id": id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": copy_usage(usage_metadata),
            "tool_call_chunks": [],
            "chunk_position": "last",
        }
    )


_new_last = maker(
    AIMessageChunk,
    frozenset(
        {
            "content",
            "id",
            "chunk_position",
            "usage_metadata",
            "response_metadata",
            "additional_kwargs",
        }
    ),
)
"""Builds ``last_chunk``'s chunk, its given fields those the constructor would be given."""


_TEXT_FIELDS: dict[str, Any] = {
    "content": "",
    "additional_kwargs": _EMPTY_DICT,
    "response_metadata": _EMPTY_DICT,
    "type": "AIMessageChunk",
    "name": None,
    "id": None,
    "tool_calls": _EMPTY,
    "invalid_tool_calls": _EMPTY,
    "usage_metadata": None,
    "tool_call_chunks": _EMPTY,
    "chunk_position": None,
}
"""A text token's fields, in ``AIMessageChunk``'s field order: what ``text_chunk`` copies."""
_copy_text_fields = _TEXT_FIELDS.copy


def tool_call_chunk(
    name: str | None, args: str | None, id: str | None, index: int | None
) -> ToolCallChunk:
    """Build a ``ToolCallChunk`` dict.

    Example:
        >>> tool_call_chunk("f", '{"x": ', "call_1", 0)["type"]
        'tool_call_chunk'
    """
    return {"name": name, "args": args, "id": id, "index": index, "type": "tool_call_chunk"}


def parse_tool_call_chunks(
    chunks: Sequence[ToolCallChunk], readers: Sequence[PartialJson] | None = None
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse joined tool-call chunks into tool calls, as langchain-core does.

    Args are parsed as partial JSON (an empty string is ``{}``); args that do not give a
    JSON object make an invalid tool call. ``readers``: one per chunk, that read its args
    as they were before (when the args grow between calls, as a ``ChunkAccumulator``'s do:
    each is then read once).

    Example:
        >>> parse_tool_call_chunks([tool_call_chunk("f", '{"x": "a', "c1", 0)])[0]
        [{'name': 'f', 'args': {'x': 'a'}, 'id': 'c1', 'type': 'tool_call'}]
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for position, chunk in enumerate(chunks):
        text = chunk["args"]
        reader = PartialJson() if readers is None else readers[position]
        try:
            args = reader.parse(text) if text else {}
        except (ValueError, RecursionError):
            args = None
        if isinstance(args, dict):
            calls.append(
                {"name": chunk["name"] or "", "args": args, "id": chunk["id"], "type": "tool_call"}
            )
        else:
            invalid.append(
                {
                    "name": chunk["name"],
                    "args": text,
                    "id": chunk["id"],
                    "error": None,
                    "type": "invalid_tool_call",
                }
            )
    return calls, invalid


def _with_defaults(value: object, kind: str, nullable: tuple[str, ...]) -> object:
    """Fill missing nullable keys with ``None`` and set ``type`` in a list of dicts."""
    if not isinstance(value, list):
        return value
    result: list[object] = []
    for item in value:
        if isinstance(item, dict):
            filled: dict[str, Any] = dict.fromkeys(nullable)
            filled.update(item)
            filled["type"] = kind
            result.append(filled)
        else:
            result.append(item)
    return result
