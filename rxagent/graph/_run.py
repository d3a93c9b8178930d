"""What one run shares across its graphs, tasks and threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from rxagent._flow import Flow
from rxagent._sink import Sink
from rxagent._types import SKIP, Namespace, Shape, StreamMode
from rxagent._uuid import uuid4_str
from rxagent.graph._constants import DEFAULT_RECURSION_LIMIT


class Run:
    """One subscription to a graph: its id, modes, sink, loop, threads and counters."""

    __slots__ = (
        "__weakref__",
        "callbacks",
        "closed",
        "context",
        "flow",
        "loop",
        "metadata",
        "modes",
        "observer",
        "recursion_limit",
        "run_id",
        "seen",
        "seq",
        "shape",
        "tags",
        "thread_id",
    )

    def __init__(
        self,
        observer: Sink,
        modes: frozenset[StreamMode],
        flow: Flow,
        config: Mapping[str, Any] | None,
        context: Any = None,
        shape: Shape | None = None,
    ) -> None:
        config = config or {}
        self.context = context
        self.run_id = str(config.get("run_id") or uuid4_str())
        self.observer = observer
        self.shape = shape
        """Set by ``stream()``: the engine pushes shaped items, not events."""
        self.modes = modes
        self.flow = flow
        self.loop = asyncio.get_running_loop()
        if flow.loop is None:
            flow.loop = self.loop
        self.thread_id = threading.get_ident()
        self.recursion_limit = _recursion_limit(config)
        self.tags: list[str] = list(config.get("tags") or ())
        self.metadata: dict[str, Any] = dict(config.get("metadata") or {})
        self.callbacks: Any = config.get("callbacks")
        self.seq = 0
        self.seen: dict[Namespace, set[str]] = {}
        self.closed = False

    def push_shaped(self, mode: str, ns: Namespace, data: Any) -> None:
        """Push the item ``shape`` makes of an event (nothing if the face skips it)."""
        item = self.shape(mode, ns, data)  # type: ignore[misc]  # set: the caller checked
        if item is not SKIP:
            self.observer.on_next(item)

    def forward(self, event: Any) -> None:
        """Push an event that is already stamped (one of another run), shaped if need be."""
        if self.shape is None:
            self.observer.on_next(event)
        else:
            self.push_shaped(event.mode, event.ns, event.data)

    def close(self) -> None:
        """End the run: threads that emit from now on get ``RunCancelledError``."""
        self.closed = True
        self.flow.closed()


def _recursion_limit(config: Mapping[str, Any]) -> int:
    limit = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"recursion_limit must be a positive int, got {limit!r}")
    return limit
