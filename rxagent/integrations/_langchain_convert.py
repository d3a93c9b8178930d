"""Conversions between rxagent messages and langchain-core's (extra ``langchain``).

``langchain_core`` is imported inside the functions that need it.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> to_langchain(HumanMessage("hi")).content
    'hi'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, SupportsIndex, TypeAlias

from rxagent._uuid import uuid4_str
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    text_chunk,
)
from rxagent.messages._reducer import merge_by_id, prepared_state

ModelInput: TypeAlias = str | Sequence[Any]
"""What LangChain's chat models take: a string, or a list of message-likes."""


class LangChainInput(list[Any]):
    """What ``LangChainModel`` hands a chat model: a list, that knows whether LangChain's own
    input handling would change it.

    ``plain``: every item is a langchain-core message with ``str`` content, so LangChain's
    coercion (``convert_to_messages``) and ``_normalize_messages`` return the same objects
    and the fast path may skip them.

    Example:
        >>> from langchain_core.messages import HumanMessage as LCHuman
        >>> batch = LangChainInput()
        >>> batch.add([LCHuman("hi")])
        >>> batch.plain, batch == [LCHuman("hi")]
        (True, True)
    """

    __slots__ = ("plain",)

    def __init__(self, items: Iterable[Any] = (), *, plain: bool = True) -> None:
        super().__init__(items)
        self.plain = plain

    def add(self, items: list[Any]) -> None:
        """Append ``items``, keeping ``plain`` up to date."""
        if self.plain:
            from langchain_core.messages import BaseMessage as LangChainMessage

            self.plain = all(
                isinstance(item, LangChainMessage) and type(item.content) is str for item in items
            )
        self.extend(items)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (list, (list(self),))


_SIMPLE = {"human": HumanMessage, "system": SystemMessage, "tool": ToolMessage}
_COMMON = ("content", "additional_kwargs", "response_metadata", "name", "id")
_AI_FIELDS = ("tool_calls", "invalid_tool_calls", "usage_metadata")


def to_langchain_messages(input: ModelInput) -> Any:
    """LangChain model input from rxagent's: rxagent messages become langchain-core's.

    A string and anything LangChain converts itself (its messages, dicts, tuples) pass
    through, so this is what a node hands a plain LangChain chat model when its state holds
    rxagent messages: ``llm.invoke(to_langchain_messages(state["messages"]))``.

    Example:
        >>> from rxagent.messages import HumanMessage
        >>> [type(m).__name__ for m in to_langchain_messages([HumanMessage("hi"), "ok"])]
        ['HumanMessage', 'str']
    """
    return _to_input(input)


def add_langchain_messages(left: Any, right: Any) -> list[Any]:
    """LangGraph's ``add_messages`` with langchain-core messages in the state.

    Both sides are converted as LangChain converts them (dicts, tuples, strings, its own
    messages; rxagent messages become langchain-core ones), chunks become messages, messages
    without an id get one, and the two lists are merged by id exactly as
    ``rxagent.messages.add_messages`` merges (``RemoveMessage`` and ``REMOVE_ALL_MESSAGES``
    included). A node can then hand ``state["messages"]`` to a LangChain chat model as is.

    Example:
        >>> state = add_langchain_messages([], [{"role": "user", "content": "hi"}])
        >>> type(state[0]).__module__.startswith("langchain_core"), state[0].content
        (True, 'hi')
    """
    old = prepared_state(left, "langchain")
    return merge_by_id(
        _langchain_state(left) if old is None else old,
        _langchain_state(right),
        prepared="langchain",
    )


def _langchain_state(values: Any) -> list[Any]:
    from langchain_core.messages import convert_to_messages, message_chunk_to_message

    items = values if isinstance(values, list | tuple) and not _is_pair(values) else [values]
    converted = convert_to_messages(
        [to_langchain(item) if isinstance(item, BaseMessage) else item for item in items]
    )
    messages = [message_chunk_to_message(message) for message in converted]
    for message in messages:
        if message.id is None:
            message.id = uuid4_str()
    return messages


