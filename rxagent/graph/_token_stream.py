"""Token nodes: a node returns its model's chunk stream, and the engine drains it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, "TokenStream"]])

_MARK = "__rxagent_token_node__"


@dataclass(frozen=True, slots=True)
class TokenStream:
    """What a :func:`token_node` returns: a model's chunks, then an update.

    The engine emits each item of ``chunks`` as the node's own (an ``AIMessageChunk`` as a
    token in ``messages`` mode), hands it to ``each`` (e.g. ``ChunkAccumulator.add``), and
    when ``chunks`` ends emits what ``result()`` returns (e.g. ``{"messages": [message]}``).
    """

    chunks: AsyncIterator[Any]
    each: Callable[[Any], object]
    result: Callable[[], Any]


def token_node(fn: F) -> F:
    """Mark an async node function that returns a :class:`TokenStream` (node kind "tokens").

    It streams as the async generator node that re-yields the chunks and then yields the
    update (pacing, backpressure, errors; cancelling the run closes the stream), with one
    async-generator layer less per token. As for a generator node, no token sink is bound
    for the models it calls: its tokens are the ones it returns. ``create_agent``'s model
    node is one.
    """
    setattr(fn, _MARK, True)
    return fn


def is_token_node(fn: Any) -> bool:
    """Whether ``fn`` was marked by :func:`token_node`."""
    return getattr(fn, _MARK, False) is True
