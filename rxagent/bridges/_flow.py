"""Flow control between a run and the consumer that pulls its events.

Rx pushes; iterators pull. A bridge (``to_iter``/``to_aiter``) subscribes with a
:class:`LoopScheduler` that carries a :class:`Flow`. The runtime finds it through the
``scheduler`` argument of ``subscribe`` (every reactivex operator passes it on) and waits at
its yield points while ``flow.pressure`` is set: that is the ``"block"`` policy. Without a
bridge the run still yields to the event loop about once a millisecond, so consumers in
the same loop see events while a model streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from reactivex.scheduler.eventloop import AsyncIOScheduler

YIELD_EVERY = 0.001
"""Seconds a producer may run before it yields to the event loop."""


class Flow:
    """The consumer's side of flow control, shared by every producer of a run.

    Example:
        >>> flow = Flow()
        >>> flow.pressure
        False
    """

    __slots__ = ("_released", "_renewing", "_space", "last_yield", "pressure", "tasks")

    def __init__(self) -> None:
        self.pressure = False
        """True while the consumer's buffer is full: producers that can wait, wait."""
        self.last_yield = time.perf_counter()
        self._space: asyncio.Future[None] | None = None
        self._released: list[Callable[[], None]] = []
        self._renewing = False
        self.tasks: set[asyncio.Task[Any]] = set()
        """The run tasks feeding this consumer, awaited when it closes."""

    def hold(self) -> None:
        """Called by the consumer when its buffer is full."""
        self.pressure = True

    def release(self) -> None:
        """Called by the consumer when its buffer has room again."""
        self.pressure = False
        space, self._space = self._space, None
        if space is not None and not space.done():
            space.set_result(None)
        callbacks, self._released = self._released, []
        for callback in callbacks:
            callback()

    def on_release(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, at the next :meth:`release`."""
        self._released.append(callback)

    async def pace(self) -> None:
        """Yield to the loop: until there is room under pressure, else for one turn.

        The clock restarts at the loop's next turn, not now, so every other producer that
        runs in this turn yields at its next check too: eight parallel model streams
        delay the consumer by about one period, not eight.
        """
        while self.pressure:
            if self._space is None:
                self._space = asyncio.get_running_loop().create_future()
            await self._space
        if not self._renewing:
            self._renewing = True
            asyncio.get_running_loop().call_soon(self._renew)
        await asyncio.sleep(0)

    def _renew(self) -> None:
        self._renewing = False
        self.last_yield = time.perf_counter()

    def due(self) -> bool:
        """Whether a producer should call :meth:`pace` now."""
        return self.pressure or time.perf_counter() - self.last_yield >= YIELD_EVERY


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
