"""LangChain's output shapes over a stream of events: the thin part of ``stream()``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from rxagent._shapes import data_only, mode_and_data
from rxagent._types import SKIP, STREAM_MODES, Namespace, Shape, StreamMode
from rxagent.messages import AIMessageChunk

Version = Literal["v1", "v2"]
_VERSIONS = ("v1", "v2")
Mapper = Callable[[Any], Any]


def parse_modes(
    stream_mode: StreamMode | Sequence[StreamMode] | None, default: StreamMode
) -> tuple[tuple[StreamMode, ...], bool]:
    """The requested modes and whether items carry the mode (a list or a tuple was given).

    Raises:
        ValueError: an unknown mode (the message names the valid ones), or no mode.
    """
    if stream_mode is None:
        return (default,), False
    if isinstance(stream_mode, str):
        modes: tuple[Any, ...] = (stream_mode,)
        multi = False
    elif isinstance(stream_mode, list | tuple):
        modes = tuple(dict.fromkeys(stream_mode))
        multi = True
    else:
        raise TypeError(f"stream_mode must be a str or a list of str, got {stream_mode!r}")
    if not modes:
        raise ValueError(f"stream_mode is empty; valid modes: {', '.join(STREAM_MODES)}")
    for mode in modes:
        if mode not in STREAM_MODES:
            raise ValueError(
                f"Unknown stream mode {mode!r}; valid modes: {', '.join(STREAM_MODES)}"
            )
    return modes, multi


class Face:
    """How one ``stream()`` call shapes events: which ones it keeps, and into what."""

    __slots__ = ("mapper", "modes", "multi", "subgraphs", "version")

    def __init__(
        self,
        stream_mode: StreamMode | Sequence[StreamMode] | None,
        *,
        subgraphs: bool,
        version: str,
        default: StreamMode = "updates",
        values_mapper: Callable[[Any], Any] | None = None,
    ) -> None:
        """Check the arguments of a ``stream()`` call.

        Args:
            stream_mode: one mode, a list or tuple of modes, or ``None`` for ``default``.
            subgraphs: include subgraph events, with their namespace.
            version: ``"v1"`` (LangGraph's tuples) or ``"v2"`` (typed dicts).
            default: the mode when ``stream_mode`` is ``None`` (a compiled graph's
                ``stream_mode``, ``"updates"``).
            values_mapper: with ``version="v2"``, turns a root ``values`` state into what its
                ``data`` is (an instance of a pydantic or dataclass output schema).
        """
        if version not in _VERSIONS:
            raise ValueError(f"Unknown version {version!r}; valid versions: v1, v2")
        modes, multi = parse_modes(stream_mode, default)
        self.modes = frozenset(modes)
        self.subgraphs = subgraphs
        self.multi = multi
        self.version = version
        self.mapper = values_mapper

    def direct(self) -> Shape:
        """A :data:`Shape` for the engine: it shapes each item from the event's
        ``(mode, ns, data)`` as it is emitted, so no event object is built. A fresh one
        when it keeps state (the ``subgraphs`` message dedupe); LangGraph's plain v1
        tuples are ``rxagent._shapes``'s functions, which the engine recognises.
        """
        shape = _direct(self.multi, self.subgraphs, self.version, self.mapper)
        if not self.subgraphs or "messages" not in self.modes:
            return shape
        dedupe = _Dedupe()
        return lambda mode, ns, data: shape(mode, ns, data) if dedupe(mode, data) else SKIP

    def accept(self) -> Callable[[Any], Any]:
        """A fresh function mapping an event to its shaped item, or to ``SKIP`` (for a
        bridge that keeps events, such as ``overflow="coalesce"``: :meth:`direct` on them).
        """
        shape = self.direct()
        return lambda e: shape(e.mode, e.ns, e.data)


class _Dedupe:
    """With ``subgraphs=True``: stream each whole message once, whatever its namespace.

    LangGraph keeps one ``seen`` set of message ids for the whole run (its
    ``StreamMessagesHandler``): a node's output message whose id was already streamed, as
    tokens or whole, by a node of any graph is dropped. So a subgraph's messages, which its
    parent node returns again (and that node's parent, at every level up), stream once, under
    the namespace that produced them. The engine dedupes within one namespace only, as a run
    without ``subgraphs`` needs; this closes the gap across namespaces. Tokens always pass.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[str | None] = set()

    def __call__(self, mode: str, data: Any) -> bool:
        if mode != "messages":
            return True
        message = data[0]
        if type(message) is AIMessageChunk:
            self._seen.add(message.id)
            return True
        if message.id in self._seen:
            return False
        self._seen.add(message.id)
        return True


def _direct(multi: bool, subgraphs: bool, version: str, mapper: Mapper | None) -> Shape:
    """The shape of one ``stream()`` call: one call per item on the hot path."""
    if version == "v2":

        def part(mode: str, ns: Namespace, data: Any) -> Any:
            if ns and not subgraphs:
                return SKIP
            if mode != "values":
                return {"type": mode, "ns": ns, "data": data}
            if mapper is not None and not ns:
                data = mapper(data)
            return {"type": "values", "ns": ns, "data": data, "interrupts": ()}

        return part
    if subgraphs:
        if multi:
            return lambda mode, ns, data: (ns, mode, data)
        return lambda mode, ns, data: (ns, data)
    return mode_and_data if multi else data_only
