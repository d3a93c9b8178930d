"""Type aliases shared across rxagent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias, get_args

StreamMode: TypeAlias = Literal["values", "updates", "messages", "custom", "tasks", "tools"]
"""The stream modes rxagent emits, with LangGraph's meaning."""

STREAM_MODES: tuple[StreamMode, ...] = get_args(StreamMode)
"""Every valid stream mode, in LangGraph's documentation order."""

StreamWriter: TypeAlias = Callable[[Any], None]
"""What ``get_stream_writer()`` returns: call it with any payload to emit a ``custom`` event."""

Namespace: TypeAlias = tuple[str, ...]
"""A namespace path: ``()`` for the root graph, ``("agent:<task_id>",)`` inside a subgraph."""
