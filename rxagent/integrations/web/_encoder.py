"""The contract between a run's log and a wire format: an :class:`Encoder`.

An encoder is created per SSE response (it holds the framing state of that one stream) and
fed the run's log entries in order, from the ``metadata`` entry on; it returns the frames
each entry becomes (often one, sometimes none or several). Fed the same entries, a fresh
encoder returns the same frames: a resume replays the log through a fresh encoder and skips
the frames whose ids the client has already seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol, TypeAlias

from rxagent._types import StreamMode
from rxagent.integrations.web._entries import Entry, Frame

Format: TypeAlias = Literal["langgraph", "ai-sdk", "ag-ui"]
"""The wire formats: the LangGraph Agent Server's, the Vercel AI SDK UI message stream, AG-UI."""

FORMATS: tuple[Format, ...] = ("langgraph", "ai-sdk", "ag-ui")
"""Every :data:`Format`, in the order error messages list them."""


class Encoder(Protocol):
    """Turns a run's log entries into SSE frames of one wire format."""

    @property
    def modes(self) -> frozenset[StreamMode]:
        """The rxagent stream modes this encoder reads (the run must observe at least these)."""
        ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Response headers the format requires (such as ``x-vercel-ai-ui-message-stream``)."""
        ...

    def encode(self, entry: Entry) -> list[Frame]:
        """The frames ``entry`` becomes, given every entry fed before it."""
        ...


__all__ = ("FORMATS", "Encoder", "Format")
