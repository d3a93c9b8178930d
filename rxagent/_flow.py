"""Flow control between the producers of a run and the one consumer that pulls its events.

This module is the one backpressure mechanism of rxagent. A bridge (``to_iter``,
``to_aiter``, ``stream()``, ``astream()``) creates a :class:`Flow` for its buffer and
subscribes with a :class:`LoopScheduler` that carries it; the runtime finds it through the
``scheduler`` argument of ``subscribe`` (every reactivex operator passes it on). Without a
bridge a run gets a flow of its own that never has pressure.

Producers are of two kinds. *Loop producers* (model streams, async generators, async
tools awaiting their writer) run on the run's event loop and emit directly. *Thread
producers* (sync tools and nodes, sync generators, any plain thread pushing into a bridge)
cannot touch the loop: they :meth:`Flow.put` calls into a queue that the loop applies.

Invariants (each has a test in ``tests/bridges/test_flow.py``):

I1. *Held.* ``held = len(buffer) + len(queue)``: every event a producer has emitted and the
    consumer has not pulled, wherever it waits.
I2. *Pressure.* ``pressure`` is set (on the loop) when ``held`` reaches ``maxsize`` and
    cleared when ``held`` falls to ``maxsize // 2``: by the consumer as it pulls, or by the
    loop after it applied queued calls that pushed nothing (the consumer's filter dropped
    them). ``held``, not the buffer alone: a thread may queue a batch while the buffer
    has room (I4), and loop producers must not fill that room meanwhile.
I3. *Loop producers* check ``pressure`` after every item they emit and, while it is set,
    wait on one future that is resolved when pressure is cleared. So each adds
    at most one event past ``maxsize``.
I4. *Thread producers* wait in :meth:`Flow.put` while ``pressure`` is set or the queue holds
    as many items as the buffer has room for (at most :data:`THREAD_BATCH`, or
    :data:`THREAD_SLACK` until the loop applied a first batch; at least
    :data:`THREAD_SLACK`), on one ``threading.Event`` set when pressure is cleared, by the
    loop after it applied the queue, and when a run closes. So threads
    add at most ``THREAD_SLACK`` (plus one per thread) past ``maxsize``.
I5. *Order.* The queue is FIFO and applied on the loop in one callback per batch; a node's
    queue is applied (:meth:`Flow.flush`) before the loop reports the node's end, so a
    task's progress always precedes its update.
I6. *Threads.* The queue, its ``scheduled`` flag and the thread-side high-water mark are
    guarded by one lock; ``pressure`` is a bool written only on the loop and read anywhere.
I7. *Pacing.* A loop producer looks at :meth:`Flow.due` after its first item, then every
    :data:`PACE_EVERY` items, and yields a turn to the loop at the first look of the flow
    and once :data:`PACE_HELD` events wait in the buffer (or once it has run
    :data:`YIELD_EVERY` seconds since it last resumed, for fairness when there is no
    buffer: the time it waited for its turn does not count). A consumer that
    keeps up therefore holds at most ``PACE_HELD + PACE_EVERY`` events: events are pulled
    young, before the cyclic GC's young collections promote them (pacing by events in
    flight, not by time: 1 ms of a fast producer is hundreds of events).

With ``maxsize`` events held, I2, I3 and I4 give ``held <= maxsize + THREAD_SLACK +
(producers in flight)``; the bridges report ``held``, ``high_water`` and ``blocked_s``
through ``statistics()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Sized
from typing import Any, Protocol

from reactivex.scheduler.eventloop import AsyncIOScheduler

from rxagent._eager import on_loop

THREAD_SLACK = 32
"""Calls a thread producer may queue past the consumer's room before it waits for the loop
to apply them."""

THREAD_BATCH = 256
"""Calls a thread producer may queue, while the consumer's buffer has room for them, before
it waits for the loop, once the loop has applied a first batch (the first is at most
:data:`THREAD_SLACK`, so the first event is not held back): each wait is a wake-up of both
threads, so fewer of them make a fast sync tool's progress cheaper."""

YIELD_EVERY = 0.001
"""Seconds a loop producer may run before it yields a turn to the loop (fairness, not
backpressure: consumers on the same loop see events while a model streams)."""

PACE_HELD = 64
"""Events waiting for the consumer at which a loop producer yields a turn to it (I7)."""

PACE_EVERY = 16
"""Items a loop producer emits between two looks at :meth:`Flow.due` (I7)."""

UNBOUNDED = 1 << 62
"""The ``maxsize`` of a flow with no consumer buffer."""


