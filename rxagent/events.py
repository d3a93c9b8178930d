"""The events of an agent run: one frozen class per stream mode, discriminated by ``mode``.

Every event carries where it came from (``ns``, ``node``, ``step``, ``task_id``,
``tool_call_id``, ``run_id``), its place in the run (``seq``) and ``data``: exactly the chunk
LangGraph's ``stream()`` yields for that mode. Events serialise to JSON and back through
:data:`EVENT_ADAPTER`.

The runtime builds events with :func:`rxagent._fast.trusted` (no validation on the
per-token path); validation happens at the boundaries, when decoding JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, TypeAdapter

from rxagent._types import Namespace, StreamMode
from rxagent.messages import MESSAGE_ADAPTER, AnyMessage, BaseMessage

_MESSAGE_TYPES = frozenset({"human", "system", "ai", "tool", "AIMessageChunk"})


def _revive(value: Any) -> Any:
    """Turn message-shaped dicts decoded from JSON back into message objects."""
    if isinstance(value, dict):
        if value.get("type") in _MESSAGE_TYPES and "content" in value:
            return MESSAGE_ADAPTER.validate_python(value)
        return {key: _revive(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_revive(item) for item in value]
    return value


def _to_json(value: Any) -> Any:
    """Make a LangGraph-shaped chunk JSON-safe: messages dumped, exceptions as text."""
    if isinstance(value, BaseMessage):
        return value.model_dump(mode="json")
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, dict):
        return {str(key): _to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_to_json(item) for item in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


_TUPLE_KEYS = ("langgraph_triggers", "langgraph_path")


def _revive_metadata(value: Any) -> Any:
    """JSON has no tuples: give ``langgraph_triggers`` and ``langgraph_path`` theirs back."""
    if isinstance(value, dict) and any(isinstance(value.get(k), list) for k in _TUPLE_KEYS):
        return {
            k: tuple(v) if k in _TUPLE_KEYS and isinstance(v, list) else v for k, v in value.items()
        }
    return value


Metadata: TypeAlias = Annotated[dict[str, Any], BeforeValidator(_revive_metadata)]
"""The metadata of a ``messages`` chunk, as LangGraph's."""

Chunk: TypeAlias = Annotated[
    Any, BeforeValidator(_revive), PlainSerializer(_to_json, when_used="json")
]
"""A LangGraph-shaped chunk: plain data whose messages survive a JSON round trip."""


class EventBase(BaseModel):
    """What every event has: where it came from and its place in the run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ns: Namespace = ()
    """Namespace path: ``()`` for the root graph, ``("agent:<task_id>",)`` inside a subgraph,
    prefixed by the source name after ``merge(name=...)``."""
    node: str | None = None
    """The node that emitted the event; ``None`` for graph-level ``values``."""
    step: int = 0
    """The superstep (LangGraph's ``langgraph_step``); 0 is the input."""
    task_id: str | None = None
    """The node task that emitted the event."""
    tool_call_id: str | None = None
    """The tool call that emitted the event, where a tool emitted it."""
    run_id: str = ""
    """The run the event belongs to."""
    seq: int = 0
    """Strictly increasing in emission order within a run."""


class UpdateEvent(EventBase):
    """A node task finished: ``data`` is ``{node: update}``, the task's raw write."""

    mode: Literal["updates"] = "updates"
    """Always ``"updates"``."""
    data: Chunk = None
    """``{node: update}`` as LangGraph's ``updates`` mode yields it."""


class MessageEvent(EventBase):
    """An LLM token (an ``AIMessageChunk``) or a whole message a node returned."""

    mode: Literal["messages"] = "messages"
    """Always ``"messages"``."""
    data: tuple[AnyMessage, Metadata]
    """``(message, metadata)``; metadata has ``langgraph_node``, ``langgraph_step``,
    ``langgraph_triggers``, ``langgraph_checkpoint_ns`` and user ``tags``."""


class CustomEvent(EventBase):
    """A payload a node or tool wrote with ``get_stream_writer()``."""

    mode: Literal["custom"] = "custom"
    """Always ``"custom"``."""
    data: Chunk = None
    """The exact object passed to the writer."""


class ValuesEvent(EventBase):
    """The full state, once for the input and once after every superstep."""

    mode: Literal["values"] = "values"
    """Always ``"values"``."""
    data: Chunk = None
    """The state as a plain dict."""


class TaskEvent(EventBase):
    """A task started (``id, name, input, triggers``) or finished (``id, name, error,
    interrupts, result``)."""

    mode: Literal["tasks"] = "tasks"
    """Always ``"tasks"``."""
    data: Chunk = None
    """The LangGraph ``tasks`` payload."""


class ToolEvent(EventBase):
    """A tool call's lifecycle: ``tool-started``, ``tool-finished`` or ``tool-error``."""

    mode: Literal["tools"] = "tools"
    """Always ``"tools"``."""
    data: Chunk = None
    """The LangGraph ``tools`` payload, keyed by ``event`` and ``tool_call_id``."""


Event: TypeAlias = Annotated[
    UpdateEvent | MessageEvent | CustomEvent | ValuesEvent | TaskEvent | ToolEvent,
    Field(discriminator="mode"),
]
"""Any event of a run, discriminated by ``mode``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
"""Validates and serialises events: ``EVENT_ADAPTER.validate_json(event.model_dump_json())``."""

EVENT_CLASSES: dict[StreamMode, type[EventBase]] = {
    "updates": UpdateEvent,
    "messages": MessageEvent,
    "custom": CustomEvent,
    "values": ValuesEvent,
    "tasks": TaskEvent,
    "tools": ToolEvent,
}
"""The event class of each stream mode."""

SourceKey: TypeAlias = tuple[str, tuple[str, ...], str | None, str | None]
"""A *source*: ``(run_id, ns, node, task_id)``. Operators never reorder one source's events."""


def source_of(event: EventBase) -> SourceKey:
    """The source of ``event``: ``(run_id, ns, node, task_id)``.

    Example:
        >>> source_of(CustomEvent(run_id="r", node="tools", task_id="t", data=1))
        ('r', (), 'tools', 't')
    """
    return (event.run_id, event.ns, event.node, event.task_id)


__all__ = (
    "EVENT_ADAPTER",
    "EVENT_CLASSES",
    "CustomEvent",
    "Event",
    "EventBase",
    "MessageEvent",
    "SourceKey",
    "TaskEvent",
    "ToolEvent",
    "UpdateEvent",
    "ValuesEvent",
    "source_of",
)
