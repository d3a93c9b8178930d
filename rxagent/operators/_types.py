"""Type aliases shared by the operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from reactivex import Observable

from rxagent.events import Event

Operator: TypeAlias = Callable[[Observable[Event]], Observable[Event]]
"""What every operator returns: a function from an event stream to an event stream."""

SourceKey: TypeAlias = tuple[str, tuple[str, ...], str | None, str | None]
"""A *source*: ``(run_id, ns, node, task_id)``. Operators never reorder one source's events."""

KeyFn: TypeAlias = Callable[[Any], Any]
"""Maps an event to a grouping key (``throttle_custom(key=...)``)."""


def source_of(event: Any) -> SourceKey:
    """The source of ``event``: ``(run_id, ns, node, task_id)``.

    Example:
        >>> from rxagent.events import CustomEvent
        >>> source_of(CustomEvent(run_id="r", node="tools", task_id="t", data=1))
        ('r', (), 'tools', 't')
    """
    return (event.run_id, event.ns, event.node, event.task_id)
