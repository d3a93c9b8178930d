"""Stamping the parts of a LangGraph stream as rxagent events (see ``from_langgraph``).

LangGraph's ``astream(stream_mode=[...], subgraphs=True)`` yields ``(ns, mode, payload)``
and tells more about some parts than others. :class:`Stamper` keeps, per namespace, what
LangGraph's ``debug`` mode reports (which tasks run, in which superstep) and what its
``tools`` mode reports (which tool calls run, in which task), and stamps each part with
what is known for sure:

* ``messages``: ``node``, ``step`` and ``task_id`` from the metadata (``langgraph_node``,
  ``langgraph_step``, the last part of ``langgraph_checkpoint_ns``); the ``tool_call_id``
  of a ``ToolMessage``;
* ``tasks``: LangGraph is asked for ``debug`` instead, whose task parts wrap the very
  ``tasks`` payloads, at the same place in the stream, with the superstep;
* ``updates``: ``node`` is the payload's key (for an interrupt, the interrupted task's);
  the task is the one of that name running in the namespace, or, when several run, the
  one whose result LangGraph reports right after the update (LangGraph reports both in
  one go, so the update is held until that next part, never longer);
* ``tools``: the ``tool_call_id`` of the payload; the task running the call when only one
  runs in the namespace, or when a task's input holds that tool call (``create_agent``
  sends each tool call as its own task);
* ``custom``: the task when only one runs in the namespace, and its tool call when only
  one runs; else no ``node``, ``task_id`` nor ``tool_call_id`` (LangGraph tells nothing);
* ``values``: no node or task; the superstep just finished in that namespace.

Where LangGraph gives no step, ``step`` is the namespace's current superstep (0 before its
first task).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rxagent._fast import maker
from rxagent._types import Namespace, StreamMode
from rxagent.events import (
    CustomEvent,
    Event,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
)

Emit = Callable[[Event], None]

INTERRUPT = "__interrupt__"
"""The key of an interrupt's ``updates`` payload."""

_MAKERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "updates": maker(UpdateEvent),
    "messages": maker(MessageEvent),
    "custom": maker(CustomEvent),
    "values": maker(ValuesEvent),
    "tasks": maker(TaskEvent),
    "tools": maker(ToolEvent),
}


class _Task:
    """A task LangGraph reported started and not yet finished."""

    __slots__ = ("calls", "id", "name", "step")

    def __init__(self, payload: Mapping[str, Any], step: int) -> None:
        self.id: str = payload["id"]
        self.name: str = payload["name"]
        self.step = step
        self.calls = _call_ids(payload.get("input"))


class _Scope:
    """One namespace: its superstep, running tasks and running tool calls."""

    __slots__ = ("calls", "step", "tasks")

    def __init__(self) -> None:
        self.step = 0
        self.tasks: dict[str, _Task] = {}
        self.calls: dict[str, _Task | None] = {}

    def only_task(self, name: str | None = None) -> _Task | None:
        """The one running task (of that name): ``None`` if none or several."""
        found = None
        for task in self.tasks.values():
            if name is None or task.name == name:
                if found is not None:
                    return None
                found = task
        return found

    def task_of_call(self, call_id: str) -> _Task | None:
        """The task running tool call ``call_id``, when that is certain."""
        only = self.only_task()
        if only is not None:
            return only
        owners = [task for task in self.tasks.values() if call_id in task.calls]
        return owners[0] if len(owners) == 1 else None


class _Held:
    """An ``updates`` part waiting for the next part to name its task."""

    __slots__ = ("node", "ns", "payload", "scope")

    def __init__(self, ns: Namespace, node: str | None, payload: Any, scope: _Scope) -> None:
        self.ns, self.node, self.payload, self.scope = ns, node, payload, scope


