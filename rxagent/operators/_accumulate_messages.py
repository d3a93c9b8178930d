"""``accumulate_messages``: token chunks as growing whole-message snapshots."""

from __future__ import annotations

from typing import Any, Literal

from rxagent._fast import maker
from rxagent.events import Event, MessageEvent
from rxagent.messages import (
    AIMessageChunk,
    add_usage,
    merge_dicts,
    parse_tool_call_chunks,
    tool_call_chunk,
)
from rxagent.messages._content import ContentJoiner
from rxagent.messages._foreign import chunk_like, is_langchain_chunk, rxagent_chunk
from rxagent.messages._types import Content, ToolCallChunk, UsageMetadata
from rxagent.operators._stage import Downstream, Stage
from rxagent.operators._types import Operator, SourceKey, source_of

_event = maker(MessageEvent)
_chunk = maker(AIMessageChunk)


def accumulate_messages() -> Operator:
    """Replace every token chunk by the whole message so far, for UIs that redraw it.

    Each ``messages`` event holding an ``AIMessageChunk`` becomes an event with the same
    fields and metadata whose chunk joins every chunk of that message so far, as ``+``
    does: text, content blocks (merged by ``index``), tool call chunks (joined by index)
    and the tool calls parsed from them, usage, metadata. The snapshot is a chunk of the
    token's kind: rxagent's, or langchain-core's as ``from_langgraph`` streams them.
    A message is the run of chunks of one source with one id (a chunk without an id
    continues the source's current message); it is forgotten at its ``chunk_position="last"``
    chunk, when another message starts on the source, or at the source's ``updates`` event
    (its task is over). Other events pass through as they are.

    Example:
        >>> import reactivex
        >>> from rxagent.events import MessageEvent
        >>> from rxagent.messages import text_chunk
        >>> tokens = [MessageEvent(data=(text_chunk(t, "m1"), {})) for t in ("Hel", "lo", "!")]
        >>> _ = reactivex.from_iterable(tokens).pipe(accumulate_messages()).subscribe(
        ...     lambda event: print(event.data[0].text))
        Hel
        Hello
        Hello!
    """
    return Stage(lambda observer, _: _Accumulator(observer))


class _Accumulator:
    """The core: each source's current message, for one consumer."""

    __slots__ = ("messages", "observer")

    def __init__(self, observer: Downstream) -> None:
        self.observer = observer
        self.messages: dict[SourceKey, _Message] = {}  # each source's current message

    def on_next(self, event: Event) -> None:
        messages, observer = self.messages, self.observer
        if event.mode != "messages" or not isinstance(chunk := event.data[0], AIMessageChunk):
            if event.mode != "messages" or not is_langchain_chunk(event.data[0]):
                if messages and event.mode == "updates":  # the task is over
                    messages.pop(source_of(event), None)
                observer.on_next(event)
                return
            theirs, chunk = event.data[0], rxagent_chunk(event.data[0])  # from_langgraph's
        else:
            theirs = None
        source = source_of(event)
        message = messages.get(source)
        if message is None or not message.continued_by(chunk):
            message = messages[source] = _Message()
        try:
            message.add(chunk)
        except Exception as error:  # e.g. metadata that cannot be merged
            observer.on_error(error)
            return
        if chunk.chunk_position == "last":
            del messages[source]
        snapshot = message.snapshot(chunk.chunk_position)
        fields = event.__dict__.copy()
        fields["data"] = (
            snapshot if theirs is None else chunk_like(theirs, snapshot),
            event.data[1],
        )
        observer.on_next(_event(fields))

    def on_error(self, error: Exception) -> None:
        self.observer.on_error(error)

    def on_completed(self) -> None:
        self.observer.on_completed()

    def cancel(self) -> None:
        """Forget the messages."""
        self.messages.clear()


class _Message:
    """One message joined so far; its snapshots share no mutable part with it."""

    __slots__ = (
        "additional",
        "blocks",
        "by_index",
        "calls",
        "content",
        "id",
        "metadata",
        "name",
        "usage",
    )

    def __init__(self) -> None:
        self.content: Content = ""
        self.blocks: ContentJoiner | None = None  # joins the content once a list is seen
        self.id: str | None = None
        self.name: str | None = None
        self.calls: list[ToolCallChunk] = []  # joined by index, in order of appearance
        self.by_index: dict[int, ToolCallChunk] = {}
        self.usage: UsageMetadata | None = None
        self.metadata: dict[str, Any] = {}
        self.additional: dict[str, Any] = {}

    def continued_by(self, chunk: AIMessageChunk) -> bool:
        """Whether ``chunk`` belongs to this message: no id on either side, or the same."""
        return chunk.id is None or self.id is None or chunk.id == self.id

    def add(self, chunk: AIMessageChunk) -> None:
        """Join ``chunk``: the text by concatenation, the rest field by field."""
        content, more = self.content, chunk.content
        if isinstance(content, str) and isinstance(more, str):
            self.content = content + more
        else:
            blocks = self.blocks
            if blocks is None:
                blocks = self.blocks = ContentJoiner()
                blocks.add(content)
            blocks.add(more)
            self.content = blocks.content()
        if self.id is None:
            self.id = chunk.id
        if self.name is None:
            self.name = chunk.name
        for piece in chunk.tool_call_chunks:
            self._add_call(piece)
        if chunk.usage_metadata is not None:
            self.usage = add_usage(self.usage, chunk.usage_metadata)
        if chunk.response_metadata:
            self.metadata = merge_dicts(self.metadata, chunk.response_metadata, strict=False)
        if chunk.additional_kwargs:
            self.additional = merge_dicts(self.additional, chunk.additional_kwargs, strict=False)

    def _add_call(self, piece: ToolCallChunk) -> None:
        index = piece["index"]
        mine = None if index is None else self.by_index.get(index)
        if mine is None:
            mine = tool_call_chunk(piece["name"], piece["args"], piece["id"], index)
            self.calls.append(mine)
            if index is not None:
                self.by_index[index] = mine
            return
        mine["name"] = mine["name"] if mine["name"] is not None else piece["name"]
        mine["id"] = mine["id"] if mine["id"] is not None else piece["id"]
        if piece["args"] is not None:
            mine["args"] = piece["args"] if mine["args"] is None else mine["args"] + piece["args"]

    def snapshot(self, position: Literal["last"] | None) -> AIMessageChunk:
        """The message so far, as a fresh ``AIMessageChunk``."""
        chunks = [call.copy() for call in self.calls]
        calls, invalid = parse_tool_call_chunks(chunks) if chunks else ([], [])
        content = self.content
        return _chunk(
            {
                "content": content if isinstance(content, str) else list(content),
                "additional_kwargs": dict(self.additional),
                "response_metadata": dict(self.metadata),
                "type": "AIMessageChunk",
                "name": self.name,
                "id": self.id,
                "tool_calls": calls,
                "invalid_tool_calls": invalid,
                "usage_metadata": None if self.usage is None else self.usage.copy(),
                "tool_call_chunks": chunks,
                "chunk_position": position,
            }
        )
