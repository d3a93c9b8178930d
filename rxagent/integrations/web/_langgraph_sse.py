"""The LangGraph Agent Server's SSE stream (``event: <mode>[|<ns>]``), from a run's log.

What this matches, read in ``langgraph-api`` 0.16.7 (``langgraph_api/stream.py``
``astream_state``, ``langgraph_api/sse.py`` ``json_to_sse``, ``langgraph_api/serde.py``) and
``langgraph-sdk`` (``langgraph_sdk/schema.py`` ``StreamMode``; the fixture
``libs/sdk-py/tests/fixtures/response.txt``):

* ``metadata`` first, data ``{"run_id", "attempt"}`` (only those two keys).
* One frame per event of a requested mode, named after the mode; with ``subgraphs=True`` an
  event of a subgraph (``ns`` not empty) is named ``<mode>|<ns joined by "|">``; without it
  subgraph events are not sent (the server's graph does not stream them then).
* ``messages-tuple`` is named ``messages`` and carries ``[<chunk dict>, <metadata>]``, the
  chunk as its ``model_dump()`` (``"type": "AIMessageChunk"``). When both ``messages`` and
  ``messages-tuple`` are asked for, the server sends only the tuples, and so does this.
* With ``subgraphs=True`` a whole message already streamed (as tokens or whole) under any
  namespace is not sent again when a parent node returns it: LangGraph keeps one ``seen``
  set per run (its ``StreamMessagesHandler``), as ``rxagent``'s ``stream(subgraphs=True)``.
* ``messages`` (the server's own accumulation, never namespaced): per message id, once,
  ``messages/metadata`` ``{<id>: {"metadata": <metadata>}}``; then for every chunk
  ``messages/partial`` ``[<the whole message so far>]``, the joined chunks as an ``AIMessage``
  dict (``"type": "ai"``, no ``tool_call_chunks``; the server's ``message_chunk_to_message``);
  for a whole message (a ``ToolMessage``, a node's returned ``AIMessage``)
  ``messages/complete`` ``[<message>]``. A streamed message gets no ``messages/complete`` at
  its end: the server sends none either (LangGraph does not emit a streamed message again,
  and the fixture's 52 partials end without one); its last partial is the whole message.
* An ``error`` entry is ``event: error`` with ``{"error", "message"}``. ``end`` and
  ``cancelled`` make no frame: the server closes the stream without a terminal event.

Not served: ``events``, ``debug``, ``checkpoints`` and ``lifecycle`` (rxagent has no
``astream_events`` log, checkpoints or lifecycle payloads); asking for them is a
``ValueError``. The server's trick of sending interrupts as ``values`` when ``updates`` was not
asked for is not reproduced (rxagent's log has no interrupts yet).

Example:
    >>> from rxagent.events import CustomEvent
    >>> from rxagent.integrations.web._ids import EventId
    >>> from rxagent.integrations.web._entries import Entry
    >>> encoder = LangGraphEncoder(["custom"], subgraphs=True)
    >>> encoder.encode(Entry(EventId(1, 0), "metadata", data={"run_id": "r", "attempt": 1}))
    [Frame(data='{"run_id":"r","attempt":1}', event='metadata')]
    >>> event = CustomEvent(data={"pct": 50}, ns=("agent:t1",), node="tools")
    >>> encoder.encode(Entry(EventId(1, 1), "event", event))
    [Frame(data='{"pct":50}', event='custom|agent:t1')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from rxagent._types import StreamMode
from rxagent.events import Event, EventBase, MessageEvent
from rxagent.integrations.web._entries import Entry, Frame
from rxagent.integrations.web._langgraph_json import dumps, event_json
from rxagent.messages import AIMessageChunk, ChunkAccumulator
from rxagent.messages._foreign import is_langchain_chunk, rxagent_chunk

LANGGRAPH_STREAM_MODES: Final[tuple[str, ...]] = (
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "custom",
    "tasks",
    "tools",
)
"""The Agent Server stream modes this encoder serves; the server validates requests with it."""

_RX_MODE: Final[Mapping[str, StreamMode]] = {
    "values": "values",
    "updates": "updates",
    "messages": "messages",
    "messages-tuple": "messages",
    "custom": "custom",
    "tasks": "tasks",
    "tools": "tools",
}


def check_stream_modes(stream_modes: Sequence[str]) -> tuple[str, ...]:
    """``stream_modes`` as a tuple, or a ``ValueError`` naming the valid choices.

    Example:
        >>> check_stream_modes(["debug"])
        Traceback (most recent call last):
        ...
        ValueError: unsupported LangGraph stream mode 'debug': choose from 'values', 'updates', 'messages', 'messages-tuple', 'custom', 'tasks', 'tools'
    """  # noqa: E501
    if isinstance(stream_modes, str):
        stream_modes = [stream_modes]
    for mode in stream_modes:
        if mode not in _RX_MODE:
            choices = ", ".join(repr(m) for m in LANGGRAPH_STREAM_MODES)
            raise ValueError(f"unsupported LangGraph stream mode {mode!r}: choose from {choices}")
    return tuple(stream_modes)


class LangGraphEncoder:
    """Frames a run's log as the LangGraph Agent Server does (one encoder per response).

    Args:
        stream_modes: the server's stream modes asked for (see
            :data:`LANGGRAPH_STREAM_MODES`).
        subgraphs: send subgraph events too, named ``<mode>|<ns>``.

    Raises:
        ValueError: a mode is not one of :data:`LANGGRAPH_STREAM_MODES`.
    """

    def __init__(self, stream_modes: Sequence[str], *, subgraphs: bool = False) -> None:
        """Check the modes and start with no message seen."""
        wanted = frozenset(check_stream_modes(stream_modes))
        self._subgraphs = subgraphs
        self._tuples = "messages-tuple" in wanted
        self._partials = "messages" in wanted and not self._tuples
        self._plain = wanted - {"messages", "messages-tuple"}
        self._modes = frozenset(_RX_MODE[mode] for mode in wanted)
        self._messages: dict[str | None, ChunkAccumulator | None] = {}
        self._seen: set[str | None] = set()

    @property
    def modes(self) -> frozenset[StreamMode]:
        """The rxagent modes the run must observe (``messages`` for both message modes)."""
        return self._modes

    @property
    def headers(self) -> Mapping[str, str]:
        """None beyond SSE's own."""
        return {}

    def encode(self, entry: Entry) -> list[Frame]:
        """The frames of ``entry``: see the module docstring."""
        if entry.kind == "event" and entry.event is not None:
            return self._event(entry.event)
        if entry.kind == "metadata":
            data = {"run_id": entry.data.get("run_id"), "attempt": entry.data.get("attempt", 1)}
            return [Frame(dumps(data), "metadata")]
        if entry.kind == "error":
            data = {"error": entry.data.get("error"), "message": entry.data.get("message")}
            return [Frame(dumps(data), "error")]
        return []

    def _event(self, event: Event) -> list[Frame]:
        if event.ns and not self._subgraphs:
            return []
        if isinstance(event, MessageEvent):
            if self._subgraphs and self._repeated(event):
                return []
            if self._tuples:
                return [Frame(event_json(event, event.data), self._name("messages", event))]
            if self._partials:
                return self._accumulated(event)
            return []
        if event.mode in self._plain:
            return [Frame(event_json(event, event.data), self._name(event.mode, event))]
        return []

    def _repeated(self, event: MessageEvent) -> bool:
        """Whether a whole message was already streamed (tokens or whole) by any graph."""
        message = event.data[0]
        if _is_chunk(message):
            self._seen.add(message.id)
            return False
        if message.id in self._seen:
            return True
        self._seen.add(message.id)
        return False

    def _name(self, mode: str, event: EventBase) -> str:
        return f"{mode}|{'|'.join(event.ns)}" if event.ns else mode

    def _accumulated(self, event: MessageEvent) -> list[Frame]:
        """``messages/metadata`` once per id, then ``messages/partial`` or ``/complete``."""
        message, metadata = event.data
        message_id = message.id
        frames: list[Frame] = []
        if message_id not in self._messages:
            head = {"null" if message_id is None else message_id: {"metadata": metadata}}
            frames.append(Frame(event_json(event, head), "messages/metadata"))
            self._messages[message_id] = None
        if _is_chunk(message):
            joined = self._messages[message_id] or ChunkAccumulator()
            joined.add(rxagent_chunk(message))
            self._messages[message_id] = joined
            frames.append(Frame(event_json(event, [joined.to_message()]), "messages/partial"))
        else:
            frames.append(Frame(event_json(event, [message]), "messages/complete"))
        return frames


def _is_chunk(message: object) -> bool:
    return type(message) is AIMessageChunk or is_langchain_chunk(message)


__all__ = ("LANGGRAPH_STREAM_MODES", "LangGraphEncoder", "check_stream_modes")
