"""LangChain's side of node-task streaming: a callback handler that feeds a token sink.

Imported by ``rxagent.graph._callbacks`` only once ``langchain_core`` has been imported, so
the core never needs it. :class:`TokenHandler` is LangGraph's ``StreamMessagesHandler`` for
chat-model runs: ``on_chat_model_start`` keeps the run's metadata (the node's, LangChain's
``ls_*`` keys, the model's own) unless the run is tagged ``nostream``;
``on_llm_new_token`` emits each chunk; ``on_llm_end`` emits the whole message, which the
task's dedupe drops when its tokens were streamed.

It is a ``_StreamingCallbackHandler``, as LangGraph's is, so that ``llm.invoke`` streams
when it is attached, and ``run_inline``, so that under ``ainvoke`` it runs on the loop (not
in an executor). Called from a node's worker thread (``llm.invoke`` in a sync node) it hands
the chunks to the sink, which queues them to the loop in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    GenerationChunk,
    LLMResult,
)
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.tracers._streaming import _StreamingCallbackHandler

from rxagent.integrations._langchain_convert import _chunk_from_langchain, from_langchain
from rxagent.models._sink import NOSTREAM, TokenSink

T = TypeVar("T")


class TokenHandler(BaseCallbackHandler, _StreamingCallbackHandler[Any]):
    """Streams the chat-model runs of one node task into its token sink.

    Args:
        sink: the task's sink.
        metadata: the task's metadata, under each run's (it fills in the ``langgraph_*``
            keys when the node passed on a config without them).
        tags: the task's tags, before each run's.
    """

    run_inline = True

    def __init__(self, sink: TokenSink, metadata: Mapping[str, Any], tags: list[str]) -> None:
        self._sink = sink
        self._metadata = metadata
        self._tags = tags
        self._runs: dict[UUID, TokenSink] = {}

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """Pass a streamed output through untouched."""
        return output

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Pass a streamed output through untouched."""
        return output

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Keep the run's metadata, unless the run is tagged ``nostream``."""
        if tags and NOSTREAM in tags:
            return
        labels = {**self._metadata, **(metadata or {})}
        own = [tag for tag in tags or () if tag not in self._tags]
        user_tags = [tag for tag in (*self._tags, *own) if not tag.startswith("seq:step")]
        if user_tags:
            labels["tags"] = user_tags
        self._runs[run_id] = self._sink.labelled(labels)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Emit one chunk of a chat-model run."""
        if not isinstance(chunk, ChatGenerationChunk):
            return
        sink = self._runs.get(run_id)
        if sink is not None:
            sink.token(_chunk_from_langchain(chunk.message))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the whole message (dropped by the dedupe if its tokens were streamed)."""
        sink = self._runs.pop(run_id, None)
        if sink is None or not response.generations or not response.generations[0]:
            return
        generation = response.generations[0][0]
        if isinstance(generation, ChatGeneration):
            sink.message(from_langchain(generation.message))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Forget a failed run."""
        self._runs.pop(run_id, None)


def bind_child_config(config: dict[str, Any], sink: TokenSink | None) -> None:
    """Make ``config`` LangChain's child config for the running task.

    With a sink, its callbacks hold a :class:`TokenHandler` besides the run's own handlers
    (added to ``config`` itself, so a node given the same config passes the handler on).
    """
    if sink is not None:
        handler = TokenHandler(sink, config["metadata"], config["tags"])
        config["callbacks"] = _with_handler(config.get("callbacks"), handler)
    var_child_runnable_config.set(config)  # type: ignore[arg-type]


def inherited(callbacks: Any) -> Any:
    """What the run config's ``callbacks`` give the runs inside a node, as under LangGraph.

    A list of handlers reaches them all; a callback manager passes on its inheritable
    handlers, tags and metadata only (its own handlers see the graph's run, which rxagent
    does not report).
    """
    if not isinstance(callbacks, BaseCallbackManager):
        return list(callbacks)
    handlers = list(callbacks.inheritable_handlers)
    tags = list(callbacks.inheritable_tags)
    metadata = dict(callbacks.inheritable_metadata)
    return type(callbacks)(
        handlers,
        list(handlers),
        callbacks.parent_run_id,
        tags=tags,
        inheritable_tags=list(tags),
        metadata=metadata,
        inheritable_metadata=dict(metadata),
    )


def _with_handler(callbacks: Any, handler: BaseCallbackHandler) -> Any:
    """The run's ``callbacks`` (a list of handlers or a manager) and ``handler``."""
    if callbacks is None:
        return [handler]
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=True)
        return manager
    return [*callbacks, handler]
