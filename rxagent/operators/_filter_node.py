"""``filter_node``: keep the events emitted by some nodes."""

from __future__ import annotations

from rxagent.operators._stage import Select
from rxagent.operators._types import Operator


def filter_node(*nodes: str) -> Operator:
    """Keep only the events whose ``node`` is one of ``nodes`` (``values`` have no node).

    Raises:
        ValueError: no node given.

    Example:
        >>> from rxagent import operators as ops
        >>> model_only = ops.filter_node("model")
    """
    if not nodes or not all(isinstance(node, str) for node in nodes):
        raise ValueError(f"filter_node needs one or more node names (str), got {nodes!r}")
    wanted = frozenset(nodes)
    return Select(lambda event: event.node in wanted)