class RunCancelledError(asyncio.CancelledError):
    """Raised in a thread that emits after its run was cancelled or ended."""


class Owner(Protocol):
    """What queues calls through a flow: a run, which may close."""

    closed: bool


class Flow:
    """Credit between the producers of one or more runs and one consumer.

    Example:
        >>> flow = Flow(maxsize=64)
        >>> flow.pressure, flow.held()
        (False, 0)
    """

    __slots__ = (
        "_batch",
        "_lock",
        "_room",
        "_scheduled",
        "_since",
        "_space",
        "blocked_s",
        "buffer",
        "last_yield",
        "loop",
        "low",
        "maxsize",
        "pressure",
        "queue",
        "tasks",
        "thread_high",
    )

    def __init__(self, maxsize: int = UNBOUNDED) -> None:
        self.maxsize = maxsize
        self.low = maxsize // 2
        self.pressure = False
        """True while the consumer's buffer is full: producers that can wait, wait."""
        self.buffer: Sized = ()
        """The consumer's buffer (its length counts in :meth:`held`)."""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: deque[tuple[Callable[[Any], None], Any]] = deque()
        self._room: threading.Event | None = None
        """What thread producers wait on for room (I4): made by the first one that waits."""
        self._lock = threading.Lock()
        self._scheduled = False
        self._batch = THREAD_SLACK
        self._space: asyncio.Future[None] | None = None
        self._since = 0.0
        self.blocked_s = 0.0
        """Seconds the consumer's buffer was full (producers held back)."""
        self.thread_high = 0
        """The most events held at once, seen by a thread producer (guarded by the lock)."""
        self.last_yield = -math.inf
        """When a loop producer last yielded a turn; never, at first: the first look at
        :meth:`due` (after a producer's first item) yields, so the consumer sees the first
        event without waiting for a slice of the producer (a run that starts eagerly
        streams its first event before ``subscribe`` returns)."""
        self.tasks: set[asyncio.Task[Any]] = set()
        """Every asyncio task of the runs feeding this consumer, awaited when it closes."""

    def held(self) -> int:
        """Events emitted and not yet pulled: the buffer plus the thread queue (I1)."""
        return len(self.buffer) + len(self.queue)

    # -- consumer side -------------------------------------------------------------------

    def hold(self) -> None:
        """On the loop, when ``held`` reached ``maxsize`` (I2)."""
        if not self.pressure:
            self.pressure = True
            self._since = time.perf_counter()

    def release(self) -> None:
        """On the loop, when ``held`` fell to ``low`` (I2): wake every producer."""
        if self.pressure:
            self.pressure = False
            self.blocked_s += time.perf_counter() - self._since
        self._open_room()
        space, self._space = self._space, None
        if space is not None and not space.done():
            if on_loop(space.get_loop()):
                space.set_result(None)
            else:
                space.get_loop().call_soon_threadsafe(_settle, space)

    # -- loop producers ------------------------------------------------------------------

    async def pace(self) -> None:
        """Yield to the loop: until there is room under pressure (I3), else for one turn."""
        while self.pressure:
            if self._space is None:
                self._space = asyncio.get_running_loop().create_future()
            await self._space
        await asyncio.sleep(0)
        # stamped on resuming: the turn spent waiting behind other tasks is not running time
        # (stamped before it, a producer among 100 runs would find itself due at its next
        # look, after ``PACE_EVERY`` items instead of ``PACE_HELD``: four times the switches)
        self.last_yield = time.perf_counter()

    def due(self) -> bool:
        """Whether a loop producer should call :meth:`pace` now."""
        return (
            self.pressure
            or len(self.buffer) >= PACE_HELD
            or time.perf_counter() - self.last_yield >= YIELD_EVERY
        )

    def room_for(self) -> Room:
        """An awaitable that waits while there is pressure (what the writer returns)."""
        return Room(self)

    # -- thread producers ----------------------------------------------------------------

    def put(self, fn: Callable[[Any], None], arg: Any, owner: Owner) -> None:
        """From any thread: run ``fn(arg)`` on the loop after everything put before it.

        Waits while the consumer is full or the queue holds what the buffer has room for
        (at most :data:`THREAD_BATCH` calls, at least :data:`THREAD_SLACK`) (I4).

        Raises:
            RunCancelledError: ``owner`` closed; the thread should stop.
        """
        if owner.closed:
            raise RunCancelledError("the run this thread emits to was cancelled or has ended")
        queue, lock = self.queue, self._lock
        lock.acquire()  # not ``with``: a call fewer, the per-event path of a sync tool
        try:
            queue.append((fn, arg))
            waiting = len(queue)
            held = len(self.buffer) + waiting
            if held > self.thread_high:
                self.thread_high = held
            if self._scheduled:
                wake = False
            else:
                wake = self._scheduled = True
        finally:
            lock.release()
        if wake:
            loop = self.loop
            assert loop is not None, "a flow's loop is set before threads can put"
            loop.call_soon_threadsafe(self._apply)
        # :meth:`_at_limit` in line, on the lengths read under the lock: the per-event path
        # (:meth:`_wait_for_room` looks again before it waits)
        if self.pressure or (
            waiting >= THREAD_SLACK and (waiting >= self._batch or held >= self.maxsize)
        ):
            self._wait_for_room(owner)

    def _wait_for_room(self, owner: Owner) -> None:
        """A thread producer waits while the consumer is full or the queue is at its limit."""
        while self.pressure or self._at_limit():
            room = self._room or self._made_room()
            room.clear()
            if owner.closed:
                raise RunCancelledError("the run this thread emits to was cancelled or has ended")
            if self.pressure or self._at_limit():
                room.wait()

    def _at_limit(self) -> bool:
        """Whether the thread queue holds what the buffer has room for (I4): at least
        ``THREAD_SLACK`` calls, at most the batch (``THREAD_BATCH``, or ``THREAD_SLACK``
        until the loop applied a first batch). Read without the lock: a stale length errs by
        items the loop moved from the queue to the buffer meanwhile, which leave ``held``
        as it is."""
        waiting = len(self.queue)
        return waiting >= THREAD_SLACK and (
            waiting >= self._batch or waiting + len(self.buffer) >= self.maxsize
        )

    def _apply(self) -> None:
        """On the loop: apply the calls queued so far, in order (I5)."""
        queue = self.queue
        with self._lock:
            self._scheduled = False
            self._batch = THREAD_BATCH  # the first batch is out: larger ones from now on
            count = len(queue)
        for _ in range(count):
            fn, arg = queue[0]
            try:
                fn(arg)
            finally:
                queue.popleft()  # after fn: an event is never out of both counts
        if not self.pressure:
            self._open_room()
        elif self.held() <= self.low:
            # the calls pushed less than they counted for (a consumer's filter dropped
            # them): no pull would release the pressure they set (I2)
            self.release()

    def flush(self) -> None:
        """On the loop: apply every queued call now (before a task reports its end)."""
        while self.queue:
            self._apply()

    def closed(self) -> None:
        """A run ended: wake its waiting threads so they see it (I4)."""
        self._open_room()

    def _open_room(self) -> None:
        """Wake the threads waiting for room, if one ever waited. A thread that makes the
        event after this looked checks the state again before it waits (:meth:`put`)."""
        room = self._room
        if room is not None:
            room.set()

    def _made_room(self) -> threading.Event:
        """The event thread producers wait on (most runs never have one: it is made here)."""
        with self._lock:
            if self._room is None:
                self._room = threading.Event()
            return self._room

    async def finished(self) -> None:
        """Wait until every task of the runs feeding this flow has finished its cleanup."""
        while pending := [task for task in self.tasks if not task.done()]:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)

    def peak(self) -> int:
        """The most events held at once, seen by a thread producer (the bridge's buffer
        keeps the mark seen on the loop)."""
        with self._lock:
            return self.thread_high


class Room:
    """``await writer(x)``: waits while the consumer's buffer is full; else returns at once."""

    __slots__ = ("_flow",)

    def __init__(self, flow: Flow) -> None:
        self._flow = flow

    def __await__(self) -> Generator[Any, None, None]:
        flow = self._flow
        while flow.pressure:
            yield from flow.pace().__await__()


class LoopScheduler(AsyncIOScheduler):
    """An ``AsyncIOScheduler`` that also carries the consumer's :class:`Flow`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, flow: Flow) -> None:
        super().__init__(loop)
        self.flow = flow
        self.loop = loop


def flow_of(scheduler: Any) -> Flow:
    """The :class:`Flow` a subscriber passed in, or a fresh one (no consumer pressure)."""
    flow = getattr(scheduler, "flow", None)
    return flow if isinstance(flow, Flow) else Flow()


def loop_of(scheduler: Any) -> asyncio.AbstractEventLoop | None:
    """The event loop to run on: the scheduler's, else the running one, else ``None``."""
    loop = getattr(scheduler, "_loop", None)
    if isinstance(loop, asyncio.AbstractEventLoop):
        return loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
