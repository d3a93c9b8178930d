"""The graph runtime: ``StateGraph``, supersteps, subgraphs and the faces of a run."""

from rxagent._flow import RunCancelledError
from rxagent.graph._builder import StateGraph
from rxagent.graph._compiled import CompiledStateGraph
from rxagent.graph._constants import (
    DEFAULT_RECURSION_LIMIT,
    END,
    START,
    GraphError,
    GraphRecursionError,
    InvalidUpdateError,
    NodeOutputError,
    Send,
)

__all__ = (
    "DEFAULT_RECURSION_LIMIT",
    "END",
    "START",
    "CompiledStateGraph",
    "GraphError",
    "GraphRecursionError",
    "InvalidUpdateError",
    "NodeOutputError",
    "RunCancelledError",
    "Send",
    "StateGraph",
)
