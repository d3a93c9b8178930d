"""Where a chat model called inside a node streams its tokens: the running task's sink.

LangGraph streams the tokens of any chat model a node calls (``llm.invoke(...)``,
``llm.stream(...)``) through a callback handler it puts in the node's config. rxagent's own
models do the same through :data:`current_sink`, which the graph runtime sets for every
function node (sync or async) of a run that streams ``messages``. A generator node yields its
tokens itself (the ``async for chunk in model.astream(...): yield chunk`` idiom of rxagent),
so there the sink is ``None`` and nothing is emitted twice.

This module is the models' side of the contract: it imports nothing from the graph runtime.

Example:
    >>> current_sink.get() is None
    True
    >>> streaming_sink({"tags": ["nostream"]}) is None
    True
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

from rxagent.messages import AIMessageChunk, BaseMessage

NOSTREAM = "nostream"
"""A model (or call) tagged with it is not streamed in ``messages`` mode, as in LangGraph."""


class TokenSink(Protocol):
    """What a model calls to stream into the ``messages`` mode of the running node task.

    Safe to call from the run's loop and from the node's worker threads: a sink hands what
    a thread emits to the loop in order (and makes the thread wait while the consumer is
    full).
    """

    def token(self, chunk: AIMessageChunk) -> Awaitable[None]:
        """Emit one token; on the loop, awaiting the result waits while the consumer is full."""
        ...

    def message(self, message: BaseMessage) -> None:
        """Emit a whole message once (not if its id was streamed or emitted already)."""
        ...

    def labelled(self, metadata: Mapping[str, Any]) -> TokenSink:
        """The same sink, its events carrying ``metadata`` instead of the task's."""
        ...


current_sink: ContextVar[TokenSink | None] = ContextVar("rxagent_token_sink", default=None)
"""The sink of the node task whose code is running; ``None`` outside a streaming node."""


current_labels: ContextVar[Callable[[Mapping[str, Any]], None] | None] = ContextVar(
    "rxagent_token_labels", default=None
)
"""Adds metadata to the tokens of the node task whose code is running (set by the runtime)."""


def label_tokens(params: Mapping[str, Any]) -> None:
    """Give the running node task's tokens a model's ``ls_*`` keys, as LangGraph copies a chat
    model's ``_get_ls_params()`` into its token metadata; outside a node task, nothing.

    Example:
        >>> label_tokens({"ls_provider": "scripted"})  # outside a run: nothing happens
    """
    label = current_labels.get()
    if label is not None:
        label(params)


def streaming_sink(config: Mapping[str, Any] | None) -> TokenSink | None:
    """The current sink, unless the call's ``config`` tags it ``nostream``.

    Example:
        >>> streaming_sink(None) is None
        True
    """
    sink = current_sink.get()
    if sink is None or not config:
        return sink
    tags = config.get("tags")
    return None if tags and NOSTREAM in tags else sink
