"""The events of an agent run: one frozen class per stream mode, discriminated by ``mode``.

Every event carries where it came from (``ns``, ``node``, ``step``, ``task_id``,
``tool_call_id``, ``run_id``), its place in the run (``seq``) and ``data``: exactly the chunk
LangGraph's ``stream()`` yields for that mode.

The runtime builds events with :mod:`rxagent._fast` (no validation, no encoding on the
per-token path). Encoding and validation happen only at a boundary: ``event.model_dump_json()``,
``EVENT_ADAPTER.dump_json(event)`` and ``EVENT_ADAPTER.dump_python(event, mode="json")`` give
the same JSON, and ``EVENT_ADAPTER.validate_json`` / ``validate_python`` read it back.

The JSON form of ``data`` says what it means (the reserved key is ``"__rx__"``):

* a message, at any depth, is ``{"__rx__": "message", "type": ..., <its fields>}`` and comes
  back as the rxagent class its ``type`` names, with ``tool_calls``, usage and the rest;
* a user dict is a JSON object and comes back as a dict, however message-like; one that has
  the key ``"__rx__"`` itself is escaped as ``{"__rx__": "dict", "value": {...}}``;
* ``str``, ``int``, ``bool``, ``None`` and finite floats are themselves; tuples and lists are
  arrays and come back as lists, except where the event types them as tuples: ``ns``, the
  ``(message, metadata)`` pair of ``messages`` events with the metadata's
  ``langgraph_triggers`` and ``langgraph_path``, and the ``triggers`` of a ``tasks`` payload;
* an exception (a ``tasks`` result's ``error``, or anywhere else) is written as
  ``{"error": <type name>, "message": <str(exc)>}``, as LangGraph's server writes it, and comes
  back as that dict: the one deliberate loss;
* anything else JSON cannot hold (bytes, sets, other objects, NaN and infinities, non-``str``
  dict keys) makes the dump raise :class:`EventEncodeError`, naming the event's mode, node and
  seq, the offending type and its path, such as ``data['blob']``.

Validation reads ``data`` in this form, also from Python objects: building an event through
its validating constructor from a payload with an ``"__rx__"`` key interprets that key.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> event = CustomEvent(data={"type": "human", "content": "x"}, node="tools", seq=1)
    >>> EVENT_ADAPTER.validate_json(event.model_dump_json()).data
    {'type': 'human', 'content': 'x'}
    >>> values = ValuesEvent(data={"messages": [HumanMessage("hi")]})
    >>> type(EVENT_ADAPTER.validate_json(values.model_dump_json()).data["messages"][0]).__name__
    'HumanMessage'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticSerializationError

from rxagent._codec import Unencodable, decode, encode
from rxagent._types import Namespace, StreamMode
from rxagent.messages import AnyMessage

_TUPLE_KEYS = ("langgraph_triggers", "langgraph_path")


def _revive_metadata(value: Any) -> Any:
    """JSON has no tuples: give ``langgraph_triggers`` and ``langgraph_path`` theirs back."""
    if isinstance(value, dict) and any(isinstance(value.get(k), list) for k in _TUPLE_KEYS):
        return {
            k: tuple(v) if k in _TUPLE_KEYS and isinstance(v, list) else v for k, v in value.items()
        }
    return value


def _revive_triggers(value: Any) -> Any:
    """JSON has no tuples: give a ``tasks`` start payload its ``triggers`` tuple back."""
    if isinstance(value, dict) and isinstance(value.get("triggers"), list):
        return {**value, "triggers": tuple(value["triggers"])}
    return value


Metadata: TypeAlias = Annotated[dict[str, Any], BeforeValidator(_revive_metadata)]
"""The metadata of a ``messages`` chunk, as LangGraph's."""


class EventEncodeError(ValueError):
    """An event's ``data`` holds a value JSON cannot hold, so the event cannot be dumped.

    Raised by ``event.model_dump_json()``, ``event.model_dump(mode="json")``,
    ``EVENT_ADAPTER.dump_json(event)`` and ``EVENT_ADAPTER.dump_python(event, mode="json")``.
    (Nested in another model or adapter, pydantic reports it as a
    ``PydanticSerializationError`` carrying this message.) Exceptions are not among such
    values: they are written as ``{"error": <type name>, "message": <text>}``.

    Example:
        >>> CustomEvent(data={"blob": b"x"}, node="tools", seq=3).model_dump_json()
        Traceback (most recent call last):
        ...
        rxagent.events.EventEncodeError: cannot encode the 'custom' event of node 'tools' (seq 3) as JSON: data['blob'] is of type bytes; JSON holds only str, int, finite float, bool, None, list, tuple (written as a list), dict with str keys, messages and exceptions
    """  # noqa: E501

    def __init__(
        self, mode: str, node: str | None, seq: int, path: str, value_type: type, message: str
    ) -> None:
        super().__init__(
            f"cannot encode the {mode!r} event of node {node!r} (seq {seq}) as JSON: {message}"
        )
        self.mode = mode
        """The stream mode of the event."""
        self.node = node
        """The node of the event."""
        self.seq = seq
        """The ``seq`` of the event."""
        self.path = path
        """Where the offending value is, such as ``data['blob']``."""
        self.value_type = value_type
        """The type of the offending value (of the key, for a non-``str`` dict key)."""


