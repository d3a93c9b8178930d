"""Graph constants, ``Send``, and the errors the graph raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

START = "__start__"
"""The virtual node a graph starts from: ``add_edge(START, "model")``."""
END = "__end__"
"""The virtual node a graph ends at: ``add_edge("model", END)``."""

DEFAULT_RECURSION_LIMIT = 25
"""Supersteps a run may take before :class:`GraphRecursionError`; set
``config={"recursion_limit": n}`` to change it."""


@dataclass(frozen=True, slots=True)
class Send:
    """Run ``node`` once with ``arg`` as its input, as its own task in the next superstep.

    Return ``Send`` objects from a conditional edge to fan out (LangGraph's map-reduce):

    Example:
        >>> def fan_out(state: dict[str, Any]) -> list[Send]:
        ...     return [Send("tools", [call]) for call in state["calls"]]
    """

    node: str
    """The node to run."""
    arg: Any
    """What the node receives instead of the state."""


class GraphError(Exception):
    """Base class of the errors a graph raises."""


class GraphRecursionError(GraphError, RecursionError):
    """The run took more supersteps than its recursion limit."""


class InvalidUpdateError(GraphError, ValueError):
    """A node wrote a key the state does not have, or parallel tasks wrote one
    single-value key in the same superstep."""


class NodeOutputError(InvalidUpdateError, TypeError):
    """A node returned something that is not an update (LangGraph raises
    ``InvalidUpdateError`` with "Expected dict, got ..."; this is one, and a ``TypeError``)."""
