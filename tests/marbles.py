"""Reading ``TestScheduler`` results as plain ``(time, kind, value)`` tuples, typed."""

from __future__ import annotations

from typing import Any, cast

from reactivex.notification import Notification
from reactivex.testing.mockobserver import MockObserver


def recorded(observer: MockObserver[Any]) -> list[tuple[float, str, Any]]:
    """``(time, "N" | "E" | "C", value | exception | None)`` for each recorded message."""
    out: list[tuple[float, str, Any]] = []
    for message in observer.messages:
        note = cast(Notification[Any], message.value)
        payload: Any = None
        if note.kind == "N":
            payload = note.value
        elif note.kind == "E":
            payload = note.exception  # type: ignore[attr-defined]
        out.append((message.time, note.kind, payload))
    return out


def values(observer: MockObserver[Any]) -> list[Any]:
    """The ``on_next`` values, in order."""
    return [value for _, kind, value in recorded(observer) if kind == "N"]
