"""What a run's log holds (:class:`Entry`) and what an encoder makes of it (:class:`Frame`).

A run's log is: one ``metadata`` entry (``{"run_id", "attempt"}``, plus ``thread_id`` and
whatever the server adds), the run's events in order (``event``), then exactly one terminal
entry: ``end``, ``error`` (``{"error": <type>, "message": <text>}``) or ``cancelled``.
Encoders turn each entry into zero or more frames; the SSE writer gives a frame the entry's
id, and the entry's later frames ``.1``, ``.2``..., so that replaying a log through a fresh
encoder reproduces the same ids and a resume can skip exactly what a client has seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from rxagent.events import Event
from rxagent.integrations.web._ids import EventId

EntryKind: TypeAlias = Literal["metadata", "event", "end", "error", "cancelled"]
"""The kinds of log entries; the last three are terminal."""

TERMINAL_KINDS: frozenset[str] = frozenset({"end", "error", "cancelled"})
"""The entry kinds that end a run's log."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a run's log."""

    id: EventId
    """Its place in the log (the SSE id of its first frame)."""
    kind: EntryKind
    """``metadata`` first, ``event`` for each event, then one terminal kind."""
    event: Event | None = None
    """The event, for ``kind == "event"``."""
    data: dict[str, Any] = field(default_factory=dict)
    """``metadata``: ``{"run_id", "attempt", ...}``; ``error``: ``{"error", "message"}``;
    empty otherwise."""

    @property
    def terminal(self) -> bool:
        """Whether this entry ends the log."""
        return self.kind in TERMINAL_KINDS


def error_data(error: BaseException) -> dict[str, str]:
    """An exception as LangGraph's server writes it: ``{"error": <type>, "message": <text>}``.

    Example:
        >>> error_data(ValueError("bad"))
        {'error': 'ValueError', 'message': 'bad'}
    """
    return {"error": type(error).__name__, "message": str(error)}


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE frame before it gets its id: an optional ``event:`` name and its ``data:``."""

    data: str
    """The ``data:`` text (JSON, or ``[DONE]``); may hold newlines (written as several lines)."""
    event: str | None = None
    """The ``event:`` name; ``None`` for formats that send only ``data:`` (AI SDK, AG-UI)."""


__all__ = ("TERMINAL_KINDS", "Entry", "EntryKind", "Frame", "error_data")
