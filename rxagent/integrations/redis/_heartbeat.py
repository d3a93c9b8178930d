"""The producer's heartbeat: one task that beats every ``interval`` while a run lives.

Concurrency invariants: the task runs on the producer's loop, beside the task that appends
(both use the producer's client; the pool gives each its own connection). It is the only
thing that calls ``beat``; it never raises (a lost connection is logged and the next beat
tried; the appends report the outage), and it stops for good, setting :attr:`ended`, once
``beat`` says the log ended without this producer. :meth:`stop` cancels it and waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rxagent.integrations.redis._connect import LOG, LOST, cancel_and_wait, raise_if_cancelling

_STOP_MARGIN = 5.0  # seconds past one interval that stop() waits for the task


class Heartbeat:
    """Calls ``beat()`` every ``interval`` seconds until stopped or ``beat()`` is ``False``."""

    def __init__(self, beat: Callable[[], Awaitable[bool]], interval: float, name: str) -> None:
        self._beat = beat
        self.interval = interval
        self.name = name
        self.ended = False
        """Whether a beat found the log ended (by someone else: this producer was presumed
        dead)."""
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        """Set by :meth:`stop`: the loop ends at its next turn even if a cancellation that
        landed inside redis-py was swallowed there."""

    def start(self) -> None:
        """Start beating (the first beat after ``interval``: an append beats too)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop beating; return when the task has finished (at the latest one interval
        after this call, even if redis-py swallowed the cancellation mid-command)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopped = True
        await cancel_and_wait(task, self.name, timeout=self.interval + _STOP_MARGIN)

    async def _run(self) -> None:
        while not self._stopped:
            await asyncio.sleep(self.interval)
            if self._stopped:
                return
            task = asyncio.current_task()
            requested = task.cancelling() if task is not None else 0
            try:
                alive = await self._beat()
            except LOST as error:
                raise_if_cancelling(error, "beating")
                LOG.warning(
                    "%s: lost Redis (%s); beating again in %g s", self.name, error, self.interval
                )
                continue
            if task is not None and task.cancelling() > requested:
                return  # stopped mid-beat, and redis-py swallowed the cancellation
            if not alive:
                self.ended = True
                LOG.error("%s: the log was ended by someone else; no more beats", self.name)
                return


__all__ = ("Heartbeat",)
