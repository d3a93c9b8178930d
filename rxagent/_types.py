"""Type aliases shared across rxagent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias, get_args

StreamMode: TypeAlias = Literal["values", "updates", "messages", "custom", "tasks", "tools"]
"""The stream modes rxagent emits, with LangGraph's meaning."""

STREAM_MODES: tuple[StreamMode, ...] = get_args(StreamMode)
"""Every valid stream mode, in LangGraph's documentation order."""

StreamWriter: TypeAlias = Callable[[Any], Awaitable[None]]
"""What ``get_stream_writer()`` returns: call it with any payload to emit a ``custom`` event.

The call returns an awaitable: code on the event loop (async tools and nodes) may
``await writer(x)`` to wait while the consumer's buffer is full; not awaiting it is fine."""

Namespace: TypeAlias = tuple[str, ...]
"""A namespace path: ``()`` for the root graph, ``("agent:<task_id>",)`` inside a subgraph."""

SKIP: Any = object()
"""What a :data:`Shape` (or a bridge's ``accept`` function) returns for an item a face does
not yield."""

Shape: TypeAlias = Callable[[str, Namespace, Any], Any]
"""How a face shapes an event from its ``(mode, ns, data)``: the item it yields, or
:data:`SKIP`. Given one, the engine shapes items itself and builds no event objects."""
