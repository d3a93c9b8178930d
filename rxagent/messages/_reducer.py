"""LangGraph's ``add_messages`` reducer for a ``messages`` state key.

Same results as LangGraph's, at O(new messages) per step instead of O(history): a step's
result is a new list (a :class:`MessageList`, so ``values`` events never see later steps),
but the messages already in the state are neither coerced again nor re-indexed: the id
index is shared along the chain of a run's states and handed from a merge's input to its
result under a lock (:func:`_tip_index`), so a second merge into the same state, a merge in
another thread, or one after a failed merge builds a fresh index as LangGraph does.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, SupportsIndex, TypeVar

from rxagent._uuid import uuid4_str
from rxagent.messages._ai import AIMessageChunk
from rxagent.messages._base import BaseMessage
from rxagent.messages._convert import MessageLike, convert_to_messages

M = TypeVar("M", bound=Any)

_CLAIM = threading.Lock()
"""Guards the hand-over of a shared id index from a merge's input to its result."""

REMOVE_ALL_MESSAGES = "__remove_all__"
"""The id of a ``RemoveMessage`` that deletes every message before it."""


def add_messages(
    left: Iterable[MessageLike] | MessageLike, right: Iterable[MessageLike] | MessageLike
) -> list[BaseMessage]:
    """Merge ``right`` into ``left`` by id, as LangGraph's ``add_messages`` reducer does.

    Both sides are coerced (a single message-like value or a list); chunks become complete
    messages; messages without an id get ``str(uuid4())`` (set on the message object, as
    LangGraph does). A right message whose id is on the left replaces it in place; the
    others are appended. ``RemoveMessage(id=...)`` deletes that message, and
    ``RemoveMessage(id=REMOVE_ALL_MESSAGES)`` keeps only the right messages after it.

    Raises:
        ValueError: a ``RemoveMessage`` names an id that is not there.

    Example:
        >>> msgs = add_messages([HumanMessage("hi", id="1")], AIMessage("hello", id="2"))
        >>> [m.content for m in add_messages(msgs, [AIMessage("hey", id="2")])]
        ['hi', 'hey']
        >>> [m.id for m in add_messages(msgs, RemoveMessage(id="1"))]
        ['2']
    """
    old = prepared_state(left, "rxagent")
    return merge_by_id(_prepare(left) if old is None else old, _prepare(right), prepared="rxagent")


def merge_by_id(old: list[M], new: list[M], *, prepared: str | None = None) -> list[M]:
    """``add_messages``' merge, for messages of any kind that have ``id`` and ``type``
    (rxagent's or langchain-core's, already converted and given ids).

    The result is a new :class:`MessageList` (``old`` is never changed). Appending to the
    result of the previous merge is O(1) per new message: the index of ids is shared along
    the chain of results (see :class:`MessageList`); any other ``old`` gets a fresh index,
    built as LangGraph builds it. ``prepared`` marks the result as holding only messages
    coerced by that kind of ``add_messages`` (``"rxagent"``, ``"langchain"``), so the
    next merge need not coerce them again.

    Raises:
        ValueError: a removal names an id that is not there.

    Example:
        >>> [m.id for m in merge_by_id([HumanMessage("a", id="1")], [RemoveMessage(id="1")])]
        []
    """
    for position in range(len(new) - 1, -1, -1):
        message = new[position]
        if message.type == "remove" and message.id == REMOVE_ALL_MESSAGES:
            return MessageList(new[position + 1 :], prepared)
    merged: MessageList = MessageList(old[:], prepared)
    index = _tip_index(old)
    if index is None:
        index = _Index({message.id: i for i, message in enumerate(old)})
    where = index.where
    removed: set[str | None] = set()
    for message in new:
        existing = where.get(message.id)
        if existing is not None:
            if message.type == "remove":
                removed.add(message.id)
            else:
                removed.discard(message.id)
                list.__setitem__(merged, existing, message)
        elif message.type == "remove":
            raise ValueError(
                f"Attempting to delete a message with an ID that doesn't exist ({message.id!r})"
            )
        else:
            where[message.id] = len(merged)
            list.append(merged, message)
    if removed:  # positions moved: the index stays unclaimed, the next merge builds one
        return MessageList([message for message in merged if message.id not in removed], prepared)
    index.tip = weakref.ref(merged)
    merged._index = index
    return merged


def prepared_state(values: Any, kind: str) -> list[Any] | None:
    """``values`` itself if it is a merge result of ``kind`` not changed since, else ``None``.

    Example:
        >>> state = add_messages([], [HumanMessage("hi")])
        >>> prepared_state(state, "rxagent") is state, prepared_state(list(state), "rxagent")
        (True, None)
    """
    if type(values) is MessageList and values._prepared == kind:
        return values
    return None


