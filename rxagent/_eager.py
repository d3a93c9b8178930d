"""Eager tasks: a run's engine and its nodes start inside the call that starts them.

``loop.create_task(coro)`` runs nothing of ``coro`` until the loop's next turn, behind every
callback already scheduled. With many runs started at once (a server taking requests, a
``gather`` of ``astream`` loops), each run then waits for every other run's set-up before its
first event, one turn per task it starts. :func:`start_task` runs the coroutine at once, up
to its first real suspension, as Python 3.12's ``eager_start`` does: a run that does not wait
for anything streams its first events before ``subscribe`` returns, and the consumer that
started it pulls them without a turn of the loop.

On Python 3.12 and later this is ``asyncio.Task(..., eager_start=True)``. On 3.11 the first
step runs here, in the task's own context and as the loop's current task (so
``asyncio.current_task()``, ``asyncio.timeout()`` and context variables behave as in the
task), and the task continues the coroutine from where that step suspended.

Example:
    >>> import asyncio
    >>> async def main() -> list[str]:
    ...     seen = []
    ...     async def job() -> None:
    ...         seen.append("first step")
    ...         await asyncio.sleep(0)
    ...         seen.append("rest")
    ...     task = start_task(asyncio.get_running_loop(), job())
    ...     seen.append("returned")
    ...     await task
    ...     return seen
    >>> asyncio.run(main())
    ['first step', 'returned', 'rest']
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from asyncio import tasks as _tasks
from collections.abc import Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")

_NATIVE = sys.version_info >= (3, 12)


def start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """A task running ``coro`` on ``loop``, its first step already run when the caller is
    on ``loop`` (else a plain ``loop.create_task``)."""
    if not on_loop(loop):
        return loop.create_task(coro)
    if _NATIVE:  # pragma: no cover - Python 3.12+
        eager: Any = asyncio.Task
        task: asyncio.Task[T] = eager(coro, loop=loop, eager_start=True)
        return task
    context = contextvars.copy_context()
    resumed = _Resumed(coro)
    task = loop.create_task(resumed, context=context)
    caller = _tasks.current_task(loop)
    if caller is not None:
        _tasks._leave_task(loop, caller)
    _tasks._enter_task(loop, task)
    try:
        context.run(resumed.first_step)
    finally:
        _tasks._leave_task(loop, task)
        if caller is not None:
            _tasks._enter_task(loop, caller)
    return task


def on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the caller runs on ``loop`` (inside one of its callbacks or tasks)."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class _Resumed(Coroutine[Any, Any, Any]):
    """What a 3.11 task drives: ``coro`` after its first step, which :meth:`first_step`
    ran eagerly. The task's first ``send`` gets what that step yielded (the future it
    waits on, or ``None`` for a bare turn); later calls go to ``coro`` unchanged, so a
    cancellation thrown in before the task's first turn reaches ``coro`` where it waits."""

    __slots__ = ("_coro", "_ended", "_error", "_fresh", "_result", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro
        self._fresh = True
        self._yielded: Any = None
        self._ended = False
        self._result: Any = None
        self._error: BaseException | None = None

    def first_step(self) -> None:
        try:
            self._yielded = self._coro.send(None)
        except StopIteration as stop:
            self._ended, self._result = True, stop.value
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # the task ends with it, as if raised in its step
            self._ended, self._error = True, error

    def send(self, value: Any) -> Any:
        if self._fresh:
            self._fresh = False
            return self._first()
        return self._coro.send(value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        if self._fresh:
            self._fresh = False
            if self._ended:  # it finished in its first step: the outcome stands
                return self._first()
            waited = self._yielded
            self._yielded = None
            # cancelled before its first turn: cancel what it waits on, as ``Task.cancel``
            # does for a task that waits (a gather cancels its children, and the task
            # retrieves the outcome when it wakes)
            if (
                isinstance(typ, asyncio.CancelledError)
                and isinstance(waited, asyncio.Future)
                and waited.cancel(*typ.args[:1])
            ):
                return waited
        if val is None and tb is None:
            return self._coro.throw(typ)
        return self._coro.throw(typ, val, tb)  # pragma: no cover - legacy signature

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:  # pragma: no cover - tasks only
        raise TypeError("an eager task's coroutine is driven by its task, not awaited")

    def _first(self) -> Any:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._ended:
            raise StopIteration(self._result)
        yielded, self._yielded = self._yielded, None
        return yielded


__all__ = ("on_loop", "start_task")
