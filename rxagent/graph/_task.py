"""A node task: turns what a node run emits (its signals) into stamped events."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from rxagent._context import DONE, NOOP_WRITER
from rxagent._fast import maker
from rxagent._shapes import data_only, mode_and_data
from rxagent._types import SKIP, Namespace, StreamWriter
from rxagent._uuid import uuid4_str
from rxagent.events import (
    CustomEvent,
    EventBase,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
)
from rxagent.graph._command import Command, ParentCommand
from rxagent.graph._constants import NodeOutputError, Send
from rxagent.graph._run import Run
from rxagent.graph._state import update_of
from rxagent.messages import AIMessageChunk, BaseMessage, coerce_message, is_langchain_message
from rxagent.messages._reducer import collect_ids

_get_ident = threading.get_ident

_message_event = maker(MessageEvent)
_custom_event = maker(CustomEvent)
_update_event = maker(UpdateEvent)
_task_event = maker(TaskEvent)
_tool_event = maker(ToolEvent)

_NO_TOKENS, _SHAPED, _MODE_AND_DATA, _DATA_ONLY = range(4)
"""How a task emits its tokens: not at all (no ``messages`` mode), as events or through
the run's shape, or as the item of one of ``rxagent._shapes``'s shapes, made in line."""


def _token_form(run: Run, ns: Namespace) -> int:
    if "messages" not in run.modes:
        return _NO_TOKENS
    if not ns and run.shape is mode_and_data:
        return _MODE_AND_DATA
    if not ns and run.shape is data_only:
        return _DATA_ONLY
    return _SHAPED


_EXCLUDED_METADATA = frozenset(
    {
        "thread_id",
        "checkpoint_id",
        "checkpoint_ns",
        "checkpoint_map",
        "langgraph_step",
        "langgraph_node",
        "langgraph_triggers",
        "langgraph_path",
        "langgraph_checkpoint_ns",
    }
)
"""Framework keys LangGraph leaves out of a ``tasks`` start payload's ``metadata``."""


current_task: ContextVar[Task | None] = ContextVar("rxagent_current_task", default=None)
"""The node task whose code is running (set inside every node run)."""