def collect_ids(messages: list[Any], seen: set[str]) -> None:
    """Add the ids of the messages in ``messages`` to ``seen`` (a run's dedupe of streamed
    messages): for a merge result, only of those appended since the last call with ``seen``
    for a list of the same chain, so a step costs O(new messages).

    Example:
        >>> state, seen = add_messages([], [HumanMessage("a", id="1")]), set()
        >>> collect_ids(state, seen)
        >>> collect_ids(add_messages(state, [AIMessage("b", id="2")]), seen)
        >>> sorted(seen)
        ['1', '2']
    """
    index = messages._index if type(messages) is MessageList else None
    start = 0
    if index is not None and index.collected is not None and index.collected[0] is seen:
        start = min(index.collected[1], len(messages))
    for position in range(start, len(messages)):
        message = messages[position]
        if isinstance(message, BaseMessage) and message.id is not None:
            seen.add(message.id)
    if index is not None:
        index.collected = (seen, len(messages))


def _tip_index(old: list[Any]) -> _Index | None:
    """The shared index of ``old`` if ``old`` is the last list that extended it, claimed:
    no other merge (another thread's, or a later one after this one fails) can use it
    until this merge hands it to its result."""
    if type(old) is not MessageList:
        return None
    index = old._index
    if index is None:
        return None
    with _CLAIM:
        if index.tip() is not old:
            return None
        index.tip = _nobody
    return index


def _nobody() -> None:
    return None


class _Index:
    """Where each id is, shared by a chain of merge results, each a prefix of the next.

    Merging appends and replaces in place, so an id's position is the same in every list
    of the chain that has it; only the chain's last list (``tip``) may extend it.
    ``collected``: the set :func:`collect_ids` last filled from a list of the chain, and
    how many of the chain's first messages it has the ids of.
    """

    __slots__ = ("collected", "tip", "where")

    def __init__(self, where: dict[Any, int]) -> None:
        self.where = where
        self.tip: Callable[[], Any] = _nobody
        self.collected: tuple[set[str], int] | None = None


class MessageList(list[Any]):
    """The list ``add_messages`` returns: a plain ``list`` that remembers its id index.

    It compares, prints, copies and serialises as a ``list`` (pickling and copies give a
    ``MessageList`` without the index). Any in-place change (``append``, ``[i] = x``,
    ``sort``, ...) forgets the index and the coercion mark, so the next merge does the full
    work, as LangGraph's always does.

    Example:
        >>> state = add_messages([HumanMessage("a", id="1")], [AIMessage("b", id="2")])
        >>> state == [HumanMessage("a", id="1"), AIMessage("b", id="2")], type(state).__name__
        (True, 'MessageList')
    """

    __slots__ = ("__weakref__", "_index", "_prepared")

    def __init__(self, items: Iterable[Any] = (), prepared: str | None = None) -> None:
        super().__init__(items)
        self._index: _Index | None = None
        self._prepared = prepared

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (MessageList, (list(self),))

    def _forget(self) -> None:
        self._index = None
        self._prepared = None

    def append(self, item: Any) -> None:
        self._forget()
        super().append(item)

    def extend(self, items: Iterable[Any]) -> None:
        self._forget()
        super().extend(items)

    def insert(self, position: SupportsIndex, item: Any) -> None:
        self._forget()
        super().insert(position, item)

    def pop(self, position: SupportsIndex = -1) -> Any:
        self._forget()
        return super().pop(position)

    def remove(self, item: Any) -> None:
        self._forget()
        super().remove(item)

    def clear(self) -> None:
        self._forget()
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._forget()
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._forget()
        super().reverse()

    def __setitem__(self, key: Any, value: Any) -> None:
        self._forget()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._forget()
        super().__delitem__(key)

    def __iadd__(self, items: Iterable[Any]) -> MessageList:  # type: ignore[misc]
        self._forget()
        return super().__iadd__(items)

    def __imul__(self, times: SupportsIndex) -> MessageList:
        self._forget()
        return super().__imul__(times)


def _prepare(values: Iterable[MessageLike] | MessageLike) -> list[BaseMessage]:
    """Coerce, turn chunks into messages, and give each message an id."""
    messages = convert_to_messages(values)
    for position, message in enumerate(messages):
        if isinstance(message, AIMessageChunk):
            messages[position] = message = message.to_message()
        if message.id is None:
            message.id = uuid4_str()
    return messages
