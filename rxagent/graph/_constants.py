"""Graph constants, ``Send``, and the errors the graph raises."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

START = "__start__"
"""The virtual node a graph starts from: ``add_edge(START, "model")``."""
END = "__end__"
"""The virtual node a graph ends at: ``add_edge("model", END)``."""

DEFAULT_RECURSION_LIMIT = int(os.environ.get("LANGGRAPH_DEFAULT_RECURSION_LIMIT", "10007"))
"""Supersteps a run may take before :class:`GraphRecursionError`: LangGraph 1.2's default,
read from the same ``LANGGRAPH_DEFAULT_RECURSION_LIMIT`` variable; set
``config={"recursion_limit": n}`` to change it for a run."""

TROUBLESHOOTING_URL = "https://docs.langchain.com/oss/python/langgraph/errors/"
"""Where LangGraph's error codes are explained; an error code is appended."""


def troubleshooting(message: str, code: str) -> str:
    """``message`` with LangGraph's troubleshooting line for error ``code`` (its text exactly).

    Example:
        >>> print(troubleshooting("Boom.", "GRAPH_RECURSION_LIMIT"))
        Boom.
        For troubleshooting, visit: https://docs.langchain.com/oss/python/langgraph/errors/GRAPH_RECURSION_LIMIT
    """
    return f"{message}\nFor troubleshooting, visit: {TROUBLESHOOTING_URL}{code}"


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
