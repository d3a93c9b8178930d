"""The framer: a run's log as protocol-neutral lifecycle parts, always well nested.

One :class:`Framer` per SSE response, fed the log's entries in order; the AI SDK and AG-UI
encoders turn its parts into their own events. It owns every start/end decision, so a
stream that was filtered, buffered (tokens joined) or throttled upstream still frames
correctly: no delta comes without its start, no id starts twice while open, nothing is open
at :class:`~._lifecycle_parts.RunFinished`.

* **Run**: :class:`RunStarted` from the ``metadata`` entry (or the first event); the terminal
  entry closes everything still open, innermost first, then :class:`RunFinished` with the
  outcome (``success``, ``error`` with its type and text, ``cancelled``) and the usage.
* **Steps**: a root-graph superstep (``ns == ()``; ``values`` events do not count) starts a
  step; a later one first closes everything (LangGraph's supersteps are barriers: the tasks
  of step *n* and their subgraphs are done when step *n+1* begins), then
  ``StepFinished(n)``, ``StepStarted(n+1)``.
* **Tasks**: a node task starts with its first event (``tasks`` start, a token, a custom
  payload...) and finishes with its ``updates`` event, its ``tasks`` result, a later step, its
  subagent's end or the run's end; a finished task never starts again.
* **Subagents**: each namespace prefix (``"node:task_id"`` elements) starts a subagent, its
  parent task first; it finishes, with everything in it, when its parent task does.
* **Messages, tool calls, results**: see :mod:`._lifecycle_messages`. Usage: see
  :mod:`._lifecycle_usage`. ``custom`` payloads become :class:`Custom` with their origin.

Example:
    >>> from rxagent.events import CustomEvent
    >>> from rxagent.integrations.web._entries import Entry
    >>> from rxagent.integrations.web._ids import EventId
    >>> framer = Framer()
    >>> log = [Entry(EventId(1, 0), "metadata", data={"run_id": "r1"}),
    ...        Entry(EventId(1, 1), "event", CustomEvent(data=1, node="n", task_id="t", step=1)),
    ...        Entry(EventId(1, 2), "end")]
    >>> [type(part).__name__ for entry in log for part in framer.feed(entry)]
    ['RunStarted', 'StepStarted', 'TaskStarted', 'Custom', 'TaskFinished', 'StepFinished', 'RunFinished']
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rxagent.events import (
    CustomEvent,
    Event,
    MessageEvent,
    SourceKey,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    source_of,
)
from rxagent.integrations.web._entries import Entry
from rxagent.integrations.web._lifecycle_messages import MessageBook
from rxagent.integrations.web._lifecycle_parts import (
    Custom,
    Origin,
    Part,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    SubagentFinished,
    SubagentStarted,
    TaskFinished,
    TaskStarted,
)
from rxagent.integrations.web._lifecycle_usage import UsageBook
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ToolMessage,
    coerce_message,
    is_langchain_message,
)
from rxagent.messages._foreign import is_langchain_chunk, rxagent_chunk

_TaskKey = tuple[tuple[str, ...], str, str]


class Framer:
    """Lifecycle state of one stream: feed it entries, get parts (see the module docstring)."""

    def __init__(self) -> None:
        """Start before the run."""
        self._messages = MessageBook()
        self._usage = UsageBook()
        self._started = self._done = False
        self._step: int | None = None
        self._tasks: dict[_TaskKey, Origin] = {}
        self._tasks_done: set[_TaskKey] = set()
        self._subagents: dict[str, Origin] = {}
        self._subagents_done: set[str] = set()

    def feed(self, entry: Entry) -> list[Part]:
        """The parts ``entry`` makes, given every entry fed before it."""
        if self._done:
            return []
        if entry.kind == "metadata":
            return self._start(entry.data, "")
        event = entry.event
        parts = self._start({}, event.run_id if event is not None else "")
        if event is not None:
            parts += self._event(event)
        if entry.terminal:
            parts += self._finish(entry)
        return parts

    def _start(self, data: Mapping[str, Any], run_id: str) -> list[Part]:
        if self._started:
            return []
        self._started = True
        thread = data.get("thread_id")
        run = str(data.get("run_id") or run_id)
        return [RunStarted(run, str(thread) if thread is not None else None)]

    def _finish(self, entry: Entry) -> list[Part]:
        parts = self._close_all()
        if self._step is not None:
            parts.append(StepFinished(self._step))
        self._done = True
        usage = self._usage.totals()
        if entry.kind == "error":
            error, message = entry.data.get("error"), entry.data.get("message")
            parts.append(RunFinished("error", str(error or "Error"), str(message or ""), usage))
        else:
            parts.append(
                RunFinished("cancelled" if entry.kind == "cancelled" else "success", usage=usage)
            )
        return parts

    def _event(self, event: Event) -> list[Part]:
        parts = self._advance(event)
        if event.mode == "values":
            return parts
        origin = Origin.of(event)
        parts += self._enter(event, origin)
        if isinstance(event, MessageEvent):
            return parts + self._message(event, origin)
        if isinstance(event, UpdateEvent):
            return parts + self._update(event, origin)
        if isinstance(event, CustomEvent):
            return [*parts, Custom(event.data, origin)]
        if isinstance(event, ToolEvent):
            return parts + self._messages.tool_event(event.data, origin)
        if isinstance(event, TaskEvent) and _is_task_result(event.data):
            return parts + self._end_task_of(event)
        return parts

    def _advance(self, event: Event) -> list[Part]:
        """Step bookkeeping: a root event of a later superstep closes the previous one."""
        if event.ns or event.mode == "values":
            return []
        if self._step is None:
            self._step = event.step
            return [StepStarted(event.step)]
        if event.step <= self._step:
            return []
        parts = [*self._close_all(), StepFinished(self._step), StepStarted(event.step)]
        self._step = event.step
        return parts

    def _enter(self, event: Event, origin: Origin) -> list[Part]:
        """Start the subagents of the event's namespace and its task, where not yet started."""
        parts: list[Part] = []
        ns = event.ns
        for depth in range(1, len(ns) + 1):
            sid = "|".join(ns[:depth])
            if sid in self._subagents or sid in self._subagents_done:
                continue
            name, _, task_id = ns[depth - 1].partition(":")
            if task_id:
                parts += self._start_task((ns[: depth - 1], name, task_id))
            self._subagents[sid] = Origin(ns[:depth])
            parent = "|".join(ns[: depth - 1]) or None
            parts.append(SubagentStarted(sid, name, parent, origin))
        if event.node is not None and event.task_id is not None:
            parts += self._start_task((ns, event.node, event.task_id))
        return parts

    def _start_task(self, key: _TaskKey) -> list[Part]:
        if key in self._tasks or key in self._tasks_done:
            return []
        origin = Origin(key[0], key[1], key[2])
        self._tasks[key] = origin
        return [TaskStarted(key[1], origin)]

    def _message(self, event: MessageEvent, origin: Origin) -> list[Part]:
        message = _as_rxagent(event.data[0])
        metadata = event.data[1]
        if isinstance(message, AIMessageChunk):
            self._usage.add(message, metadata, True)
            return self._messages.chunk(message, origin, source_of(event))
        return self._whole(message, origin, source_of(event), metadata)

    def _whole(
        self, message: object, origin: Origin, source: SourceKey, metadata: Mapping[str, Any]
    ) -> list[Part]:
        if isinstance(message, AIMessage):
            self._usage.add(message, metadata, False)
            return self._messages.whole(message, origin, source)
        if isinstance(message, ToolMessage):
            return self._messages.tool_message(message, origin)
        return []

    def _update(self, event: UpdateEvent, origin: Origin) -> list[Part]:
        """What a task's write shows (messages not streamed, tool results), then its end."""
        source = source_of(event)
        parts: list[Part] = []
        for message in _written_messages(event.data):
            parts += self._whole(message, origin, source, {})
        return parts + self._end_task_of(event)

    def _end_task_of(self, event: Event) -> list[Part]:
        parts = self._messages.end_source(source_of(event))
        if event.node is None or event.task_id is None:
            return parts
        key = (event.ns, event.node, event.task_id)
        sid = "|".join((*event.ns, f"{event.node}:{event.task_id}"))
        if sid in self._subagents:
            parts += self._close_subagent(sid)
        return parts + self._end_task(key)

    def _end_task(self, key: _TaskKey) -> list[Part]:
        origin = self._tasks.pop(key, None)
        self._tasks_done.add(key)
        return [] if origin is None else [TaskFinished(key[1], origin)]

    def _close_subagent(self, sid: str) -> list[Part]:
        """Close a subagent: its inner subagents, messages and tasks, then itself."""
        origin = self._subagents[sid]
        depth = len(origin.ns)
        inner = [
            s for s, o in self._subagents.items() if len(o.ns) > depth and o.ns[:depth] == origin.ns
        ]
        parts: list[Part] = []
        for other in reversed(inner):
            if other in self._subagents:
                parts += self._close_subagent(other)
        parts += self._messages.close(lambda ns: ns[:depth] == origin.ns)
        for key in [k for k in self._tasks if k[0][:depth] == origin.ns][::-1]:
            parts += self._end_task(key)
        del self._subagents[sid]
        self._subagents_done.add(sid)
        parts.append(SubagentFinished(sid, origin))
        return parts

    def _close_all(self) -> list[Part]:
        """Close every subagent, message and task, innermost first."""
        parts: list[Part] = []
        for sid in reversed(list(self._subagents)):
            if sid in self._subagents:
                parts += self._close_subagent(sid)
        parts += self._messages.close(lambda ns: True)
        for key in reversed(list(self._tasks)):
            parts += self._end_task(key)
        return parts


