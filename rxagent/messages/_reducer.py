"""LangGraph's ``add_messages`` reducer for a ``messages`` state key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import uuid4

from rxagent.messages._ai import AIMessageChunk
from rxagent.messages._base import BaseMessage
from rxagent.messages._convert import MessageLike, convert_to_messages

M = TypeVar("M", bound=Any)

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
    return merge_by_id(_prepare(left), _prepare(right))


def merge_by_id(old: list[M], new: list[M]) -> list[M]:
    """``add_messages``' merge, for messages of any kind that have ``id`` and ``type``
    (rxagent's or langchain-core's, already converted and given ids).

    Raises:
        ValueError: a removal names an id that is not there.

    Example:
        >>> [m.id for m in merge_by_id([HumanMessage("a", id="1")], [RemoveMessage(id="1")])]
        []
    """
    for position in range(len(new) - 1, -1, -1):
        message = new[position]
        if message.type == "remove" and message.id == REMOVE_ALL_MESSAGES:
            return new[position + 1 :]
    merged = list(old)
    where = {message.id: i for i, message in enumerate(merged)}
    removed: set[str | None] = set()
    for message in new:
        existing = where.get(message.id)
        if existing is not None:
            if message.type == "remove":
                removed.add(message.id)
            else:
                removed.discard(message.id)
                merged[existing] = message
        elif message.type == "remove":
            raise ValueError(
                f"Attempting to delete a message with an ID that doesn't exist ({message.id!r})"
            )
        else:
            where[message.id] = len(merged)
            merged.append(message)
    return [message for message in merged if message.id not in removed]


def _prepare(values: Iterable[MessageLike] | MessageLike) -> list[BaseMessage]:
    """Coerce, turn chunks into messages, and give each message an id."""
    messages = convert_to_messages(values)
    for position, message in enumerate(messages):
        if isinstance(message, AIMessageChunk):
            messages[position] = message = message.to_message()
        if message.id is None:
            message.id = str(uuid4())
    return messages
