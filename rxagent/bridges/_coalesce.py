"""Lossless coalescing of pending events, for a consumer that lags (``overflow="coalesce"``).

While the buffer is full, a new token joins the pending tokens of its message, and a new
custom event replaces the pending custom event of its source, provided that pending item
is the last one of that source (so no event of the source is ever overtaken). Anything
else (updates, values, whole messages) is appended: nothing is dropped but superseded
progress. Tokens may be rxagent's chunks or langchain-core's (as ``from_langgraph`` streams
them); only chunks of one kind join, into a chunk of that kind.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rxagent.events import CustomEvent, MessageEvent, source_of
from rxagent.messages import AIMessageChunk, ChunkAccumulator
from rxagent.messages._foreign import chunk_like, is_langchain_chunk, rxagent_chunk


class Joined:
    """Tokens of one message waiting in the buffer, joined when the consumer pulls them."""

    __slots__ = ("count", "first", "joined")

    def __init__(self, first: MessageEvent, chunk: AIMessageChunk) -> None:
        self.first = first
        self.joined = ChunkAccumulator()
        self.joined.add(chunk)
        self.count = 1

    def add(self, chunk: AIMessageChunk) -> None:
        self.joined.add(chunk)
        self.count += 1

    def event(self) -> MessageEvent:
        """One event: the first token's fields and metadata, the joined chunk (of its kind)."""
        first = self.first.data
        data = (chunk_like(first[0], self.joined.to_chunk()), first[1])
        return self.first.model_copy(update={"data": data})


class Coalescer:
    """Tracks the last pending item of every source in a deque with absolute positions.

    Only sources with an item still pending are tracked: when the consumer takes a
    source's last pending item, the source is forgotten, so the state is bounded by the
    buffer, not by the number of sources (runs, tasks) that went through it.
    """

    __slots__ = ("coalesced", "head", "owners", "tails")

    def __init__(self) -> None:
        self.head = 0
        self.tails: dict[Any, int] = {}
        """The absolute position of each source's last pending item."""
        self.owners: dict[int, Any] = {}
        """The source whose last pending item is at each position (the inverse of tails)."""
        self.coalesced = 0
        """How many pushed events were folded into pending ones."""

    def push(self, items: deque[Any], item: Any, full: bool) -> None:
        """Append ``item``, or fold it into its source's pending tail when ``full``."""
        key = source_of(item) if hasattr(item, "task_id") else None
        if full and key is not None:
            position = self.tails.get(key, -1) - self.head
            if position >= 0 and self._fold(items, position, item):
                self.coalesced += 1
                return
        items.append(item)
        if key is not None:
            position = self.head + len(items) - 1
            previous = self.tails.get(key)
            if previous is not None:
                del self.owners[previous]
            self.tails[key] = position
            self.owners[position] = key

    def popped(self) -> None:
        """Called after the consumer took the head item: forget its source if that was the
        source's last pending item."""
        key = self.owners.pop(self.head, None)
        if key is not None:
            del self.tails[key]
        self.head += 1

    @staticmethod
    def _fold(items: deque[Any], position: int, item: Any) -> bool:
        pending = items[position]
        if type(item) is CustomEvent:
            if type(pending) is CustomEvent:
                items[position] = item  # superseded progress: the latest wins
                return True
            return False
        if type(item) is not MessageEvent:
            return False
        token = item.data[0]
        if type(token) is not AIMessageChunk and not is_langchain_chunk(token):
            return False
        if type(pending) is Joined:
            head = pending.first.data[0]
        elif type(pending) is MessageEvent:
            head = pending.data[0]
        else:
            return False
        if type(head) is not type(token) or head.id != token.id:
            return False  # another message, or the other kind of chunk
        if type(pending) is MessageEvent:
            pending = items[position] = Joined(pending, rxagent_chunk(head))
        pending.add(token if type(token) is AIMessageChunk else rxagent_chunk(token))
        return True
