"""Moving signals from worker threads onto the run's event loop, in order and in batches.

Sync nodes and sync tools run in worker threads; what they emit (tokens of a sync
generator, custom payloads) is appended here and applied on the loop thread. One
``call_soon_threadsafe`` wakes the loop per batch, not per item, and everything a thread
handed over is applied before the loop learns that the thread's function returned (both go
through the loop's FIFO of callbacks), so a task's signals always precede its update.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rxagent.bridges._flow import Flow


class RunCancelledError(asyncio.CancelledError):
    """Raised in a worker thread that emits after its run was cancelled or finished."""


BATCH = 256
"""Items applied per loop turn, so a fast thread cannot starve the consumer."""

NUDGE_EVERY = 0.001
"""Seconds between the moments a busy emitting thread offers the GIL to the loop."""

LIMIT = 8192
"""Items a thread may hand over before it waits for the loop to catch up."""


class Handoff:
    """A thread-safe, order-keeping queue of ``fn(arg)`` calls to run on ``loop``.

    Bounded: a thread that hands over more than :data:`LIMIT` items waits until the loop
    has applied half of them, and the loop applies none while the consumer's flow is under
    pressure, so a thread emitting faster than the consumer reads is slowed down instead of
    filling memory.
    """

    __slots__ = ("_flow", "_items", "_loop", "_nudged", "_room", "_scheduled", "closed")

    def __init__(self, loop: asyncio.AbstractEventLoop, flow: Flow) -> None:
        self._items: deque[tuple[Callable[[Any], None], Any]] = deque()
        self._loop = loop
        self._flow = flow
        self._scheduled = False
        self._room = threading.Event()
        self._room.set()
        self._nudged = 0.0
        self.closed = False

    def put(self, fn: Callable[[Any], None], arg: Any) -> None:
        """From a worker thread: run ``fn(arg)`` on the loop, after everything put before it.

        Raises:
            RunCancelledError: the run is over; the thread should stop.
        """
        if self.closed:
            raise RunCancelledError("the run this thread emits to was cancelled or has ended")
        items = self._items
        items.append((fn, arg))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon_threadsafe(self._drain)
        if len(items) > LIMIT:
            self._wait_for_room()
        now = time.perf_counter()
        if now - self._nudged >= NUDGE_EVERY:
            # let the loop thread take the GIL now rather than at the next forced switch
            # (5 ms by default): the consumer sees a busy thread's events as they come
            self._nudged = now
            time.sleep(0)

    def _wait_for_room(self) -> None:
        while len(self._items) > LIMIT // 2 and not self.closed:
            self._room.clear()
            if len(self._items) > LIMIT // 2:
                self._room.wait(0.05)
        if self.closed:
            raise RunCancelledError("the run this thread emits to was cancelled or has ended")

    def _drain(self) -> None:
        self._scheduled = False
        if self._flow.pressure:
            self._flow.on_release(self._schedule)
            return
        items = self._items
        for _ in range(min(len(items), BATCH)):
            fn, arg = items.popleft()
            fn(arg)
        if len(items) <= LIMIT // 2:
            self._room.set()
        if items:
            self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._drain)

    def flush(self) -> None:
        """On the loop: apply everything handed over so far (before a task reports its end)."""
        items = self._items
        while items:
            fn, arg = items.popleft()
            fn(arg)
        self._room.set()

    def close(self) -> None:
        """The run is over: threads that emit from now on get ``RunCancelledError``."""
        self.closed = True
        self._room.set()