class EventBase(BaseModel):
    """What every event has: where it came from and its place in the run.

    ``data`` (declared by each subclass) is encoded when dumped to JSON and decoded when
    validated, as the module docstring describes.
    """

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

    @field_validator("data", mode="before", check_fields=False)
    @classmethod
    def _decode_data(cls, data: Any) -> Any:
        return decode(data)

    @field_serializer("data", when_used="json", check_fields=False)
    def _encode_data(self, data: Any) -> Any:
        try:
            return encode(data)
        except Unencodable as error:
            mode = getattr(self, "mode", "?")  # every concrete event class has one
            path = "data" + error.path
            explained = error.explain("data")
            raise EventEncodeError(
                mode, self.node, self.seq, path, error.value_type, explained
            ) from None

    def _check_encodable(self) -> None:
        """Raise the :class:`EventEncodeError` of ``data``, if JSON cannot hold it."""
        self._encode_data(getattr(self, "data", None))

    def model_dump_json(self, **kwargs: Any) -> str:
        """Dump to JSON; raises :class:`EventEncodeError` if ``data`` cannot be encoded."""
        try:
            return super().model_dump_json(**kwargs)
        except PydanticSerializationError:
            self._check_encodable()
            raise

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """Dump to a dict; in ``mode="json"`` as :meth:`model_dump_json` does."""
        try:
            return super().model_dump(**kwargs)
        except PydanticSerializationError:
            self._check_encodable()
            raise


class UpdateEvent(EventBase):
    """A node task finished: ``data`` is ``{node: update}``, the task's raw write.

    In JSON the messages of the update are tagged and come back as messages; tuples in the
    update come back as lists.
    """

    mode: Literal["updates"] = "updates"
    """Always ``"updates"``."""
    data: Any = None
    """``{node: update}`` as LangGraph's ``updates`` mode yields it."""


class MessageEvent(EventBase):
    """An LLM token (an ``AIMessageChunk``) or a whole message a node returned.

    In JSON ``data`` is ``[<tagged message>, <metadata>]``; it comes back as the
    ``(message, metadata)`` tuple, with ``langgraph_triggers`` and ``langgraph_path`` tuples.
    """

    mode: Literal["messages"] = "messages"
    """Always ``"messages"``."""
    data: tuple[AnyMessage, Metadata]
    """``(message, metadata)``; metadata has ``langgraph_node``, ``langgraph_step``,
    ``langgraph_triggers``, ``langgraph_checkpoint_ns`` and user ``tags``."""


class CustomEvent(EventBase):
    """A payload a node or tool wrote with ``get_stream_writer()``.

    In JSON the payload's dicts come back as dicts and its messages as messages; tuples come
    back as lists; bytes, sets and other objects make the dump raise :class:`EventEncodeError`.
    """

    mode: Literal["custom"] = "custom"
    """Always ``"custom"``."""
    data: Any = None
    """The exact object passed to the writer."""


class ValuesEvent(EventBase):
    """The full state, once for the input and once after every superstep.

    In JSON the state's messages are tagged and come back as messages.
    """

    mode: Literal["values"] = "values"
    """Always ``"values"``."""
    data: Any = None
    """The state as a plain dict."""


class TaskEvent(EventBase):
    """A task started (``id, name, input, triggers``) or finished (``id, name, error,
    interrupts, result``).

    In JSON an ``error`` is written as ``{"error": <type name>, "message": <text>}`` and comes
    back as that dict (the exception object does not survive); ``triggers`` comes back as a
    tuple; the messages of ``input`` and ``result`` come back as messages.
    """

    mode: Literal["tasks"] = "tasks"
    """Always ``"tasks"``."""
    data: Annotated[Any, BeforeValidator(_revive_triggers)] = None
    """The LangGraph ``tasks`` payload."""


class ToolEvent(EventBase):
    """A tool call's lifecycle: ``tool-started``, ``tool-finished`` or ``tool-error``.

    In JSON the ``output`` message of ``tool-finished`` is tagged and comes back as a message.
    """

    mode: Literal["tools"] = "tools"
    """Always ``"tools"``."""
    data: Any = None
    """The LangGraph ``tools`` payload, keyed by ``event`` and ``tool_call_id``."""


Event: TypeAlias = Annotated[
    UpdateEvent | MessageEvent | CustomEvent | ValuesEvent | TaskEvent | ToolEvent,
    Field(discriminator="mode"),
]
"""Any event of a run, discriminated by ``mode``."""


class _EventAdapter(TypeAdapter[Event]):  # type: ignore[misc]  # @final only for typing
    """``TypeAdapter(Event)`` whose dumps raise :class:`EventEncodeError`, not pydantic's error.

    Inside a serializer pydantic turns every exception into ``PydanticSerializationError``;
    on that (rare) path the event is encoded once more to raise the precise error.
    """

    def dump_json(self, instance: Event, /, **kwargs: Any) -> bytes:
        """Dump ``instance`` to JSON bytes (as ``instance.model_dump_json()``, encoded)."""
        try:
            return super().dump_json(instance, **kwargs)
        except PydanticSerializationError:
            _raise_encode_error(instance)
            raise

    def dump_python(self, instance: Event, /, **kwargs: Any) -> Any:
        """Dump ``instance`` to Python data; with ``mode="json"``, the JSON form."""
        try:
            return super().dump_python(instance, **kwargs)
        except PydanticSerializationError:
            _raise_encode_error(instance)
            raise


def _raise_encode_error(event: object) -> None:
    """Raise the :class:`EventEncodeError` of ``event``, if its ``data`` is the culprit."""
    if isinstance(event, EventBase):
        event._check_encodable()


EVENT_ADAPTER: TypeAdapter[Event] = _EventAdapter(Event)
"""Validates and serialises events: ``EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(e))``
equals ``e`` up to tuples in user data becoming lists and exceptions becoming dicts; dumps
raise :class:`EventEncodeError` on data JSON cannot hold."""

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
    "EventEncodeError",
    "MessageEvent",
    "SourceKey",
    "TaskEvent",
    "ToolEvent",
    "UpdateEvent",
    "ValuesEvent",
    "source_of",
)
