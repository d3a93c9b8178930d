"""The stream writer of the task that is running, found through a context variable.

The graph runtime sets the writer for every node task and every tool call; code running
inside them (sync or async, or in a thread started with a copied context) finds it with
``get_stream_writer()``. Outside a run the writer is a no-op. ``is_cancelled()`` tells long
sync code whether its run was cancelled (Python cannot stop a thread: it must look).
"""

from __future__ import annotations

from collections.abc import Generator
from contextvars import ContextVar
from typing import Any, Protocol

from rxagent._types import StreamWriter


class Done:
    """What a writer returns when there is nothing to wait for: awaiting it returns at once."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator that never suspends

    def __repr__(self) -> str:
        return "Done()"


DONE = Done()


def _noop(payload: Any) -> Done:
    """The writer outside a run, or when ``custom`` is not consumed: it drops the payload."""
    return DONE


NOOP_WRITER: StreamWriter = _noop

current_writer: ContextVar[StreamWriter] = ContextVar("rxagent_stream_writer", default=_noop)


class _Closable(Protocol):
    closed: bool


current_run: ContextVar[_Closable | None] = ContextVar("rxagent_current_run", default=None)
"""The run whose code is running (set for every node task, inherited by its threads)."""


def is_cancelled() -> bool:
    """Whether the run of the code calling it was cancelled or has ended.

    A sync tool or node runs in a thread that Python cannot stop: when its run is
    cancelled (``break``, ``close()``, a disposed subscription, Ctrl-C) the run stops
    waiting for it at once, and the thread goes on until it returns. Long sync code should
    check ``is_cancelled()`` (or call its stream writer, which then raises
    ``RunCancelledError``) and return early. Outside a run it is ``False``.

    Example:
        >>> is_cancelled()
        False
    """
    run = current_run.get()
    return run is not None and run.closed


def get_stream_writer() -> StreamWriter:
    """Return the stream writer of the current node task or tool call.

    Call the writer with any payload to emit it as a ``custom`` event, attributed to the
    node, task and tool call that wrote it. Outside a run, or when the run's consumer did
    not ask for ``custom``, the writer is a no-op.

    The call returns an awaitable: on the event loop (async tools and nodes),
    ``await writer(payload)`` waits while the consumer's buffer is full (``overflow="block"``),
    which bounds a fast async producer; not awaiting it never waits. In a thread (sync tools
    and nodes) the call itself waits for room, and raises ``RunCancelledError`` once the run
    was cancelled.

    Example:
        >>> def fetch() -> None:
        ...     writer = get_stream_writer()
        ...     writer({"progress": "Fetched 10/100 records"})
        >>> fetch()  # outside a run the writer is a no-op
    """
    return current_writer.get()
