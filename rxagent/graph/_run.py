"""What one run shares across its graphs, tasks and threads."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from reactivex.abc import ObserverBase

from rxagent._types import Namespace, StreamMode
from rxagent.bridges._flow import Flow
from rxagent.graph._constants import DEFAULT_RECURSION_LIMIT
from rxagent.graph._handoff import Handoff

if TYPE_CHECKING:
    from rxagent.graph._task import Task

current_task: ContextVar[Task | None] = ContextVar("rxagent_current_task", default=None)
"""The node task whose code is running (set inside every node run)."""


class Run:
    """One subscription to a graph: its id, modes, sink, loop, threads and counters."""

    __slots__ = (
        "closed",
        "executor",
        "flow",
        "handoff",
        "loop",
        "metadata",
        "modes",
        "observer",
        "recursion_limit",
        "run_id",
        "seen",
        "seq",
        "tags",
        "thread_id",
    )

    def __init__(
        self,
        observer: ObserverBase[Any],
        modes: frozenset[StreamMode],
        flow: Flow,
        config: Mapping[str, Any] | None,
    ) -> None:
        config = config or {}
        self.run_id = str(config.get("run_id") or uuid.uuid4())
        self.observer = observer
        self.modes = modes
        self.flow = flow
        self.loop = asyncio.get_running_loop()
        self.thread_id = threading.get_ident()
        self.handoff = Handoff(self.loop, flow)
        self.executor: ThreadPoolExecutor | None = None
        self.recursion_limit = _recursion_limit(config)
        self.tags: list[str] = list(config.get("tags") or ())
        self.metadata: dict[str, Any] = dict(config.get("metadata") or {})
        self.seq = 0
        self.seen: dict[Namespace, set[str]] = {}
        self.closed = False

    def threads(self) -> ThreadPoolExecutor:
        """The run's worker threads for sync nodes and tools, started on first use."""
        if self.executor is None:
            self.executor = ThreadPoolExecutor(thread_name_prefix=f"rxagent-{self.run_id[:8]}")
        return self.executor

    def close(self) -> None:
        """End the run: threads that emit from now on get ``RunCancelledError``."""
        self.closed = True
        self.handoff.close()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)


def _recursion_limit(config: Mapping[str, Any]) -> int:
    limit = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"recursion_limit must be a positive int, got {limit!r}")
    return limit
