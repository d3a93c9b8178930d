"""The JSON form of event ``data``: messages tagged, user dicts kept as dicts, the rest refused.

:func:`encode` turns a LangGraph-shaped chunk into plain JSON data; :func:`decode` turns that
back. The rules (``MARKER`` is the reserved key ``"__rx__"``):

* ``str``, ``int``, ``bool``, ``None`` and finite ``float`` values are written as they are
  (subclasses such as enums as their plain value).
* A list or a tuple is written as a JSON array, which decodes as a list.
* A message (:class:`~rxagent.messages.BaseMessage`) is written as
  ``{"__rx__": "message", "type": ..., <every field>}`` and decodes as the rxagent message
  class its ``type`` names (``HumanMessage``, ``AIMessageChunk``, ``RemoveMessage``...), its
  field values encoded by these same rules. A langchain-core message is written the same
  way, and so decodes as rxagent's message of its kind.
* A dict with ``str`` keys is written as a JSON object of encoded values. If it has the key
  ``"__rx__"`` itself it is escaped as ``{"__rx__": "dict", "value": {...}}``, so that any
  user dict, however message-like, decodes as that dict.
* An exception (any ``BaseException``) is written as ``{"error": <type name>, "message":
  <str(exc)>}``, as LangGraph's server does; it decodes as that plain dict.
* Anything else (bytes, sets, other objects, NaN and infinities, non-``str`` dict keys)
  raises :class:`Unencodable`, naming the offending type and where it is.

Decoding interprets only dicts that hold ``"__rx__"``; it returns its input unchanged (the same
object) when there is nothing to decode, so validating already-decoded data is cheap.
"""

from __future__ import annotations

import math
from typing import Any

from rxagent.messages import MESSAGE_ADAPTER, BaseMessage, coerce_message, is_langchain_message

MARKER = "__rx__"
"""The reserved key of the JSON form: a dict holding it is a tagged value."""

_PLAIN = frozenset({str, int, bool, type(None)})
"""Types written as they are (a set lookup on the hot path saves a call per scalar)."""
_NESTED = frozenset({dict, list, tuple})
"""Types decoding looks into."""

_JSON_KINDS = (
    "str, int, finite float, bool, None, list, tuple (written as a list), dict with str keys, "
    "messages and exceptions"
)


class Unencodable(ValueError):
    """A value JSON cannot hold; ``path`` is built while the error unwinds."""

    def __init__(self, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.value_type = type(value)
        """The type of the offending value (or key)."""
        self.reason = reason
        """What is wrong, e.g. ``"is of type bytes"``."""
        self.steps: list[str] = []
        """Subscripts from the offending value up to the top, innermost first."""

    @property
    def path(self) -> str:
        """Where the value is, relative to the encoded value: ``['model']['messages'][0]``."""
        return "".join(reversed(self.steps))

    def explain(self, root: str) -> str:
        """The whole story, with ``root`` naming the encoded value (e.g. ``"data"``)."""
        return f"{root}{self.path} {self.reason}; JSON holds only {_JSON_KINDS}"


def type_name(cls: type) -> str:
    """``bytes`` for builtins, ``module.Qualified`` for anything else."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def encode(value: Any) -> Any:
    """The JSON form of ``value`` (plain dicts, lists and scalars), by the module's rules.

    Raises:
        Unencodable: ``value`` holds something JSON cannot hold.

    Example:
        >>> from rxagent.messages import HumanMessage
        >>> encode({"type": "human", "content": "x"})
        {'type': 'human', 'content': 'x'}
        >>> encode((HumanMessage("hi"),))[0]["__rx__"]
        'message'
        >>> encode({"__rx__": 1})
        {'__rx__': 'dict', 'value': {'__rx__': 1}}
    """
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is dict:
        return _encode_dict(value) if value else {}
    if cls is list or cls is tuple:
        return _encode_list(value) if value else []
    if cls is float:
        if math.isfinite(value):
            return value
        raise Unencodable(value, f"is the float {value!r}")
    return _encode_other(value, cls)


def _encode_other(value: Any, cls: type) -> Any:
    """Messages, exceptions, and subclasses of the plain kinds."""
    if isinstance(value, BaseMessage):
        return _encode_message(value)
    if is_langchain_message(value):  # a langchain-core message: written as rxagent's
        return _encode_message(coerce_message(value))
    if isinstance(value, BaseException):
        return {"error": cls.__name__, "message": str(value)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return encode(float(value))
    if isinstance(value, dict):
        return _encode_dict(value)
    if isinstance(value, list | tuple):
        return _encode_list(value)
    raise Unencodable(value, f"is of type {type_name(cls)}")


def _encode_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str:
            if not isinstance(key, str):
                reason = f"has the key {key!r} of type {type_name(type(key))} (JSON keys are str)"
                raise Unencodable(key, reason)
            key = str.__str__(key)
        if type(item) in _PLAIN:
            out[key] = item
            continue
        try:
            out[key] = encode(item)
        except Unencodable as error:
            error.steps.append(f"[{key!r}]")
            raise
    if MARKER in out:
        return {MARKER: "dict", "value": out}
    return out


def _encode_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for index, item in enumerate(value):
        if type(item) in _PLAIN:
            out.append(item)
            continue
        try:
            out.append(encode(item))
        except Unencodable as error:
            error.steps.append(f"[{index}]")
            raise
    return out


def _encode_message(message: BaseMessage) -> dict[str, Any]:
    out: dict[str, Any] = {MARKER: "message", "type": message.type}
    for name, item in vars(message).items():
        if type(item) in _PLAIN:
            out[name] = item
            continue
        try:
            out[name] = encode(item)
        except Unencodable as error:
            error.steps.append(f".{name}")
            raise
    return out


def decode(value: Any) -> Any:
    """The value whose JSON form is ``value``: tagged messages and escaped dicts revived.

    Raises:
        ValueError: a dict holds ``"__rx__"`` but is no valid tagged value.

    Example:
        >>> decode({"__rx__": "message", "type": "human", "content": "hi"}).text
        'hi'
        >>> decode({"type": "human", "content": "x"})
        {'type': 'human', 'content': 'x'}
        >>> decode({"__rx__": "dict", "value": {"__rx__": 1}})
        {'__rx__': 1}
    """
    cls = type(value)
    if cls is dict:
        if MARKER in value:
            return _decode_tagged(value)
        return _decode_items(value)
    if cls is list or cls is tuple:
        items = [decode(item) if item and type(item) in _NESTED else item for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if cls is list else tuple(items)
    return value


def _decode_items(value: dict[str, Any]) -> dict[str, Any]:
    """Decode the values of a plain dict; the dict itself when none changes."""
    changed: dict[str, Any] | None = None
    for key, item in value.items():
        if not item or type(item) not in _NESTED:
            continue
        new = decode(item)
        if new is not item:
            if changed is None:
                changed = dict(value)
            changed[key] = new
    return value if changed is None else changed


def _decode_tagged(value: dict[str, Any]) -> Any:
    kind = value[MARKER]
    if kind == "message":
        fields = {
            key: decode(item) if item and type(item) in _NESTED else item
            for key, item in value.items()
            if key != MARKER
        }
        return MESSAGE_ADAPTER.validate_python(fields)
    inner = value.get("value")
    if kind == "dict" and len(value) == 2 and type(inner) is dict:
        return {key: decode(item) for key, item in inner.items()}
    raise ValueError(
        f"a dict with the reserved key {MARKER!r} must be {{{MARKER!r}: 'message', ...}} or "
        f"{{{MARKER!r}: 'dict', 'value': {{...}}}}, got {MARKER!r}: {kind!r}"
    )
