"""Coercion of user input into messages, as LangChain's ``convert_to_messages``, and the union.

Accepted: messages, strings, ``(role, content)`` pairs, message dicts (LangChain's and
OpenAI's, see ``_message_dict``), langchain-core's serialized ``{"lc": 1, "type":
"constructor", ...}`` form, and langchain-core message objects (recognised by their module
and converted through ``model_dump()``; langchain-core is never imported here). Errors name
the position of the bad message, as in ``messages[2]: ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, NoReturn, Protocol, TypeAlias

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails

from rxagent._fast import maker
from rxagent.messages._ai import AIMessage, AIMessageChunk
from rxagent.messages._base import (
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from rxagent.messages._message_dict import message_fields

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


class ForeignMessage(Protocol):
    """A message object of another library, such as langchain-core's ``HumanMessage``."""

    @property
    def type(self) -> str:
        """The message kind, such as ``"human"`` or ``"AIMessageChunk"``."""
        ...

    def model_dump(self) -> dict[str, Any]:
        """The message's fields as a dict."""
        ...


MessageLike: TypeAlias = BaseMessage | str | Mapping[str, Any] | tuple[str, Any] | ForeignMessage
"""What ``coerce_message`` accepts (a ``[role, content]`` list is read as a tuple)."""

_ROLES: dict[str, type[BaseMessage]] = {
    "user": HumanMessage,
    "human": HumanMessage,
    "assistant": AIMessage,
    "ai": AIMessage,
    "system": SystemMessage,
    "developer": SystemMessage,
    "tool": ToolMessage,
    "AIMessageChunk": AIMessageChunk,
    "remove": RemoveMessage,
}
_VALID_ROLES = ", ".join(_ROLES)
_CONTENT_ONLY = frozenset({"content"})
_PLAIN: dict[str, tuple[Callable[[dict[str, Any]], BaseMessage], str]] = {
    role: (maker(cls, _CONTENT_ONLY), kind)
    for role, cls, kind in (
        ("user", HumanMessage, "human"),
        ("human", HumanMessage, "human"),
        ("system", SystemMessage, "system"),
    )
}
"""Roles whose ``{"role": ..., "content": "text"}`` dict is built without validation: with
text content and no other key there is nothing to check, and the message is the one
``model_validate`` gives (``tests/messages/test_messages_convert.py`` compares them)."""
_FOREIGN_KINDS = {
    "HumanMessageChunk": "human",
    "SystemMessageChunk": "system",
    "ToolMessageChunk": "tool",
}
"""langchain-core kinds that rxagent has no class for, and the kind that holds them."""
_CONSTRUCTOR_KINDS = {
    **_FOREIGN_KINDS,
    "HumanMessage": "human",
    "AIMessage": "ai",
    "AIMessageChunk": "ai",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "RemoveMessage": "remove",
}
"""Class names of langchain-core's ``{"lc": 1, "type": "constructor"}`` form, as its own map."""
_FOREIGN_MODULES = frozenset({"langchain_core", "langchain"})
_KINDS = "a message, a string, a dict with 'role' and 'content', or a (role, content) tuple"


def coerce_message(value: MessageLike) -> BaseMessage:
    """Turn user input into a message, as LangChain's ``convert_to_messages`` does.

    Accepts a message (returned as is), a string (a ``HumanMessage``), a ``(role,
    content)`` tuple or list, a dict with a ``"role"`` (or ``"type"``), ``"content"`` and
    other fields, in LangChain's or OpenAI's form (keys that are not fields go to
    ``additional_kwargs``), or a langchain-core message object. Roles: ``user``/``human``,
    ``assistant``/``ai``, ``system``/``developer``, ``tool`` (which needs ``tool_call_id``),
    and ``AIMessageChunk`` and ``remove``.

    Raises:
        ValueError: the role is unknown or missing, or tool-call arguments are not JSON (the
            message names the valid roles).
        pydantic.ValidationError: a field is missing or invalid (the error names it).
        TypeError: the value is none of the accepted kinds.

    Example:
        >>> coerce_message({"role": "user", "content": "hi"})
        HumanMessage(content='hi', additional_kwargs={}, response_metadata={}, type='human', name=None, id=None)
        >>> coerce_message(("assistant", "hello")).type
        'ai'
        >>> coerce_message({"role": "assistant", "content": None, "tool_calls": [
        ...     {"id": "call_1", "type": "function",
        ...      "function": {"name": "f", "arguments": '{"x": 1}'}}]}).tool_calls[0]["args"]
        {'x': 1}
    """  # noqa: E501
    return _coerce(value, None)


def convert_to_messages(values: Iterable[MessageLike] | MessageLike) -> list[BaseMessage]:
    """Coerce each value with ``coerce_message``; a single message-like value is a list of one.

    Raises:
        ValueError: as ``coerce_message``, the message starting with the position of the bad
            value (``messages[2]: ...``); a ``pydantic.ValidationError`` is titled with it.
        TypeError: ``values`` is not a list, or an item is none of the accepted kinds.

    Example:
        >>> [m.type for m in convert_to_messages(["hi", ("ai", "hello"), {"role": "system",
        ...                                                        "content": "be brief"}])]
        ['human', 'ai', 'system']
        >>> convert_to_messages(["hi", {"role": "robot", "content": "beep"}])
        Traceback (most recent call last):
        ...
        ValueError: messages[1]: 'role' must be one of user, human, assistant, ai, system, developer, tool, AIMessageChunk, remove; got 'robot'
    """  # noqa: E501
    if not isinstance(values, list):  # a list, the usual case, skips the abstract checks
        if isinstance(values, BaseMessage | str | Mapping | tuple) or is_langchain_message(values):
            return [_coerce(values, "messages[0]")]
        if not isinstance(values, Iterable):
            raise TypeError(
                f"messages must be a list of messages, each {_KINDS}; "
                f"got {type(values).__name__}: {values!r}"
            )
    return [_coerce(value, f"messages[{i}]") for i, value in enumerate(values)]