def _as_rxagent(message: object) -> object:
    """A langchain-core message as rxagent's (chunks too); anything else as it is."""
    if isinstance(message, BaseMessage):
        return message
    if is_langchain_chunk(message):
        return rxagent_chunk(message)
    if is_langchain_message(message):
        try:
            return coerce_message(message)  # type: ignore[arg-type]
        except ValueError:
            return None
    return message


def _is_task_result(data: Any) -> bool:
    """Whether a ``tasks`` payload is a task's end (``result``/``error``, no ``input``)."""
    return isinstance(data, dict) and "input" not in data and ("result" in data or "error" in data)


def _written_messages(data: Any) -> Iterator[object]:
    """The message objects of an ``updates`` payload ``{node: update}``."""
    if not isinstance(data, dict):
        return
    for update in data.values():
        for write in update if isinstance(update, list | tuple) else (update,):
            found = write.get("messages") if isinstance(write, dict) else None
            for item in found if isinstance(found, list | tuple) else (found,):
                message = _as_rxagent(_coerced(item) if isinstance(item, dict) else item)
                if isinstance(message, BaseMessage):
                    yield message


def _coerced(item: dict[str, Any]) -> BaseMessage | None:
    """A message dict a node wrote (``{"role": "assistant", ...}``) as a message, else None."""
    try:
        return coerce_message(item)
    except (ValueError, TypeError):
        return None


__all__ = ("Framer",)
