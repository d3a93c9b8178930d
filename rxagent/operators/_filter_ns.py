"""``filter_ns``: keep the events under a namespace prefix."""

from __future__ import annotations

from collections.abc import Sequence

from rxagent.operators._stage import Select
from rxagent.operators._types import Operator


def filter_ns(prefix: str | Sequence[str]) -> Operator:
    """Keep only the events whose namespace starts with ``prefix``.

    A part of the prefix matches a namespace part exactly, or its node name: ``"agent"``
    matches ``"agent:1f3c…"``. ``()`` matches everything; ``filter_ns(())`` then
    ``filter_node`` is the usual way to pick one agent's model tokens out of a merge.

    Example:
        >>> from rxagent import operators as ops
        >>> research = ops.filter_ns("researcher")      # merge(researcher=run1, ...)
        >>> inner = ops.filter_ns(("agent",))           # inside the 'agent' subgraph
    """
    parts = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    if not all(isinstance(part, str) and part for part in parts):
        raise ValueError(f"filter_ns needs non-empty str parts, got {prefix!r}")
    size = len(parts)

    def matches(ns: tuple[str, ...]) -> bool:
        if len(ns) < size:
            return False
        for want, have in zip(parts, ns, strict=False):
            if want != have and have.partition(":")[0] != want:
                return False
        return True

    return Select(lambda event: matches(event.ns))