class Task:
    """One run of one node in one superstep, with everything its events are stamped with.

    Its ``messages`` metadata has three shapes, as LangGraph's: :attr:`metadata` is the node
    run's (what its config carries; a ``tasks`` start payload shows it less the framework
    keys); whole messages the node returns add ``ls_integration="langgraph"`` unless the
    run or the node sets one; tokens add the outermost task's ``checkpoint_ns``,
    ``ls_integration="langchain_chat_model"`` and the model's ``ls_*`` keys
    (:meth:`add_token_metadata`).
    """

    __slots__ = (
        "_base",
        "_last_id",
        "_node_md",
        "_token_md",
        "_tokens",
        "checkpoint_ns",
        "gotos",
        "input",
        "metadata",
        "node",
        "ns",
        "path",
        "run",
        "seen",
        "step",
        "task_id",
        "triggers",
        "writes",
    )

    def __init__(
        self,
        run: Run,
        *,
        ns: Namespace,
        node: str,
        step: int,
        triggers: tuple[str, ...],
        path: tuple[Any, ...],
        input: Any,
        parent_ns: str,
        node_metadata: Mapping[str, Any],
        node_tags: tuple[str, ...],
    ) -> None:
        self.run = run
        self.ns = ns
        self.node = node
        self.step = step
        self.task_id = uuid4_str()
        self.triggers = triggers
        self.path = path
        self.input = input
        own = f"{node}:{self.task_id}"
        self.checkpoint_ns = f"{parent_ns}|{own}" if parent_ns else own
        self.writes: list[Mapping[str, Any]] = []
        self.gotos: list[str | Send] = []
        self.seen = run.seen.setdefault(ns, set())
        _collect_ids(input, self.seen)
        self._last_id: str | None = None
        self._base = {
            "ns": ns,
            "node": node,
            "step": step,
            "task_id": self.task_id,
            "tool_call_id": None,
            "run_id": run.run_id,
        }
        md: dict[str, Any] = {
            **run.metadata,
            "langgraph_step": step,
            "langgraph_node": node,
            "langgraph_triggers": triggers,
            "langgraph_path": path,
            "langgraph_checkpoint_ns": self.checkpoint_ns,
        }
        if parent_ns:  # LangChain copies the outermost task's checkpoint_ns into metadata
            md["checkpoint_ns"] = _outermost(parent_ns)
        md.update(node_metadata)
        tags = [*run.tags, *node_tags]
        if tags:
            md["tags"] = tags
        self.metadata: Mapping[str, Any] = md
        self._node_md = {"ls_integration": "langgraph", **md}
        self._token_md = {
            **md,
            "checkpoint_ns": _outermost(self.checkpoint_ns),
            "ls_integration": "langchain_chat_model",
        }
        self._tokens = _token_form(run, ns)

    # -- signals -----------------------------------------------------------------------

    def on_signal(self, item: Any) -> None:
        """Route one signal of the node run: a token, a message, an update or an event."""
        if type(item) is AIMessageChunk:
            self.token(item)
        elif isinstance(item, Mapping):
            self.writes.append(item)
        elif isinstance(item, BaseMessage):
            self.message(item)
        elif isinstance(item, EventBase):
            self.run.forward(item)  # an event of another run: already stamped
        elif isinstance(item, Command):
            self.command(item)
        elif item is not None and (update := update_of(item)) is not None:
            self.writes.append(update)
        elif item is not None:
            raise NodeOutputError(
                f"Node {self.node!r} emitted {type(item).__name__}; a node emits "
                f"AIMessageChunk tokens, messages, or dict updates such as {{'messages': [...]}}"
            )

    def command(self, command: Command[Any]) -> None:
        """Take a node's ``Command``: its update is a write, its ``goto`` routes.

        Raises:
            ParentCommand: the command is for the parent graph.
        """
        if command.graph == Command.PARENT:
            raise ParentCommand(command)
        update = command.update_dict()
        if update is not None:
            self.writes.append(update)
        self.gotos.extend(command.destinations())

    def add_token_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Stamp this task's next tokens with ``metadata`` too (a model's ``ls_*`` keys).

        The keys go on top of the task's token metadata, as LangChain's chat-model run
        metadata does; tokens already emitted keep theirs, whole messages are unchanged.
        """
        if metadata:
            self._token_md = {**self._token_md, **metadata}

    def token(self, chunk: AIMessageChunk, metadata: Mapping[str, Any] | None = None) -> None:
        """Emit one LLM token in ``messages`` mode.

        Args:
            chunk: the token.
            metadata: its metadata, instead of the task's token metadata (a LangChain
                chat-model run's, which already holds the task's keys).
        """
        form = self._tokens
        if not form:
            return
        chunk_id = chunk.id
        if chunk_id != self._last_id and chunk_id is not None:
            self.seen.add(chunk_id)
            self._last_id = chunk_id
        run = self.run
        run.seq += 1
        data = (chunk, self._token_md if metadata is None else metadata)
        if form == _MODE_AND_DATA:  # the shape's item, made in line: one call fewer
            run.observer.on_next(("messages", data))
            return
        if form == _DATA_ONLY:
            run.observer.on_next(data)
            return
        shape = run.shape
        if shape is None:
            fields = self._base.copy()  # then the other fields, in the event's field order
            fields["seq"] = run.seq
            fields["mode"] = "messages"
            fields["data"] = data
            run.observer.on_next(_message_event(fields))
        elif (item := shape("messages", self.ns, data)) is not SKIP:
            run.observer.on_next(item)

    def message(self, message: BaseMessage, metadata: Mapping[str, Any] | None = None) -> None:
        """Emit a whole message once: not if its id was an input or was emitted already.

        Args:
            message: the message.
            metadata: its metadata, instead of the metadata of what the node returns.
        """
        run = self.run
        if "messages" not in run.modes:
            return
        if message.id is None:
            message.id = uuid4_str()
        if message.id in self.seen:
            return
        self.seen.add(message.id)
        data = (message, self._node_md if metadata is None else metadata)
        self._emit(_message_event, "messages", data)

    def custom(self, payload: Any, tool_call_id: str | None = None) -> None:
        """Emit a ``custom`` payload, attributed to this task and tool call."""
        self._emit(_custom_event, "custom", payload, tool_call_id)

    def tool_event(self, payload: dict[str, Any]) -> None:
        """Emit a ``tools`` lifecycle payload (``tool-started``, ``tool-finished``, ...)."""
        if "tools" not in self.run.modes:
            return
        self._emit(_tool_event, "tools", payload, payload.get("tool_call_id"))

    def writer(self, tool_call_id: str | None = None) -> StreamWriter:
        """The stream writer for code of this task (and of one of its tool calls)."""
        if "custom" not in self.run.modes:
            return NOOP_WRITER
        return _Writer(self, tool_call_id)

    # -- lifecycle ---------------------------------------------------------------------

    def started(self) -> None:
        """Emit the ``tasks`` start payload."""
        run = self.run
        if "tasks" not in run.modes:
            return
        data = {
            "id": self.task_id,
            "name": self.node,
            "input": self.input,
            "triggers": self.triggers,
        }
        metadata = {k: v for k, v in self.metadata.items() if k not in _EXCLUDED_METADATA}
        if metadata:
            data["metadata"] = metadata
        self._emit(_task_event, "tasks", data)

    def finished(self) -> None:
        """The node returned: emit its new messages, then ``updates``, then the task result."""
        run = self.run
        modes = run.modes
        if "messages" in modes:
            for write in self.writes:
                for value in write.values():
                    self._emit_messages(value)
        if "updates" in modes:
            self._emit(_update_event, "updates", {self.node: _grouped(self.writes)})
        self._result(None)

    def failed(self, error: BaseException) -> None:
        """The node raised: emit the task result with the error (no ``updates``)."""
        self._result(error)

    def _result(self, error: BaseException | None) -> None:
        run = self.run
        if "tasks" not in run.modes:
            return
        result: dict[str, Any] = {}
        if error is None:
            for write in self.writes:
                result.update(write)
        data: dict[str, Any] = {
            "id": self.task_id,
            "name": self.node,
            "error": error,
            "result": result,
            "interrupts": [],
        }
        self._emit(_task_event, "tasks", data)

    def _emit(
        self,
        make: Callable[[dict[str, Any]], EventBase],
        mode: str,
        data: Any,
        tool_call_id: str | None = None,
    ) -> None:
        """Push the next event of this task, or its shaped item (see ``Run.shape``)."""
        run = self.run
        run.seq += 1
        if run.shape is not None:
            run.push_shaped(mode, self.ns, data)
            return
        fields = self._base.copy()  # then the other fields, in the event's field order
        fields["seq"] = run.seq
        fields["mode"] = mode
        fields["data"] = data
        if tool_call_id is not None:
            fields["tool_call_id"] = tool_call_id
        run.observer.on_next(make(fields))

    def _emit_messages(self, value: Any) -> None:
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            if isinstance(item, BaseMessage):
                self.message(item)
            elif is_langchain_message(item):  # a LangChain model's reply, returned as is
                if item.id is None:
                    item.id = uuid4_str()  # the state keeps this id too, as LangGraph's
                self.message(coerce_message(item))


class _Writer:
    """``get_stream_writer()`` inside a task: emits on the loop thread, queues from others.

    On the loop it returns an awaitable that waits while the consumer is full; in a thread
    it waits itself (see ``rxagent._flow``, I3 and I4).
    """

    __slots__ = ("_put", "_run", "_task", "_thread", "_tool_call_id")

    def __init__(self, task: Task, tool_call_id: str | None) -> None:
        self._task = task
        self._tool_call_id = tool_call_id
        self._run = run = task.run
        self._thread = run.thread_id
        self._put = run.flow.put

    def __call__(self, payload: Any) -> Awaitable[None]:
        if _get_ident() == self._thread:
            self._task.custom(payload, self._tool_call_id)
            flow = self._run.flow
            return flow.room_for() if flow.pressure else DONE
        self._put(self._deliver, payload, self._run)  # waits for room (I4)
        return DONE

    def _deliver(self, payload: Any) -> None:
        if not self._run.closed:  # :meth:`Task.custom` in line: a call fewer per event
            self._task._emit(_custom_event, "custom", payload, self._tool_call_id)


def _collect_ids(value: Any, seen: set[str]) -> None:
    """Add the ids of the messages in a node's input to ``seen`` (LangGraph's dedupe); for
    a state's message list, only of those appended since the run's previous task
    (:func:`~rxagent.messages._reducer.collect_ids`), so a task costs O(new messages)."""
    if not isinstance(value, Mapping | list | BaseMessage) and hasattr(value, "__dict__"):
        value = vars(value)  # a pydantic or dataclass state
    if isinstance(value, Mapping):
        for item in value.values():
            if isinstance(item, list):
                collect_ids(item, seen)
    elif isinstance(value, list):
        collect_ids(value, seen)


def _outermost(checkpoint_ns: str) -> str:
    """The first task of a ``checkpoint_ns``: what LangChain keeps as metadata (first wins)."""
    return checkpoint_ns.partition("|")[0]


def _grouped(writes: list[Mapping[str, Any]]) -> Any:
    """A task's writes as LangGraph's ``updates`` show them (``pregel/_io.py``
    ``map_output_updates``): one dict of every key written, or one dict per write when a key
    is written twice; ``None`` for no write.

    Example:
        >>> _grouped([{"a": 1}, {"b": 2}]), _grouped([{"a": 1}, {"a": 2}]), _grouped([])
        ({'a': 1, 'b': 2}, [{'a': 1}, {'a': 2}], None)
    """
    pairs = [(key, value) for write in writes for key, value in write.items()]
    if not pairs:
        return None
    if len({key for key, _ in pairs}) < len(pairs):
        return [{key: value} for key, value in pairs]
    return dict(pairs)
