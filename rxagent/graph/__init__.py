"""The graph runtime: ``StateGraph``, supersteps, subgraphs and the faces of a run."""

from rxagent._flow import RunCancelledError
from rxagent.graph._builder import StateGraph
from rxagent.graph._command import Command
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
from rxagent.graph._context import Runtime
from rxagent.graph._messages_state import MessagesState
from rxagent.graph._output import GraphOutput

__all__ = (
    "DEFAULT_RECURSION_LIMIT",
    "END",
    "START",
    "Command",
    "CompiledStateGraph",
    "GraphError",
    "GraphOutput",
    "GraphRecursionError",
    "InvalidUpdateError",
    "MessagesState",
    "NodeOutputError",
    "RunCancelledError",
    "Runtime",
    "Send",
    "StateGraph",
)
