"""``Runtime``: what a node that declares ``runtime: Runtime[Ctx]`` receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rxagent._context import NOOP_WRITER
from rxagent._types import StreamWriter

ContextT = TypeVar("ContextT")


@dataclass(frozen=True, slots=True)
class Runtime(Generic[ContextT]):
    """Run-scoped context and utilities, injected into nodes (LangGraph's ``Runtime``).

    Example:
        >>> from dataclasses import dataclass
        >>> from typing import TypedDict
        >>> from rxagent.graph import START, StateGraph
        >>> @dataclass
        ... class Ctx:
        ...     user: str
        >>> class S(TypedDict):
        ...     text: str
        >>> def greet(state: S, runtime: Runtime[Ctx]) -> dict[str, str]:
        ...     return {"text": f"hi {runtime.context.user}"}
        >>> graph = StateGraph(S, context_schema=Ctx).add_node("greet", greet)
        >>> graph.add_edge(START, "greet").compile().invoke({"text": ""}, context=Ctx("ann"))
        {'text': 'hi ann'}
    """

    context: ContextT = field(default=None)  # type: ignore[assignment]
    """The ``context=`` of the run, e.g. a user id or a database connection."""
    store: Any = None
    """Always ``None``: rxagent has no store."""
    stream_writer: StreamWriter = NOOP_WRITER
    """Emits a ``custom`` event, as ``get_stream_writer()``."""
    previous: Any = None
    """Always ``None``: rxagent has no checkpointer."""
