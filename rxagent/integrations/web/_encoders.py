"""One factory for the three wire formats' encoders.

Example:
    >>> encoder_for("langgraph", stream_modes=["values"]).modes
    frozenset({'values'})
    >>> dict(encoder_for("ai-sdk").headers)["x-vercel-ai-ui-message-stream"]
    'v1'
    >>> encoder_for("sse")
    Traceback (most recent call last):
    ...
    ValueError: unknown format 'sse': choose from 'langgraph', 'ai-sdk', 'ag-ui'
"""

from __future__ import annotations

from collections.abc import Sequence

from rxagent.integrations.web._agui import AGUIEncoder
from rxagent.integrations.web._aisdk import AISdkEncoder
from rxagent.integrations.web._encoder import FORMATS, Encoder
from rxagent.integrations.web._langgraph_sse import LangGraphEncoder


def encoder_for(
    format: str,
    *,
    stream_modes: Sequence[str] = ("values",),
    subgraphs: bool = False,
    thread_id: str = "",
    run_id: str = "",
    message_id: str | None = None,
) -> Encoder:
    """A fresh encoder of ``format`` (one per SSE response).

    Args:
        format: one of :data:`~._encoder.FORMATS`.
        stream_modes: ``langgraph``: the server stream modes asked for.
        subgraphs: ``langgraph``: send subgraph events too.
        thread_id: ``ag-ui``: the client's ``threadId``.
        run_id: ``ag-ui``: the client's ``runId``.
        message_id: ``ai-sdk``: the assistant message id (default ``msg-<run_id>``).

    Raises:
        ValueError: an unknown format, or (``langgraph``) an unsupported stream mode; the
            message names the valid choices.
    """
    if format == "langgraph":
        return LangGraphEncoder(stream_modes, subgraphs=subgraphs)
    if format == "ai-sdk":
        return AISdkEncoder(message_id=message_id)
    if format == "ag-ui":
        return AGUIEncoder(thread_id=thread_id, run_id=run_id)
    choices = ", ".join(repr(name) for name in FORMATS)
    raise ValueError(f"unknown format {format!r}: choose from {choices}")


__all__ = ("encoder_for",)