class Stamper:
    """Turns one run's LangGraph parts into events with ``seq`` and ``run_id``.

    Example:
        >>> stamper = Stamper("run-1", frozenset({"updates", "custom"}))
        >>> start = {"id": "t1", "name": "a", "input": {}, "triggers": ()}
        >>> out = []
        >>> stamper.feed((), "debug", {"step": 1, "type": "task", "payload": start}, out.append)
        >>> stamper.feed((), "custom", {"progress": 1}, out.append)
        >>> stamper.feed((), "updates", {"a": {"x": 1}}, out.append)
        >>> [(e.mode, e.node, e.step, e.task_id, e.seq) for e in out]
        [('custom', 'a', 1, 't1', 1), ('updates', 'a', 1, 't1', 2)]
    """

    __slots__ = ("_held", "_modes", "_scopes", "run_id", "seq")

    def __init__(self, run_id: str, modes: frozenset[StreamMode]) -> None:
        self.run_id = run_id
        self.seq = 0
        self._modes = modes
        self._scopes: dict[Namespace, _Scope] = {}
        self._held: _Held | None = None

    def feed(self, ns: Namespace, mode: str, payload: Any, emit: Emit) -> None:
        """Stamp one part of LangGraph's stream and emit what it gives, in order."""
        held = self._held
        if held is not None:
            self._held = None
            self._release(held, ns, mode, payload, emit)
        if mode == "messages":
            self._message(ns, payload, emit)
            return
        scope = self._scopes.get(ns)
        if scope is None:
            scope = self._scopes[ns] = _Scope()
        if mode == "debug":
            self._debug(ns, scope, payload, emit)
        elif mode == "updates":
            self._update(ns, scope, payload, emit)
        elif mode == "custom":
            self._custom(ns, scope, payload, emit)
        elif mode == "tools":
            self._tool(ns, scope, payload, emit)
        elif mode == "values" and "values" in self._modes:
            self._emit(emit, "values", ns, None, scope.step, None, None, payload)

    def flush(self, emit: Emit) -> None:
        """At the end of the stream (or its error): emit the update still held, if any."""
        held = self._held
        if held is not None:
            self._held = None
            self._update_event(held.ns, held.node, None, held.scope.step, held.payload, emit)

    # -- modes -------------------------------------------------------------------------

    def _message(self, ns: Namespace, payload: Any, emit: Emit) -> None:
        if "messages" not in self._modes:
            return
        message, metadata = payload
        node = metadata.get("langgraph_node")
        step = metadata.get("langgraph_step")
        if step is None:
            scope = self._scopes.get(ns)
            step = 0 if scope is None else scope.step
        task_id = _task_of(metadata.get("langgraph_checkpoint_ns"))
        tool = getattr(message, "type", None) == "tool"
        call = getattr(message, "tool_call_id", None) if tool else None
        self._emit(emit, "messages", ns, node, step, task_id, call, payload)

    def _debug(self, ns: Namespace, scope: _Scope, payload: Any, emit: Emit) -> None:
        kind = payload.get("type")
        if kind == "task":
            task = _Task(payload["payload"], payload["step"])
            scope.step = task.step
            scope.tasks[task.id] = task
        elif kind == "task_result":
            result = payload["payload"]
            done = scope.tasks.pop(result["id"], None)
            if done is not None:
                self._scopes.pop((*ns, f"{done.name}:{done.id}"), None)
            if not scope.tasks:  # calls left unfinished (an interrupt) end with the step
                scope.calls.clear()
            elif done is not None:
                for call in [call for call, owner in scope.calls.items() if owner is done]:
                    del scope.calls[call]
        else:
            return  # a checkpoint
        if "tasks" in self._modes:
            task_payload = payload["payload"]
            node, task_id = task_payload["name"], task_payload["id"]
            self._emit(emit, "tasks", ns, node, payload["step"], task_id, None, task_payload)

    def _update(self, ns: Namespace, scope: _Scope, payload: Any, emit: Emit) -> None:
        if "updates" not in self._modes:
            return
        node = _node_of(payload)
        if node is None or "__metadata__" in payload:  # a cached write: no task ran
            self._update_event(ns, node, None, scope.step, payload, emit)
            return
        name = None if node == INTERRUPT else node  # an interrupt: any task's
        task = scope.only_task(name)
        if task is not None:
            self._update_event(ns, task.name, task.id, task.step, payload, emit)
        elif any(name is None or task.name == name for task in scope.tasks.values()):
            self._held = _Held(ns, name, payload, scope)  # its task's result comes next
        else:
            self._update_event(ns, name, None, scope.step, payload, emit)

    def _release(self, held: _Held, ns: Namespace, mode: str, payload: Any, emit: Emit) -> None:
        """Emit a held update, stamped with the task whose result comes right after it."""
        task = None
        if mode == "debug" and ns == held.ns and payload.get("type") == "task_result":
            task = held.scope.tasks.get(payload["payload"]["id"])
        if task is not None and held.node in (None, task.name):
            self._update_event(held.ns, task.name, task.id, task.step, held.payload, emit)
        else:
            self._update_event(held.ns, held.node, None, held.scope.step, held.payload, emit)

    def _update_event(
        self,
        ns: Namespace,
        node: str | None,
        task_id: str | None,
        step: int,
        payload: Any,
        emit: Emit,
    ) -> None:
        self._emit(emit, "updates", ns, node, step, task_id, None, payload)

    def _custom(self, ns: Namespace, scope: _Scope, payload: Any, emit: Emit) -> None:
        if "custom" not in self._modes:
            return
        task = scope.only_task()
        if task is None:
            self._emit(emit, "custom", ns, None, scope.step, None, None, payload)
            return
        calls = scope.calls
        call = next(iter(calls)) if len(calls) == 1 else None
        self._emit(emit, "custom", ns, task.name, task.step, task.id, call, payload)

    def _tool(self, ns: Namespace, scope: _Scope, payload: Any, emit: Emit) -> None:
        call = payload.get("tool_call_id")
        event = payload.get("event")
        if event == "tool-started":
            task = scope.calls[call] = scope.task_of_call(call)
        elif event in ("tool-finished", "tool-error"):
            task = scope.calls.pop(call, None)
        else:
            task = scope.calls.get(call)
        if "tools" not in self._modes:
            return
        if task is None:
            self._emit(emit, "tools", ns, None, scope.step, None, call, payload)
        else:
            self._emit(emit, "tools", ns, task.name, task.step, task.id, call, payload)

    def _emit(
        self,
        emit: Emit,
        mode: str,
        ns: Namespace,
        node: str | None,
        step: int,
        task_id: str | None,
        tool_call_id: str | None,
        data: Any,
    ) -> None:
        self.seq += 1
        fields = {  # in the event's field order (see ``rxagent._fast``)
            "ns": ns,
            "node": node,
            "step": step,
            "task_id": task_id,
            "tool_call_id": tool_call_id,
            "run_id": self.run_id,
            "seq": self.seq,
            "mode": mode,
            "data": data,
        }
        emit(_MAKERS[mode](fields))


