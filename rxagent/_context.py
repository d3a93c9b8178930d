"""The stream writer of the task that is running, found through a context variable.

The graph runtime sets the writer for every node task and every tool call; code running
inside them (sync or async, or in a thread started with a copied context) finds it with
``get_stream_writer()``. Outside a run the writer is a no-op.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from rxagent._types import StreamWriter


def _noop(payload: Any) -> None:
    """The writer outside a run, or when ``custom`` is not consumed: it drops the payload."""


NOOP_WRITER: StreamWriter = _noop

current_writer: ContextVar[StreamWriter] = ContextVar("rxagent_stream_writer", default=_noop)


def get_stream_writer() -> StreamWriter:
    """Return the stream writer of the current node task or tool call.

    Call the writer with any payload to emit it as a ``custom`` event, attributed to the
    node, task and tool call that wrote it. Outside a run, or when the run's consumer did
    not ask for ``custom``, the writer is a no-op.

    Example:
        >>> writer = get_stream_writer()
        >>> writer({"progress": "Fetched 10/100 records"})  # a no-op outside a run
    """
    return current_writer.get()
