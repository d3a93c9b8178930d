"""SSE event ids of the form ``<ms>-<seq>`` (Redis stream entry ids), compared as numbers.

A run's log gives every entry an :class:`EventId`; where one entry becomes several SSE frames,
the frames after the first get ``.1``, ``.2``... (``1700000000000-3.1``). Ids are ordered as
the tuples ``(ms, seq, sub)``, never as strings (``"9-0" > "10-0"`` as text).

``Last-Event-ID`` values that mean "from the beginning": ``-`` (Redis's smallest id), ``-1``
(what the LangGraph JS SDK's ``joinStream`` sends on purpose), ``0`` and ``0-0``.

Example:
    >>> EventId.parse("1700000000000-3.1")
    EventId(ms=1700000000000, seq=3, sub=1)
    >>> EventId.parse("9-0") < EventId.parse("10-0")
    True
    >>> str(EventId(5, 2).frame(2))
    '5-2.2'
    >>> parse_last_event_id("-1") is FROM_START
    True
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Final, Literal

_ID = re.compile(r"([0-9]{1,20})(?:-([0-9]{1,20}))?(?:\.([0-9]{1,9}))?")
_FROM_START_TEXTS = frozenset({"-", "-1", "0", "0-0"})


class InvalidEventId(ValueError):
    """A ``Last-Event-ID`` (or ``after``) that is not an event id: the HTTP layer answers 400."""

    def __init__(self, text: str) -> None:
        super().__init__(
            f"invalid event id {text!r}: expected '<ms>-<seq>' (optionally '.<n>'), "
            "or '-', '-1', '0' or '0-0' to replay from the beginning"
        )
        self.text = text


@dataclass(frozen=True, order=True, slots=True)
class EventId:
    """One SSE id: a log entry ``<ms>-<seq>``, and ``sub`` for the entry's later frames."""

    ms: int
    """Milliseconds since the epoch when the entry was appended (never going backwards)."""
    seq: int
    """Counts entries appended within the same millisecond, from 0."""
    sub: int = 0
    """0 for the entry's first frame; ``n`` for its frame ``n`` (written ``.n``)."""

    def __str__(self) -> str:
        base = f"{self.ms}-{self.seq}"
        return f"{base}.{self.sub}" if self.sub else base

    @property
    def entry(self) -> EventId:
        """The id of the log entry this frame belongs to (``sub`` dropped)."""
        return EventId(self.ms, self.seq) if self.sub else self

    def frame(self, n: int) -> EventId:
        """The id of this entry's frame ``n`` (0 is the entry's own id)."""
        return EventId(self.ms, self.seq, n)

    @classmethod
    def parse(cls, text: str) -> EventId:
        """Read ``<ms>``, ``<ms>-<seq>`` or either with ``.<n>``; raise :class:`InvalidEventId`.

        Example:
            >>> EventId.parse("12")
            EventId(ms=12, seq=0, sub=0)
            >>> EventId.parse("12-x")
            Traceback (most recent call last):
            ...
            rxagent.integrations.web._ids.InvalidEventId: invalid event id '12-x': expected '<ms>-<seq>' (optionally '.<n>'), or '-', '-1', '0' or '0-0' to replay from the beginning
        """  # noqa: E501
        match = _ID.fullmatch(text.strip())
        if match is None:
            raise InvalidEventId(text)
        ms, seq, sub = match.groups()
        return cls(int(ms), int(seq or 0), int(sub or 0))


FROM_START: Final = "from-start"
"""What :func:`parse_last_event_id` returns for the ids that mean "replay everything"."""


def parse_last_event_id(text: str | None) -> EventId | Literal["from-start"] | None:
    """Read a ``Last-Event-ID``: ``None`` if absent, :data:`FROM_START`, or an :class:`EventId`.

    Raises:
        InvalidEventId: the text is neither an id nor one of ``-``, ``-1``, ``0``, ``0-0``.
    """
    if text is None:
        return None
    stripped = text.strip()
    if stripped in _FROM_START_TEXTS:
        return FROM_START
    return EventId.parse(stripped)


class IdClock:
    """Makes strictly increasing entry ids from the wall clock, which may go backwards.

    Thread-safe: one lock guards the last id handed out.

    Example:
        >>> clock = IdClock(now_ms=lambda: 7)
        >>> [str(clock.next()) for _ in range(3)]
        ['7-0', '7-1', '7-2']
    """

    def __init__(self, now_ms: object = None) -> None:
        self._now_ms = now_ms if callable(now_ms) else _wall_ms
        self._last = EventId(0, -1)
        self._lock = threading.Lock()

    def next(self) -> EventId:
        """The next id: ``now-0``, or ``last.ms-(last.seq+1)`` when the clock has not moved on."""
        now = int(self._now_ms())
        with self._lock:
            last = self._last
            self._last = EventId(now, 0) if now > last.ms else EventId(last.ms, last.seq + 1)
            return self._last


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


__all__ = ("FROM_START", "EventId", "IdClock", "InvalidEventId", "parse_last_event_id")