def _node_of(payload: Any) -> str | None:
    """The node of an ``updates`` payload ``{node: update}`` (a cached one adds
    ``__metadata__``)."""
    if isinstance(payload, Mapping):
        for key in payload:
            if key != "__metadata__":
                return str(key)
    return None


def _task_of(checkpoint_ns: Any) -> str | None:
    """The task id in a ``langgraph_checkpoint_ns`` such as ``'agent:<id>|model:<id>'``.

    Example:
        >>> _task_of("agent:a1|model:b2"), _task_of(None)
        ('b2', None)
    """
    if not isinstance(checkpoint_ns, str) or ":" not in checkpoint_ns:
        return None
    return checkpoint_ns.rpartition("|")[2].partition(":")[2] or None


def _call_ids(value: Any) -> frozenset[str]:
    """The ids of the tool calls a task's input holds: ``create_agent``'s tool tasks take
    ``[tool_call]`` or ``{"tool_call": tool_call, ...}``.

    Example:
        >>> sorted(_call_ids([{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}]))
        ['c1']
    """
    if isinstance(value, Mapping):
        value = [value.get("tool_call")]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(
        item["id"]
        for item in value
        if isinstance(item, Mapping)
        and item.get("type") == "tool_call"
        and isinstance(item.get("id"), str)
    )
