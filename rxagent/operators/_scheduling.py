"""Which scheduler a time-based operator uses when none is given.

In order: the operator's ``scheduler=``; the scheduler passed to ``subscribe`` (the bridges
pass one bound to their loop); an ``AsyncIOScheduler`` on the event loop running when the
first timer is needed. Only in plain synchronous code with no loop at all does it fall back
to reactivex's ``TimeoutScheduler`` (threads). So inside an asyncio program no thread is
started.
"""

from __future__ import annotations

import asyncio

from reactivex import abc
from reactivex.scheduler import TimeoutScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler


class LazyScheduler:
    """Resolves the scheduler at the first timer, when the run's loop is known."""

    __slots__ = ("_given", "_resolved")

    def __init__(self, *given: abc.SchedulerBase | None) -> None:
        self._given = next((s for s in given if s is not None), None)
        self._resolved: abc.SchedulerBase | None = self._given

    def get(self) -> abc.SchedulerBase:
        """The scheduler to use now."""
        if self._resolved is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return TimeoutScheduler.singleton()
            self._resolved = AsyncIOScheduler(loop)
        return self._resolved
