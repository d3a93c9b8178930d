"""The protocol-neutral parts the framer (:mod:`._lifecycle`) makes of a run's log.

Each part is one lifecycle fact that AI SDK and AG-UI both need, already made consistent:
every ``*Started`` comes before the deltas and the ``*Ended``/``*Finished`` of its id, no id is
started twice while open, and everything started is finished before :class:`RunFinished`.
Every part but the run's own carries an :class:`Origin`: where in the run it came from.

Example:
    >>> TextDelta("m1", "Hel", Origin(node="model", seq=3)).origin.subagent is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from rxagent.events import EventBase


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a part came from: the event's attribution."""

    ns: tuple[str, ...] = ()
    """The namespace of the event (``()`` for the root graph)."""
    node: str | None = None
    """The node that emitted it."""
    task_id: str | None = None
    """The node task that emitted it."""
    tool_call_id: str | None = None
    """The tool call that emitted it (``custom`` payloads written by a tool)."""
    seq: int | None = None
    """The event's ``seq``; ``None`` for parts the framer makes up (closing what is open)."""

    @property
    def subagent(self) -> str | None:
        """The id of the subagent the event belongs to: ``ns`` joined by ``|``, or ``None``."""
        return "|".join(self.ns) if self.ns else None

    @classmethod
    def of(cls, event: EventBase) -> Origin:
        """The origin of ``event``."""
        return cls(event.ns, event.node, event.task_id, event.tool_call_id, event.seq)


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The run began (the log's ``metadata`` entry)."""

    run_id: str
    """The run's id."""
    thread_id: str | None = None
    """The thread's id, when the log's metadata names one."""


@dataclass(frozen=True, slots=True)
class StepStarted:
    """A superstep of the root graph began (AI SDK ``start-step``)."""

    step: int
    """LangGraph's superstep number."""


@dataclass(frozen=True, slots=True)
class StepFinished:
    """A superstep of the root graph ended; nothing is open any more."""

    step: int
    """LangGraph's superstep number."""


@dataclass(frozen=True, slots=True)
class TaskStarted:
    """A node task began (AG-UI ``STEP_STARTED``)."""

    name: str
    """The node's name."""
    origin: Origin
    """Where: the task's namespace, node and id."""


@dataclass(frozen=True, slots=True)
class TaskFinished:
    """A node task ended (its ``updates`` event, its ``tasks`` result, or a later step)."""

    name: str
    """The node's name."""
    origin: Origin
    """As its :class:`TaskStarted`."""


@dataclass(frozen=True, slots=True)
class SubagentStarted:
    """A subgraph's namespace appeared (AG-UI ``SUBAGENT_STARTED``)."""

    subagent_id: str
    """The namespace path joined by ``|`` (``researcher:<task_id>``)."""
    name: str
    """The node that runs the subgraph (the part of the last element before ``:``)."""
    parent_id: str | None
    """The enclosing subagent's id, ``None`` at the root."""
    origin: Origin
    """The origin of the event that revealed it."""


@dataclass(frozen=True, slots=True)
class SubagentFinished:
    """The parent task of a subagent ended, or the run did."""

    subagent_id: str
    """As its :class:`SubagentStarted`."""
    origin: Origin
    """The subagent's namespace."""


@dataclass(frozen=True, slots=True)
class TextStarted:
    """An assistant message began to stream text."""

    message_id: str
    """The message id (shared by all chunks of one model call)."""
    origin: Origin
    """The first chunk's origin."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    """More text of an open message."""

    message_id: str
    """As its :class:`TextStarted`."""
    delta: str
    """The new text (never empty)."""
    origin: Origin
    """The chunk's origin."""


@dataclass(frozen=True, slots=True)
class TextEnded:
    """An open message's text is complete."""

    message_id: str
    """As its :class:`TextStarted`."""
    origin: Origin
    """As its :class:`TextStarted`."""


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """The model began a tool call."""

    tool_call_id: str
    """The call's id."""
    name: str
    """The tool's name."""
    parent_message_id: str | None
    """The assistant message that carries the call, when known."""
    origin: Origin
    """The origin of the event that carried the call."""


@dataclass(frozen=True, slots=True)
class ToolCallArgs:
    """More of a tool call's argument text (a JSON fragment)."""

    tool_call_id: str
    """As its :class:`ToolCallStarted`."""
    delta: str
    """The new text (never empty)."""
    origin: Origin
    """The chunk's origin."""


@dataclass(frozen=True, slots=True)
class ToolCallEnded:
    """A tool call's arguments are complete."""

    tool_call_id: str
    """As its :class:`ToolCallStarted`."""
    name: str
    """The tool's name."""
    args: str
    """The whole argument text."""
    input: Any
    """The parsed arguments (a dict), or ``None`` when the text is no JSON object."""
    origin: Origin
    """As its :class:`ToolCallStarted`."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a started and ended tool call returned (once per call)."""

    tool_call_id: str
    """The call's id."""
    content: str
    """The result as text (a ``ToolMessage``'s text, or JSON of list content)."""
    output: Any
    """The result's content as it is (text or content blocks)."""
    message_id: str
    """The tool message's id (``result-<tool_call_id>`` when it has none)."""
    error: bool
    """Whether the tool failed (``status="error"`` or ``tool-error``)."""
    origin: Origin
    """The origin of the event that carried the result."""


@dataclass(frozen=True, slots=True)
class Custom:
    """A payload a node or tool wrote with ``get_stream_writer()``."""

    payload: Any
    """The payload as written."""
    origin: Origin
    """Its attribution: node, task, tool call, namespace."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts summed per provider and model (AG-UI ``TokenUsage`` accounting)."""

    provider: str | None
    """``ls_provider`` of the messages' metadata."""
    model: str | None
    """``ls_model_name`` (or the response's ``model_name``)."""
    input_tokens: int = 0
    """Every prompt token."""
    output_tokens: int = 0
    """Every completion token."""
    total_tokens: int = 0
    """As reported (usually the two summed)."""
    reasoning_tokens: int | None = None
    """The part of ``output_tokens`` spent reasoning, when reported."""
    cached_input_tokens: int | None = None
    """The part of ``input_tokens`` read from a cache, when reported."""
    cache_write_input_tokens: int | None = None
    """The part of ``input_tokens`` written to a cache, when reported."""


Outcome: TypeAlias = Literal["success", "error", "cancelled"]
"""How a run ended."""


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run ended; everything it opened was closed before this."""

    outcome: Outcome
    """``success`` (``end``), ``error`` or ``cancelled``."""
    error_type: str | None = None
    """For ``error``: the exception's type name."""
    message: str | None = None
    """For ``error``: the exception's text."""
    usage: tuple[Usage, ...] = field(default=())
    """Token usage per provider and model, in first-seen order."""


Part: TypeAlias = (
    RunStarted
    | StepStarted
    | StepFinished
    | TaskStarted
    | TaskFinished
    | SubagentStarted
    | SubagentFinished
    | TextStarted
    | TextDelta
    | TextEnded
    | ToolCallStarted
    | ToolCallArgs
    | ToolCallEnded
    | ToolResult
    | Custom
    | RunFinished
)
"""Any part the framer makes."""

__all__ = (
    "Custom",
    "Origin",
    "Outcome",
    "Part",
    "RunFinished",
    "RunStarted",
    "StepFinished",
    "StepStarted",
    "SubagentFinished",
    "SubagentStarted",
    "TaskFinished",
    "TaskStarted",
    "TextDelta",
    "TextEnded",
    "TextStarted",
    "ToolCallArgs",
    "ToolCallEnded",
    "ToolCallStarted",
    "ToolResult",
    "Usage",
)