def _is_pair(value: Any) -> bool:
    """A ``(role, content)`` tuple, which is one message, not a list of two."""
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def to_langchain(message: BaseMessage) -> Any:
    """Convert an rxagent message to the langchain-core message of the same kind.

    Raises:
        TypeError: the message kind has no langchain-core counterpart here.
    """
    from langchain_core import messages as lc

    fields = {name: getattr(message, name) for name in _COMMON}
    if isinstance(message, AIMessageChunk):
        return lc.AIMessageChunk(
            **fields,
            tool_call_chunks=list(message.tool_call_chunks),
            usage_metadata=message.usage_metadata,
            chunk_position=message.chunk_position,
        )
    if isinstance(message, AIMessage):
        return lc.AIMessage(**fields, **{name: getattr(message, name) for name in _AI_FIELDS})
    if isinstance(message, ToolMessage):
        extra = {"tool_call_id": message.tool_call_id, "status": message.status}
        return lc.ToolMessage(**fields, **extra)
    if isinstance(message, RemoveMessage):
        return lc.RemoveMessage(id=message.id or "")
    kinds: dict[type[BaseMessage], Any] = {
        HumanMessage: lc.HumanMessage,
        SystemMessage: lc.SystemMessage,
    }
    cls = kinds.get(type(message))
    if cls is None:
        raise TypeError(f"no langchain-core counterpart for {type(message).__name__}")
    return cls(**fields)


def from_langchain(message: Any) -> BaseMessage:
    """Convert a langchain-core message to rxagent's (chunks stay chunks).

    Raises:
        TypeError: the message type is not one rxagent models.
    """
    kind = getattr(message, "type", None)
    if kind == "AIMessageChunk":
        return _chunk_from_langchain(message)
    fields = {name: getattr(message, name, None) for name in _COMMON}
    fields = {name: value for name, value in fields.items() if value is not None}
    if kind == "ai":
        return AIMessage(**fields, **{name: getattr(message, name) for name in _AI_FIELDS})
    if kind == "tool":
        extra = {"tool_call_id": message.tool_call_id, "status": message.status}
        return ToolMessage(**fields, **extra)
    cls = _SIMPLE.get(kind or "")
    if cls is None:
        raise TypeError(f"cannot convert a langchain-core message of type {kind!r}")
    return cls(**fields)


def _chunk_from_langchain(chunk: Any) -> AIMessageChunk:
    """One streamed chunk: text-only chunks skip validation, as the runtime's own do."""
    position = getattr(chunk, "chunk_position", None)
    usage = chunk.usage_metadata
    if (
        isinstance(chunk.content, str)
        and not chunk.tool_call_chunks
        and usage is None
        and position is None
        and not chunk.response_metadata
        and not chunk.additional_kwargs
    ):
        return text_chunk(chunk.content, chunk.id)
    return AIMessageChunk(
        chunk.content,
        id=chunk.id,
        tool_call_chunks=[_tool_call_chunk(piece) for piece in chunk.tool_call_chunks],
        usage_metadata=dict(usage) if usage is not None else None,
        response_metadata=dict(chunk.response_metadata),
        additional_kwargs=dict(chunk.additional_kwargs),
        chunk_position=position,
    )


def _to_input(input: ModelInput) -> Any:
    if isinstance(input, str):
        return input
    return [to_langchain(item) if isinstance(item, BaseMessage) else item for item in input]


def _reply(message: Any) -> AIMessage:
    reply = from_langchain(message)
    if not isinstance(reply, AIMessage):
        raise TypeError(f"the chat model replied with {type(reply).__name__}, not an AIMessage")
    return reply


def _tool_call_chunk(piece: Any) -> dict[str, Any]:
    return {key: piece.get(key) for key in ("name", "args", "id", "index")}
