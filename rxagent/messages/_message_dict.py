"""Message dicts read as LangChain's ``convert_to_messages`` reads them, OpenAI's form included.

The rules, from langchain-core's ``_create_message_from_message_type``: ``content: None``
is ``""``; ``name``, ``id``, ``tool_call_id`` and ``tool_calls`` set the fields of the same
name (``None`` means not given); ``response_metadata`` sets that field; any other key goes
to ``additional_kwargs``, where the entries of a nested ``additional_kwargs`` dict win;
OpenAI tool calls ``{"id", "type": "function", "function": {"name", "arguments"}}`` become
LangChain tool calls, their JSON arguments parsed; a ``developer`` message is a system
message with ``additional_kwargs["__openai_role__"] = "developer"``.

One difference: a key that names a field of the message class (``usage_metadata``,
``invalid_tool_calls``, ``status``, ``artifact``, ...) sets that field, so a
``model_dump()`` of a message converts back to an equal message; langchain-core keeps only
``status`` and ``artifact`` that way and puts the others in ``additional_kwargs``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from rxagent.messages._ai import AIMessage
from rxagent.messages._base import BaseMessage, HumanMessage, ToolMessage

_FIELD_KEYS = frozenset(
    {"content", "name", "id", "tool_call_id", "tool_calls", "response_metadata"}
)
"""Keys that langchain-core always passes as fields (the message class then checks them)."""


def message_fields(
    cls: type[BaseMessage], role: str, raw: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """The fields of a ``cls`` message given as ``raw`` (a dict without its role).

    Args:
        cls: the message class the role names.
        role: the role as given (``"developer"`` adds ``__openai_role__``).
        raw: the dict's other keys.
        where: the ``"messages[2]: "`` prefix of error messages (may be empty).

    Raises:
        ValueError: an OpenAI tool call's ``arguments`` are not valid JSON.

    Example:
        >>> message_fields(HumanMessage, "user", {"content": None, "lang": "fr"}, "")
        {'content': '', 'additional_kwargs': {'lang': 'fr'}}
    """
    fields: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    known = _field_names(cls)
    for key, value in raw.items():
        if key == "additional_kwargs" or (key not in _FIELD_KEYS and key not in known):
            extras[key] = value
        elif value is not None:
            fields[key] = value
    if "content" in raw:
        fields["content"] = raw["content"] or ""
    nested = extras.pop("additional_kwargs", None)
    if isinstance(nested, Mapping):
        extras.update(nested)
    elif nested is not None:
        fields["additional_kwargs"] = nested  # not a dict: validation names it
    _apply_role_rules(cls, role, fields, extras)
    if extras and "additional_kwargs" not in fields:
        fields["additional_kwargs"] = extras
    calls = fields.get("tool_calls")
    if issubclass(cls, AIMessage) and isinstance(calls, list):
        fields["tool_calls"] = [
            _tool_call(call, f"{where}tool_calls[{i}]") for i, call in enumerate(calls)
        ]
    return fields


def _apply_role_rules(
    cls: type[BaseMessage], role: str, fields: dict[str, Any], extras: dict[str, Any]
) -> None:
    """langchain-core's per-role adjustments of ``additional_kwargs``."""
    if cls is HumanMessage or cls is AIMessage:
        if not extras.get("example", True):
            del extras["example"]  # langchain-core drops a false ``example``
    elif cls is ToolMessage:
        for key in ("artifact", "status"):
            value = extras.pop(key, None)
            if value is not None:
                fields[key] = value
    if role == "developer":
        extras["__openai_role__"] = "developer"


def _tool_call(call: object, where: str) -> object:
    """Turn an OpenAI tool call into LangChain's; other values are left to validation."""
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        return call
    function = call["function"]
    arguments = function.get("arguments")
    if isinstance(arguments, str) and arguments:
        try:
            arguments = json.loads(arguments, strict=False)
        except ValueError as error:
            raise ValueError(
                f"{where}: 'function.arguments' must be a JSON object; got {arguments!r} ({error})"
            ) from None
    return {
        "name": function.get("name"),
        "args": {} if arguments is None or arguments == "" else arguments,
        "id": call.get("id"),
        "type": "tool_call",
    }


@cache
def _field_names(cls: type[BaseMessage]) -> frozenset[str]:
    return frozenset(cls.model_fields) - {"type", "additional_kwargs"}
