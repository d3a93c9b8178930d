"""Running sync code (tools, nodes, generators) in daemon threads, awaitable from the loop.

Python cannot stop a thread. A run that is cancelled stops waiting for its threads at
once: the awaiting task ends, the thread is left to finish alone, and, being a daemon
thread outside any executor, it never holds up ``asyncio.run``'s shutdown, Ctrl-C or
interpreter exit. A thread learns of the cancellation cooperatively: its stream writer
raises ``RunCancelledError`` at the next call, and ``rxagent.is_cancelled()`` is true.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_NAMES = itertools.count(1)


async def run_in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)`` in a new daemon thread with a copy of the current context.

    Example:
        >>> import asyncio
        >>> asyncio.run(run_in_thread(sum, [1, 2, 3]))
        6
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            result = context.run(fn, *args)
        except BaseException as error:
            _post(loop, _fail, future, error)
        else:
            _post(loop, _succeed, future, result)

    name = f"rxagent-worker-{next(_NAMES)}"
    threading.Thread(target=target, name=name, daemon=True).start()
    return await future


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # a closed loop: the run ended without waiting
        loop.call_soon_threadsafe(fn, *args)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
