"""What the runtime injects into a tool: ``ToolRuntime``, ``InjectedState``, ``InjectedToolCallId``.

A tool parameter is injected, and so hidden from the model's schema, when it is named
``writer`` or ``tool_call_id`` (rxagent's JS-style names), when it is annotated
``ToolRuntime`` (or named ``runtime``), or when its annotation is
``Annotated[T, InjectedState]``, ``Annotated[T, InjectedState("key")]`` or
``Annotated[str, InjectedToolCallId]``, as in LangChain v1.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Final, Generic, Literal, Union, get_args, get_origin

from typing_extensions import TypeVar  # defaults (PEP 696): a bare ``ToolRuntime`` type-checks

from rxagent._types import StreamWriter

ContextT = TypeVar("ContextT", default=Any)
StateT = TypeVar("StateT", default=Any)

NAMED_INJECTIONS: Final[frozenset[str]] = frozenset({"tool_call_id", "writer"})
"""Parameters injected by name: ``writer`` gets the stream writer, ``tool_call_id`` the id."""

InjectionKind = Literal["writer", "tool_call_id", "state", "runtime"]


class InjectedState:
    """Annotation: inject the graph state, or one of its keys, into a tool parameter.

    Example:
        >>> from typing import Annotated
        >>> def count(state: Annotated[dict, InjectedState]) -> int:
        ...     '''Count the messages.'''
        ...     return len(state["messages"])
        >>> def last(messages: Annotated[list, InjectedState("messages")]) -> str:
        ...     '''The last message.'''
        ...     return messages[-1].text
    """

    def __init__(self, field: str | None = None) -> None:
        """Inject the whole state, or only ``state[field]``."""
        self.field = field

    def __repr__(self) -> str:
        return f"InjectedState({self.field!r})"


class InjectedToolCallId:
    """Annotation: inject the id of the tool call, as ``Annotated[str, InjectedToolCallId]``."""


@dataclass(frozen=True, slots=True)
class ToolRuntime(Generic[ContextT, StateT]):
    """What a tool parameter annotated ``runtime: ToolRuntime`` receives, as in LangChain v1.

    Example:
        >>> def whoami(runtime: ToolRuntime) -> str:
        ...     '''Say which call this is.'''
        ...     return f"call {runtime.tool_call_id}"
    """

    state: StateT
    """The graph state the tool node received (for a ``Send`` of tool calls: the state of
    the step that sent them)."""
    context: ContextT
    """The run's context (``None`` when the run has none)."""
    config: Mapping[str, Any]
    """The node's config: ``tags``, ``metadata``, ``run_id``, ``configurable``."""
    stream_writer: StreamWriter
    """The stream writer of this tool call (its ``custom`` events carry the call's id)."""
    tool_call_id: str | None
    """The id of the tool call."""
    store: Any = None
    """Always ``None``: rxagent has no store."""
    tools: list[Any] = field(default_factory=list)
    """The tools of the tool node."""


@dataclass(frozen=True, slots=True)
class Injection:
    """How one parameter of a tool is filled at call time."""

    kind: InjectionKind
    """What is injected."""
    key: str | None = None
    """For ``state``: the state key, or ``None`` for the whole state."""
    optional: bool = False
    """The parameter has a default, used when the state lacks ``key``."""


def find_injections(func: Callable[..., Any]) -> dict[str, Injection]:
    """The injected parameters of ``func``, by name.

    Example:
        >>> from typing import Annotated
        >>> def f(q: str, call: Annotated[str, InjectedToolCallId], writer) -> str:
        ...     '''Search.'''
        ...     return q
        >>> sorted(find_injections(f))
        ['call', 'writer']
    """
    found: dict[str, Injection] = {}
    for param in _parameters(func):
        injection = _injection(param)
        if injection is not None:
            found[param.name] = injection
    return found


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(func, eval_str=True).parameters.values())
    except NameError:
        return list(inspect.signature(func).parameters.values())


def _injection(param: inspect.Parameter) -> Injection | None:
    annotation = param.annotation
    optional = param.default is not param.empty
    for marker in _markers(annotation):
        if marker is InjectedState:
            return Injection("state", None, optional)
        if isinstance(marker, InjectedState):
            return Injection("state", marker.field, optional)
        if marker is InjectedToolCallId or isinstance(marker, InjectedToolCallId):
            return Injection("tool_call_id")
        if marker is ToolRuntime or get_origin(marker) is ToolRuntime:
            return Injection("runtime")
    if param.name == "runtime" and annotation is param.empty:
        return Injection("runtime")
    if param.name in NAMED_INJECTIONS:
        return Injection("writer" if param.name == "writer" else "tool_call_id")
    return None


def _markers(annotation: Any) -> list[Any]:
    """The annotation itself, its ``Annotated`` metadata and the members of its union."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return [*metadata, *_markers(base)]
    if origin is Union or origin is UnionType:
        return [marker for arg in get_args(annotation) for marker in _markers(arg)]
    return [annotation]
