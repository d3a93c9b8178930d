"""Joining a stream of ``AIMessageChunk``s in linear time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rxagent._fast import maker
from rxagent.messages._ai import (
    AIMessage,
    AIMessageChunk,
    parse_tool_call_chunks,
    tool_call_chunk,
)
from rxagent.messages._base import content_text
from rxagent.messages._content import RUN, ContentJoiner
from rxagent.messages._merge import merge_dicts
from rxagent.messages._partial_json import PartialJson
from rxagent.messages._types import InvalidToolCall, ToolCall, ToolCallChunk, UsageMetadata
from rxagent.messages._usage import add_usage, copy_usage

_new_chunk = maker(AIMessageChunk)
_new_message = maker(AIMessage)


class _CallParts:
    """The pieces of one tool call seen so far; the args grow in place (see ``_content``)."""

    __slots__ = ("args", "id", "index", "name", "reader")

    def __init__(self, piece: ToolCallChunk) -> None:
        self.name = piece["name"]
        self.id = piece["id"]
        self.index = piece["index"]
        self.args: str | None = piece["args"]
        self.reader = PartialJson()  # parses the args as they grow, reading each piece once

    def add(self, piece: ToolCallChunk) -> None:
        if self.name is None:
            self.name = piece["name"]
        if self.id is None:
            self.id = piece["id"]
        more = piece["args"]
        if more is not None:
            args = self.args
            self.args = None  # the only reference left is ``args``: it may grow in place
            if args is None:
                args = more
            else:
                args += more
            self.args = args

    def chunk(self) -> ToolCallChunk:
        return tool_call_chunk(self.name, self.args, self.id, self.index)


class ChunkAccumulator:
    """Join ``AIMessageChunk``s one at a time, in O(1) amortized per chunk.

    Gives the same result as adding the chunks with ``+``, without rebuilding the joined
    text at every step: text, content blocks (merged by ``index``, see ``ContentJoiner``)
    and tool-call args grow in place, so a snapshot per chunk (``to_chunk``, as
    ``accumulate_messages`` takes) costs O(1) amortized for text while each snapshot is
    dropped before the next. Each snapshot parses its tool calls' args, as ``+`` does, but
    reads only what each piece added in Python (``PartialJson``). While the pieces extend
    a string value, a snapshot costs the piece and a copy of the few entries around that
    string (and the string grows in place while each snapshot is dropped before the
    next); after any other piece the whole args are parsed again, at C speed.
    This is rxagent's one implementation of chunk joining. Usage is summed with
    ``add_usage``. The id is langchain-core's choice:
    the first provider id, else the first ``lc_run-`` id, else the first other ``lc_`` id.

    Args:
        strict: raise ``TypeError`` when two chunks carry ``response_metadata`` or
            ``additional_kwargs`` values that cannot be merged, as ``+`` (and langchain-core)
            does. The default, ``False``, lets the later value win, so unexpected provider
            metadata never ends a run.

    Example:
        >>> acc = ChunkAccumulator()
        >>> for token in ["Let", " me", " check."]:
        ...     acc.add(text_chunk(token, "run-1"))
        >>> acc.text, acc.to_message().id
        ('Let me check.', 'run-1')
    """

    __slots__ = (
        "_additional_kwargs",
        "_by_index",
        "_calls",
        "_content",
        "_id",
        "_id_rank",
        "_last",
        "_name",
        "_pending",
        "_response_metadata",
        "_strict",
        "_usage",
    )

    def __init__(self, *, strict: bool = False) -> None:
        """Start with nothing joined."""
        self._strict = strict
        self._content = ContentJoiner(strict=strict)
        self._pending = self._content.pending
        self._id: str | None = None
        self._id_rank = -1
        self._name: str | None = None
        self._calls: list[_CallParts] = []
        self._by_index: dict[int, _CallParts] = {}
        self._usage: UsageMetadata | None = None
        self._response_metadata: dict[str, Any] = {}
        self._additional_kwargs: dict[str, Any] = {}
        self._last = False

    def add(self, chunk: AIMessageChunk) -> None:
        """Add the next chunk of the stream."""
        fields = chunk.__dict__  # read as a dict: faster than the attributes, same values
        content = fields["content"]
        if (  # a token: text of the same message, nothing else (the per-token path)
            type(content) is str
            and fields["id"] == self._id
            and not fields["tool_call_chunks"]
            and fields["usage_metadata"] is None
            and not fields["response_metadata"]
            and not fields["additional_kwargs"]
            and fields["chunk_position"] is None
            and fields["name"] is None
        ):
            if content:  # ContentJoiner.add_text, in line
                pending = self._pending
                pending.append(content)
                if len(pending) > RUN:
                    self._content.joined_text()
            return
        self._add_any(chunk)

    def _add_any(self, chunk: AIMessageChunk) -> None:
        self._content.add(chunk.content)
        if chunk.id and self._id_rank < _PROVIDER and chunk.id != self._id:
            rank = _id_rank(chunk.id)
            if rank > self._id_rank:
                self._id, self._id_rank = chunk.id, rank
        if self._name is None:
            self._name = chunk.name
        if chunk.tool_call_chunks:
            self._add_tool_call_chunks(chunk.tool_call_chunks)
        if chunk.usage_metadata is not None:
            self._usage = add_usage(self._usage, chunk.usage_metadata)
        if chunk.response_metadata:
            self._response_metadata = merge_dicts(
                self._response_metadata, chunk.response_metadata, strict=self._strict
            )
        if chunk.additional_kwargs:
            self._additional_kwargs = merge_dicts(
                self._additional_kwargs, chunk.additional_kwargs, strict=self._strict
            )
        if chunk.chunk_position == "last":
            self._last = True

    @property
    def text(self) -> str:
        """The text joined so far (see ``BaseMessage.text``)."""
        return content_text(self._content.content())

    def to_chunk(self) -> AIMessageChunk:
        """The chunks joined so far, as one ``AIMessageChunk`` (a fresh object).

        Example:
            >>> acc = ChunkAccumulator()
            >>> acc.add(text_chunk("hi", None))
            >>> acc.to_chunk().content
            'hi'
        """
        chunks = [call.chunk() for call in self._calls]
        calls, invalid = self._parsed(chunks)
        usage = self._usage
        return _new_chunk(
            {
                "content": self._content.content(),
                "additional_kwargs": dict(self._additional_kwargs),
                "response_metadata": dict(self._response_metadata),
                "type": "AIMessageChunk",
                "name": self._name,
                "id": self._id,
                "tool_calls": calls,
                "invalid_tool_calls": invalid,
                "usage_metadata": None if usage is None else copy_usage(usage),
                "tool_call_chunks": chunks,
                "chunk_position": "last" if self._last else None,
            }
        )

    def to_message(self) -> AIMessage:
        """The chunks joined so far, as a complete ``AIMessage`` (a fresh object).

        Example:
            >>> acc = ChunkAccumulator()
            >>> acc.add(text_chunk("hi", "run-1"))
            >>> acc.to_message().content
            'hi'
        """
        chunks = [call.chunk() for call in self._calls]
        calls, invalid = self._parsed(chunks)
        usage = self._usage
        return _new_message(
            {
                "content": self._content.content(),
                "additional_kwargs": dict(self._additional_kwargs),
                "response_metadata": dict(self._response_metadata),
                "type": "ai",
                "name": self._name,
                "id": self._id,
                "tool_calls": calls,
                "invalid_tool_calls": invalid,
                "usage_metadata": None if usage is None else copy_usage(usage),
            }
        )

    def _parsed(self, chunks: list[ToolCallChunk]) -> tuple[list[ToolCall], list[InvalidToolCall]]:
        """The tool calls of ``chunks`` (those of ``_calls``), each call's args read once."""
        if not chunks:
            return [], []
        return parse_tool_call_chunks(chunks, [call.reader for call in self._calls])

    def _add_tool_call_chunks(self, pieces: list[ToolCallChunk]) -> None:
        for piece in pieces:
            index = piece["index"]
            found = None if index is None else self._by_index.get(index)
            if found is not None:
                found.add(piece)
                continue
            parts = _CallParts(piece)
            self._calls.append(parts)
            if index is not None:
                self._by_index[index] = parts


def join_chunks(chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
    """Join chunks into one, like ``sum`` with ``+`` but in linear time.

    Raises:
        TypeError: two chunks carry metadata values that cannot be merged (as with ``+``).

    Example:
        >>> join_chunks([text_chunk("a", "run-1"), text_chunk("b", None)]).content
        'ab'
    """
    acc = ChunkAccumulator(strict=True)
    for chunk in chunks:
        acc.add(chunk)
    return acc.to_chunk()


_PROVIDER = 2
"""The rank of a provider's id, which no later id replaces."""


def _id_rank(id: str) -> int:
    """langchain-core's preference among chunk ids: provider 2, ``lc_run-`` 1, ``lc_`` 0."""
    if not id.startswith("lc_"):
        return _PROVIDER
    return 1 if id.startswith("lc_run-") else 0
