"""``merge``: several runs (or node streams) as one, with provenance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import Observable
from reactivex import operators as ops

from rxagent._fast import maker
from rxagent.events import EVENT_CLASSES, Event

_MAKERS: dict[type[Any], Callable[[dict[str, Any]], Event]] = {
    cls: maker(cls)  # type: ignore[arg-type]
    for cls in EVENT_CLASSES.values()
}


def merge(*sources: Observable[Event], **named: Observable[Event]) -> Observable[Event]:
    """Merge event streams into one: every event exactly once, each source's order kept.

    A named source prefixes the ``ns`` of each of its events with its name, so the events
    of ``merge(researcher=a, writer=b)`` tell which agent they came from
    (``ns == ("researcher", ...)``) and ``filter_ns("researcher")`` selects them again.
    The merge completes when all sources complete; an error in one source is delivered
    after the events the other sources emitted before it, and ends the merge.

    Example:
        >>> from rxagent import merge, operators as ops
        >>> # merged = merge(researcher=a.observe(q), writer=b.observe(q))
        >>> # merged.pipe(ops.filter_ns("writer"), ops.filter_mode("messages"))

    ::

        a:        -1---2---|
        b:        ---x---y-----|
        merge(a, w=b):
                  -1-x-2-y-----|     (x, y with ns ("w", ...))
    """
    if not sources and not named:
        raise ValueError("merge needs at least one source")
    for name in named:
        if not name:
            raise ValueError("a merge source name must be non-empty")
    streams = [*sources, *(source.pipe(ops.map(_prefix(name))) for name, source in named.items())]
    if len(streams) == 1:
        return streams[0]
    return reactivex.merge(*streams)


def _prefix(name: str) -> Callable[[Event], Event]:
    head = (name,)

    def prefix(event: Event) -> Event:
        fields = dict(event.__dict__)
        fields["ns"] = head + event.ns
        return _MAKERS[type(event)](fields)

    return prefix
