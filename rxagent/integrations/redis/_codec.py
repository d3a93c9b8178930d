"""A run-log entry as the fields of a Redis stream entry, and back.

Every entry has ``kind`` (``metadata``, ``event``, ``end``, ``error`` or ``cancelled``) and
``seq``, its position in the log (``metadata`` is 0, then 1, 2, ... with no holes, so that a
reader tells a duplicate from a gap). An ``event`` entry has ``event``, the event's JSON from
``EVENT_ADAPTER`` (the event's own ``seq`` is inside); ``metadata`` and ``error`` entries have
``data``, a JSON object; ``end`` and ``cancelled`` have nothing more. Fields this module does
not know are ignored, so that a later version may add some.

Example:
    >>> from rxagent.events import CustomEvent
    >>> fields = payload_fields("event", event=CustomEvent(data=1, seq=5))
    >>> fields[0], fields[1][:20]
    ('event', b'{"ns":[],"node":null')
    >>> seq, entry = decode_entry("r1", b"7-1", {b"kind": b"event", b"seq": b"1", b"event": fields[1]})
    >>> seq, str(entry.id), entry.event.data
    (1, '7-1', 1)
"""  # noqa: E501

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast, get_args

from pydantic import ValidationError

from rxagent.events import EVENT_ADAPTER, Event
from rxagent.integrations.redis._errors import MalformedEntry
from rxagent.integrations.web._entries import Entry, EntryKind
from rxagent.integrations.web._ids import EventId, InvalidEventId

KINDS: frozenset[str] = frozenset(get_args(EntryKind))
"""Every entry kind."""

Fields = Mapping[bytes, bytes] | Mapping[str, str]
"""A stream entry's fields as redis-py gives them (bytes, or str with ``decode_responses``)."""


def payload_fields(
    kind: EntryKind, *, event: Event | None = None, data: Mapping[str, Any] | None = None
) -> list[str | bytes]:
    """The fields after ``kind`` and ``seq``, flat (``[name, value, ...]``).

    Raises:
        EventEncodeError: the event's data cannot be JSON.
    """
    if kind == "event":
        if event is None:
            raise ValueError("an 'event' entry needs its event")
        return ["event", EVENT_ADAPTER.dump_json(event)]
    if data:
        return ["data", json.dumps(dict(data), separators=(",", ":"))]
    return []


def decode_entry(run_id: str, entry_id: bytes | str, fields: Fields) -> tuple[int, Entry]:
    """The ``seq`` and :class:`Entry` of one stream entry; raise :class:`MalformedEntry`."""
    text_id = _text(entry_id)
    values = {_text(name): value for name, value in fields.items()}
    try:
        event_id = EventId.parse(text_id)
        kind = _text(values.get("kind", b""))
        if kind not in KINDS:
            raise ValueError(f"field 'kind' is {kind!r}, not one of {sorted(KINDS)}")
        seq = _seq(values.get("seq"))
        event = _event(values.get("event")) if kind == "event" else None
        data = _data(values.get("data"))
    except (ValueError, InvalidEventId) as error:
        raise MalformedEntry(run_id, text_id, str(error)) from None
    return seq, Entry(event_id, cast(EntryKind, kind), event, data)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _seq(value: bytes | str | None) -> int:
    text = None if value is None else _text(value)
    if text is None or not text.isascii() or not text.isdigit():
        raise ValueError(f"field 'seq' is {text!r}, not a non-negative integer")
    return int(text)


def _event(value: bytes | str | None) -> Event:
    if value is None:
        raise ValueError("an 'event' entry has no field 'event'")
    try:
        return EVENT_ADAPTER.validate_json(value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the JSON"
        raise ValueError(f"field 'event' is not an event: {where}: {first['msg']}") from None


def _data(value: bytes | str | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        data = json.loads(value)
    except ValueError as error:
        raise ValueError(f"field 'data' is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"field 'data' is a JSON {type(data).__name__}, not an object")
    return data


__all__ = ("KINDS", "Fields", "decode_entry", "payload_fields")
