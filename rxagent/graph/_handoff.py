"""Moving signals from worker threads onto the run's event loop, in order and in batches.

Sync nodes and sync tools run in worker threads; what they emit (tokens of a sync
generator, custom payloads) is appended here and applied on the loop thread. One
``call_soon_threadsafe`` wakes the loop per batch, not per item, and everything a thread
handed over is applied before the loop learns that the thread's function returned (both go
through the loop's FIFO of callbacks), so a task's signals always precede its update.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any


class RunCancelledError(asyncio.CancelledError):
    """Raised in a worker thread that emits after its run was cancelled or finished."""


class Handoff:
    """A thread-safe, order-keeping queue of ``fn(arg)`` calls to run on ``loop``."""

    __slots__ = ("_items", "_loop", "_scheduled", "closed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._items: deque[tuple[Callable[[Any], None], Any]] = deque()
        self._loop = loop
        self._scheduled = False
        self.closed = False

    def put(self, fn: Callable[[Any], None], arg: Any) -> None:
        """From any thread: run ``fn(arg)`` on the loop, after everything put before it.

        Raises:
            RunCancelledError: the run is over; the thread should stop.
        """
        if self.closed:
            raise RunCancelledError("the run this thread emits to was cancelled or has ended")
        self._items.append((fn, arg))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        self._scheduled = False
        items = self._items
        while items:
            fn, arg = items.popleft()
            fn(arg)
