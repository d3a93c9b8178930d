"""Coercion of user input (strings, dicts, tuples) into messages, and the message union."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeAlias

from pydantic import Field, TypeAdapter

from rxagent.messages._ai import AIMessage, AIMessageChunk
from rxagent.messages._base import (
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)

AnyMessage: TypeAlias = Annotated[
    HumanMessage | SystemMessage | AIMessage | ToolMessage | AIMessageChunk | RemoveMessage,
    Field(discriminator="type"),
]
"""Any message, discriminated by its ``type`` field (for JSON decoding)."""

MESSAGE_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)
"""Validates a dict (``model_dump(mode="json")``) or JSON back into the right message class.

Example:
    >>> MESSAGE_ADAPTER.validate_python({"type": "human", "content": "hi"})
    HumanMessage(content='hi', additional_kwargs={}, response_metadata={}, type='human', name=None, id=None)
"""  # noqa: E501

MessageLike: TypeAlias = BaseMessage | str | Mapping[str, Any] | tuple[str, Any]
"""What ``coerce_message`` accepts."""

_ROLES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "user": HumanMessage,
    "ai": AIMessage,
    "assistant": AIMessage,
    "system": SystemMessage,
    "developer": SystemMessage,
    "tool": ToolMessage,
    "AIMessageChunk": AIMessageChunk,
    "remove": RemoveMessage,
}
_VALID_ROLES = ", ".join(repr(role) for role in _ROLES)


def coerce_message(value: MessageLike) -> BaseMessage:
    """Turn user input into a message, as LangChain's ``convert_to_messages`` does.

    Accepts a message (returned as is), a string (a ``HumanMessage``), a dict with a
    ``"role"`` (or ``"type"``) and the message's fields, or a ``(role, content)`` tuple.
    Roles: ``user``/``human``, ``assistant``/``ai``, ``system``/``developer``, ``tool``
    (which needs ``tool_call_id``), and ``AIMessageChunk`` and ``remove``. Assistant dicts
    may carry ``tool_calls`` in LangChain's or in OpenAI's form.

    Raises:
        ValueError: the role is unknown or missing (the message names the valid roles).
        pydantic.ValidationError: a field is missing or invalid (the error names it).
        TypeError: the value is none of the accepted kinds.

    Example:
        >>> coerce_message({"role": "user", "content": "hi"})
        HumanMessage(content='hi', additional_kwargs={}, response_metadata={}, type='human', name=None, id=None)
        >>> coerce_message(("assistant", "hello")).type
        'ai'
    """  # noqa: E501
    if isinstance(value, BaseMessage):
        return value
    if isinstance(value, str):
        return HumanMessage(content=value)
    if isinstance(value, tuple):
        if len(value) != 2 or not isinstance(value[0], str):
            raise ValueError(f"a message tuple is (role, content), got {value!r}")
        return _from_role(value[0], {"content": value[1]})
    if isinstance(value, Mapping):
        fields = dict(value)
        role = fields.pop("role", None)
        if role is None:
            role = fields.pop("type", None)
        else:
            fields.pop("type", None)
        if not isinstance(role, str):
            raise ValueError(f"a message dict needs a 'role' (or 'type'): one of {_VALID_ROLES}")
        return _from_role(role, fields)
    raise TypeError(f"cannot make a message from {type(value).__name__}: {value!r}")


def convert_to_messages(values: Iterable[MessageLike] | MessageLike) -> list[BaseMessage]:
    """Coerce each value with ``coerce_message``; a single message-like value is a list of one.

    Example:
        >>> [m.type for m in convert_to_messages(["hi", ("ai", "hello"), {"role": "system",
        ...                                                        "content": "be brief"}])]
        ['human', 'ai', 'system']
    """
    if isinstance(values, BaseMessage | str | Mapping | tuple):
        return [coerce_message(values)]
    return [coerce_message(value) for value in values]


def _from_role(role: str, fields: dict[str, Any]) -> BaseMessage:
    cls = _ROLES.get(role)
    if cls is None:
        raise ValueError(f"unknown message role {role!r}; valid roles are {_VALID_ROLES}")
    calls = fields.get("tool_calls")
    if issubclass(cls, AIMessage) and isinstance(calls, list):
        fields["tool_calls"] = [_openai_tool_call(call) for call in calls]
    return cls.model_validate(fields)


def _openai_tool_call(call: object) -> object:
    """Turn an OpenAI tool call ``{"id", "function": {"name", "arguments"}}`` into LangChain's."""
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        return call
    function = call["function"]
    arguments = function.get("arguments")
    args = json.loads(arguments) if isinstance(arguments, str) and arguments else arguments
    return {"name": function.get("name"), "args": args or {}, "id": call.get("id")}
