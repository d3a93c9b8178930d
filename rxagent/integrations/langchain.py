"""LangChain chat models as rxagent models, and message converters (extra ``langchain``).

``langchain_core`` is imported when a function here needs it, never when ``rxagent`` is
imported, so the core runs without it.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> to_langchain(HumanMessage("hi")).content
    'hi'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    text_chunk,
)

__all__ = ("LangChainModel", "from_langchain", "to_langchain")

_SIMPLE = {"human": HumanMessage, "system": SystemMessage, "tool": ToolMessage}
_COMMON = ("content", "additional_kwargs", "response_metadata", "name", "id")
_AI_FIELDS = ("tool_calls", "invalid_tool_calls", "usage_metadata")


class LangChainModel:
    """Any LangChain ``BaseChatModel`` as an rxagent chat model.

    ``astream`` converts the conversation to langchain-core messages, binds the tools
    (``bind_tools``, when tools are given and the model supports it) and converts each
    streamed ``langchain_core.messages.AIMessageChunk`` back to rxagent's, keeping
    ``content``, ``id``, ``tool_call_chunks``, ``usage_metadata``, ``response_metadata``
    and ``chunk_position``. Text-only chunks take a no-validation fast path.

    Args:
        chat_model: a LangChain chat model (anything with ``astream(messages)``).

    Example:
        >>> from langchain_core.language_models import GenericFakeChatModel
        >>> model = LangChainModel(GenericFakeChatModel(messages=iter(["hi"])))
    """

    def __init__(self, chat_model: Any) -> None:
        """Wrap ``chat_model``."""
        self.chat_model = chat_model

    def __repr__(self) -> str:
        return f"LangChainModel({self.chat_model!r})"

    async def astream(
        self, messages: Sequence[BaseMessage], *, tools: Sequence[Any] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream the reply to ``messages`` as rxagent ``AIMessageChunk``\\s."""
        model = self.chat_model
        if tools and hasattr(model, "bind_tools"):
            model = model.bind_tools([_tool_spec(item) for item in tools])
        converted = [to_langchain(message) for message in messages]
        async for chunk in model.astream(converted):
            yield _chunk_from_langchain(chunk)


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


def _tool_call_chunk(piece: Any) -> dict[str, Any]:
    return {key: piece.get(key) for key in ("name", "args", "id", "index")}


def _tool_spec(item: Any) -> Any:
    """An rxagent ``Tool`` as an OpenAI-style function dict; anything else as given."""
    schema = getattr(item, "tool_call_schema", None)
    if callable(schema):
        return {"type": "function", "function": dict(schema())}
    return item
