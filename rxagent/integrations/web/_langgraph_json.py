"""The JSON the LangGraph Agent Server writes in ``data:`` lines, for any chunk rxagent holds.

The server dumps chunks with ``orjson`` and a ``default`` hook (``langgraph_api/serde.py``):
a message is its ``model_dump()`` (LangChain's dict, ``"type": "AIMessageChunk"`` and all),
an exception is ``{"error": <type name>, "message": <text>}``, a tuple is an array. Here:

* ``str``, ``int``, ``bool``, ``None`` and finite floats are themselves; tuples and lists are
  arrays; dicts are objects (``int`` keys are written as text, as ``json`` and ``orjson`` do);
* a message, rxagent's or langchain-core's, is its ``model_dump()``;
* any other pydantic model is its ``model_dump(mode="json")``; a dataclass instance is
  ``dataclasses.asdict``;
* an exception is ``{"error": <type name>, "message": <str(exc)>}``;
* anything else (bytes, sets, other objects, NaN and infinities, other dict keys) raises
  :class:`~rxagent._codec.Unencodable`, whose ``path`` says where it is; :func:`event_json`
  turns that into the :class:`~rxagent.events.EventEncodeError` naming the event.

The text is compact (``separators=(",", ":")``) and not ASCII-escaped, as orjson's.

Example:
    >>> from rxagent.messages import AIMessageChunk
    >>> dumps([AIMessageChunk("hi", id="m1"), {"langgraph_node": "model"}])[:45]
    '[{"content":"hi","additional_kwargs":{},"resp'
    >>> dumps({"error": ValueError("bad"), "at": (1, 2.5)})
    '{"error":{"error":"ValueError","message":"bad"},"at":[1,2.5]}'
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from rxagent._codec import Unencodable, type_name
from rxagent.events import EventBase, EventEncodeError
from rxagent.messages import BaseMessage, is_langchain_message

_PLAIN = frozenset({str, int, bool, type(None)})
_JSON_KINDS = (
    "str, int, finite float, bool, None, list, tuple, dict with str or int keys, messages, "
    "pydantic models, dataclasses and exceptions"
)


def dumps(value: Any) -> str:
    """``value`` as the server's compact JSON text.

    Raises:
        Unencodable: ``value`` holds something JSON cannot hold (``error.path`` says where).

    Example:
        >>> dumps({"run_id": "r1", "attempt": 1})
        '{"run_id":"r1","attempt":1}'
    """
    return json.dumps(to_json(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_json(event: EventBase, value: Any) -> str:
    """:func:`dumps` of ``value`` (the event's data, or a part of it) for ``event``.

    Raises:
        EventEncodeError: naming the event's mode, node and seq, the type and its path.

    Example:
        >>> from rxagent.events import CustomEvent
        >>> event = CustomEvent(data={"blob": b"x"}, node="tools", seq=3)
        >>> event_json(event, event.data)
        Traceback (most recent call last):
        ...
        rxagent.events.EventEncodeError: cannot encode the 'custom' event of node 'tools' (seq 3) as JSON: data['blob'] is of type bytes; the wire format holds only str, int, finite float, bool, None, list, tuple, dict with str or int keys, messages, pydantic models, dataclasses and exceptions
    """  # noqa: E501
    mode = str(getattr(event, "mode", "?"))
    value = jsonable(value, mode=mode, node=event.node, seq=event.seq)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def jsonable(value: Any, *, mode: str, node: str | None, seq: int | None) -> Any:
    """:func:`to_json` of a value from the event ``(mode, node, seq)``, for error messages.

    Raises:
        EventEncodeError: naming the event, the offending type and its path.

    Example:
        >>> jsonable({"pct": (1, 2)}, mode="custom", node="tools", seq=4)
        {'pct': [1, 2]}
    """
    try:
        return to_json(value)
    except Unencodable as error:
        path = "data" + error.path
        message = f"{path} {error.reason}; the wire format holds only {_JSON_KINDS}"
        raise EventEncodeError(
            mode, node, -1 if seq is None else seq, path, error.value_type, message
        ) from None


def to_json(value: Any) -> Any:
    """The plain JSON data (dicts, lists, scalars) the server would write for ``value``.

    Raises:
        Unencodable: as :func:`dumps`.
    """
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is dict:
        return _dict(value)
    if cls is list or cls is tuple:
        return _list(value)
    if cls is float:
        if math.isfinite(value):
            return value
        raise Unencodable(value, f"is the float {value!r}")
    return _other(value, cls)


def _other(value: Any, cls: type) -> Any:
    """Messages, models, dataclasses, exceptions, and subclasses of the plain kinds."""
    if isinstance(value, BaseMessage) or is_langchain_message(value):
        return to_json(value.model_dump())
    if isinstance(value, BaseModel):
        return to_json(_model_json(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(dataclasses.asdict(value))
    if isinstance(value, BaseException):
        return {"error": cls.__name__, "message": str(value)}
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return to_json(float(value))
    if isinstance(value, dict):
        return _dict(value)
    if isinstance(value, list | tuple):
        return _list(value)
    raise Unencodable(value, f"is of type {type_name(cls)}")


def _model_json(model: BaseModel) -> Any:
    try:
        return model.model_dump(mode="json")
    except PydanticSerializationError as error:
        reason = f"is the pydantic model {type_name(type(model))}, which cannot dump: {error}"
        raise Unencodable(model, reason) from None


def _dict(value: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            if not isinstance(key, int) or isinstance(key, bool):
                reason = f"has the key {key!r} of type {type_name(type(key))} (JSON keys are str)"
                raise Unencodable(key, reason)
            key = str(int(key))
        try:
            out[key] = to_json(item)
        except Unencodable as error:
            error.steps.append(f"[{key!r}]")
            raise
    return out


def _list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for index, item in enumerate(value):
        try:
            out.append(to_json(item))
        except Unencodable as error:
            error.steps.append(f"[{index}]")
            raise
    return out


__all__ = ("dumps", "event_json", "jsonable", "to_json")
