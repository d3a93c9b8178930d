"""The tokens of chat models called inside a node stream in ``messages`` mode, as in LangGraph.

LangGraph gives every node task a config whose callbacks hold its ``StreamMessagesHandler``
and sets it as LangChain's child runnable config, so a chat model called anywhere in the
node (``llm.invoke(msgs)``, ``await llm.ainvoke(msgs, config)``, ``llm.stream(msgs)``)
streams its tokens with the node's metadata and tags. :func:`bind_callbacks`, called at the
start of every node task, does the same for rxagent:

- it sets :data:`rxagent.models.current_sink` to a :class:`TaskSink` of the task, which
  rxagent's own models (``ScriptedModel``, ``LangChainModel``) stream into;
- when ``langchain_core`` has been imported (and only then: the core never imports it), it
  sets LangChain's ``var_child_runnable_config`` to the task's config, whose callbacks hold
  a handler that streams LangChain chat models into the same sink
  (``rxagent.integrations._langchain_callbacks``).

Only *function* nodes (sync or async) stream this way. A generator node yields its tokens
itself (``async for chunk in model.astream(...): yield chunk``, as ``create_agent``'s model
node does), so it gets no sink and the handler is left out of its config: nothing is emitted
twice. Whole messages a model call ends with are emitted once, deduplicated by id with the
tokens and with what the node returns.

Invariants:

- *Who emits.* A sink emits on the run's loop thread only. Called on the loop it emits at
  once; called from a node's worker thread it queues the emission with ``Flow.put`` (FIFO,
  applied on the loop, flushed before the task reports its end; the thread waits while the
  consumer is full), so the tokens of a sync node keep their order and precede its update.
- *Ended runs.* A queued emission is dropped once the run is closed; a thread that emits
  after that gets ``RunCancelledError`` from ``Flow.put``.
- *Scope.* The sink and the child config are context variables set in the task's own
  asyncio task: they reach the node's code and its threads (``run_in_thread`` copies the
  context) and nothing else.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from typing import Any

from rxagent._context import DONE
from rxagent.graph._run import Run
from rxagent.graph._task import Task
from rxagent.messages import AIMessageChunk, BaseMessage
from rxagent.models._sink import current_labels, current_sink

__all__ = ("TaskSink", "bind_callbacks", "node_config")

_STREAMING_KINDS = frozenset({"sync", "async"})

_bound: ContextVar[tuple[Task, dict[str, Any]] | None] = ContextVar(
    "rxagent_node_config", default=None
)
"""The config bound for the running task (what a node that takes ``config`` should get)."""


class TaskSink:
    """A node task's :class:`~rxagent.models.TokenSink`: the loop emits, threads queue.

    Example:
        >>> TaskSink.__slots__
        ('_emitter', '_metadata', '_run')
    """

    __slots__ = ("_emitter", "_metadata", "_run")

    def __init__(self, emitter: Task, run: Run, metadata: Mapping[str, Any] | None = None) -> None:
        self._emitter = emitter
        self._run = run
        self._metadata = metadata

    def token(self, chunk: AIMessageChunk) -> Awaitable[None]:
        """Emit ``chunk`` as a token of the task (see the module's invariants)."""
        run = self._run
        if threading.get_ident() == run.thread_id:
            self._emitter.token(chunk, self._metadata)
            return run.flow.room_for() if run.flow.pressure else DONE
        run.flow.put(self._token, chunk, run)
        return DONE

    def message(self, message: BaseMessage) -> None:
        """Emit a whole message, unless its id was streamed or emitted already."""
        run = self._run
        if threading.get_ident() == run.thread_id:
            self._emitter.message(message, self._metadata)
        else:
            run.flow.put(self._message, message, run)

    def labelled(self, metadata: Mapping[str, Any]) -> TaskSink:
        """This sink, its events carrying ``metadata`` (a LangChain model run's)."""
        return TaskSink(self._emitter, self._run, dict(metadata))

    def _token(self, chunk: AIMessageChunk) -> None:
        if not self._run.closed:
            self._emitter.token(chunk, self._metadata)

    def _message(self, message: BaseMessage) -> None:
        if not self._run.closed:
            self._emitter.message(message, self._metadata)


def bind_callbacks(kind: str, task: Task) -> None:
    """At the start of a node task: bind its token sink and LangChain's child config."""
    if kind == "graph":
        return  # the subgraph's own tasks bind theirs
    current_labels.set(task.add_token_metadata)  # models add their ls_* keys (label_tokens)
    streams = kind in _STREAMING_KINDS and "messages" in task.run.modes
    sink = TaskSink(task, task.run) if streams else None
    current_sink.set(sink)
    if "langchain_core" not in sys.modules:
        _bound.set(None)
        return
    from rxagent.integrations._langchain_callbacks import bind_child_config

    config = _config(task)
    bind_child_config(config, sink)
    _bound.set((task, config))


def node_config(task: Task) -> dict[str, Any]:
    """The config for a node that declares a ``config`` parameter, LangGraph's shape.

    When LangChain is in use it is the child config bound for the task (with the callbacks
    that stream its chat models), so ``llm.invoke(messages, config)`` streams as in LangGraph.

    Example:
        >>> node_config.__name__
        'node_config'
    """
    bound = _bound.get()
    if bound is not None and bound[0] is task:
        return bound[1]
    return _config(task)


def _config(task: Task) -> dict[str, Any]:
    """The task's config: its tags and metadata as LangGraph gives them to a node.

    No ``run_id``: in a LangChain config that is the id of the next call, not of the run.
    The run config's ``callbacks`` (LangChain handlers, or a callback manager) are passed
    on, so the chat-model runs of the nodes reach them, as under LangGraph.
    """
    metadata = dict(task.metadata)
    tags = metadata.pop("tags", [])
    config = {
        "tags": list(tags),
        "metadata": metadata,
        "recursion_limit": task.run.recursion_limit,
        "configurable": {"checkpoint_ns": task.checkpoint_ns, "task_id": task.task_id},
    }
    if task.run.callbacks is not None:
        from rxagent.integrations._langchain_callbacks import inherited

        config["callbacks"] = inherited(task.run.callbacks)
    return config