def _coerce(value: object, where: str | None) -> BaseMessage:
    """Coerce one value; ``where`` (``"messages[2]"``) prefixes error messages."""
    if isinstance(value, BaseMessage):
        return value
    if type(value) is dict:  # the usual message dict, before the checks of other kinds
        return _from_dict(value, where)
    if type(value) is str:
        return _plain(_PLAIN["user"], value)
    prefix = _prefix(where)
    if isinstance(value, str):
        return HumanMessage(content=value)
    if isinstance(value, tuple | list):
        if len(value) != 2 or not isinstance(value[0], str):
            raise ValueError(f"{prefix}a message tuple is (role, content); got {value!r}")
        return _from_role(value[0], {"content": value[1]}, "role", where, pair=True)
    if is_langchain_message(value):
        fields = value.model_dump()  # type: ignore[attr-defined]
        kind = fields.pop("type")
        return _from_role(_FOREIGN_KINDS.get(kind, kind), fields, "type", where)
    if isinstance(value, Mapping):
        return _from_mapping(value, where)
    raise TypeError(
        f"{prefix}cannot make a message from {type(value).__name__} {value!r}; give {_KINDS}"
    )


def _from_dict(value: dict[str, Any], where: str | None) -> BaseMessage:
    content = value.get("content")
    if type(content) is str and len(value) == 2:
        role = value.get("role", value.get("type"))
        plain = _PLAIN.get(role) if type(role) is str else None
        if plain is not None:
            return _plain(plain, content)
    return _from_mapping(value, where)


def _plain(plain: tuple[Callable[[dict[str, Any]], BaseMessage], str], text: str) -> BaseMessage:
    """A message of ``plain``'s kind with text ``text`` and every other field its default."""
    make, kind = plain
    return make(
        {
            "content": text,
            "additional_kwargs": {},
            "response_metadata": {},
            "type": kind,
            "name": None,
            "id": None,
        }
    )


def _from_mapping(value: Mapping[str, Any], where: str | None) -> BaseMessage:
    kwargs = value.get("kwargs")
    ids = value.get("id")
    if value.get("lc") == 1 and value.get("type") == "constructor" and isinstance(kwargs, Mapping):
        kind = _CONSTRUCTOR_KINDS.get(ids[-1]) if isinstance(ids, list) and ids else None
        if kind is not None:
            return _from_role(kind, kwargs, "type", where)
    fields = dict(value)
    key = "role" if "role" in fields else "type"
    role = fields.pop(key, None)
    if role is None:
        raise ValueError(
            f"{_prefix(where)}a message dict needs a 'role' (or 'type'), one of {_VALID_ROLES}; "
            f"got the keys {', '.join(map(repr, fields)) or 'none'}"
        )
    return _from_role(role, fields, key, where)


def _from_role(
    role: object, fields: Mapping[str, Any], key: str, where: str | None, *, pair: bool = False
) -> BaseMessage:
    """Build the message ``role`` names from a message dict (``content`` only if ``pair``)."""
    prefix = _prefix(where)
    cls = _ROLES.get(role) if isinstance(role, str) else None
    if cls is None:
        raise ValueError(f"{prefix}{key!r} must be one of {_VALID_ROLES}; got {role!r}")
    if "content" not in fields and cls is not RemoveMessage:
        _invalid(cls, where, "content", fields)
    content = fields["content"] if pair else None  # a pair's None content is not ""
    fields = message_fields(cls, str(role), fields, prefix)
    if pair:
        fields["content"] = content
    try:
        return cls.model_validate(fields)
    except ValidationError as error:
        if where is None:
            raise
        lines = [_init_details(line) for line in error.errors()]
        raise ValidationError.from_exception_data(f"{where} ({cls.__name__})", lines) from None


def _prefix(where: str | None) -> str:
    return f"{where}: " if where else ""


def _init_details(line: ErrorDetails) -> InitErrorDetails:
    details: InitErrorDetails = {"type": line["type"], "loc": line["loc"], "input": line["input"]}
    if "ctx" in line:
        details["ctx"] = line["ctx"]
    return details


def _invalid(cls: type[BaseMessage], where: str | None, field: str, given: object) -> NoReturn:
    """Raise pydantic's "Field required" error for ``field``, showing the input as given."""
    title = f"{where} ({cls.__name__})" if where else cls.__name__
    raise ValidationError.from_exception_data(
        title, [{"type": "missing", "loc": (field,), "input": given}]
    )


def is_langchain_message(value: object) -> bool:
    """Whether ``value`` is a langchain-core message (duck-typed: langchain-core is not
    imported).

    Example:
        >>> is_langchain_message({"role": "user", "content": "hi"})
        False
    """
    module = type(value).__module__.partition(".")[0]
    return (
        module in _FOREIGN_MODULES
        and isinstance(getattr(value, "type", None), str)
        and callable(getattr(value, "model_dump", None))
    )
