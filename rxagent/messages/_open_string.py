"""The containers around a partial-JSON text's open string, kept to grow that string."""

from __future__ import annotations

import json
import re
from typing import Any

decode_json = json.JSONDecoder(strict=False).decode
"""``json.loads(text, strict=False)``, without building a decoder per call (``loads`` does,
for any argument beyond the text); ``PartialJson`` decodes with it too."""
_ENTRIES_AT_MOST = 256
"""The most entries the open containers may hold beside the open string, counting the
entries of closed containers in them: each result copies them."""
_HALF_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3}|u[dD][89abAB][0-9a-fA-F]{2})?\Z")
"""An escape the next piece may complete or change: a backslash, part of ``\\uXXXX``, or a
whole high surrogate (``\\ud83d``), which ``json`` joins with a low one that follows."""
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\Z")


class OpenString:
    """What a partial-JSON result around its open string holds, to make the next result
    from the next piece alone, while the text grows inside that string value.

    The open containers are kept without their last entry (``frames``: private copies),
    and the string apart, so the next result is a fresh copy of the frames (a few
    entries) with the string, grown by the piece, put back. Nothing a caller holds is
    changed: a caller that dropped the previous result lets the string grow in place
    (CPython), one that holds it gets a copy. The value shown for a string ending inside
    an escape is langchain-core's: the string without a lone backslash, a high surrogate
    shown alone, and no entry at all during the four characters of a ``\\uXXXX`` escape
    (``'{"a": "x\\u00'`` gives ``{}``).
    """

    __slots__ = ("_frames", "_pending", "_string")

    def __init__(self, frames: list[tuple[Any, Any, bool]], string: str) -> None:
        self._frames = frames  # per open container, outermost first: (entries, key, flat)
        self._string = string  # the string so far, without ``_pending``
        self._pending = ""  # the end of the string's text not decoded yet: half an escape

    @classmethod
    def find(cls, value: Any, closers: list[str], strings: list[int]) -> OpenString | None:
        """Keep what ``value``, parsed from a text whose open string ends outside any
        escape, holds around that string, if it is a value (not a key) in the open
        containers and they hold at most ``_ENTRIES_AT_MOST`` other entries. ``closers``
        and ``strings``: per open container, outermost first, its closer and the strings
        opened in it (keys and values)."""
        frames: list[tuple[Any, Any, bool]] = []
        node, budget = value, _ENTRIES_AT_MOST
        for closer, count in zip(closers, strings, strict=True):
            if closer == "}":
                # Every string opened in it is a key or a value it holds: no key repeated
                # (a repeated key keeps its first place, so the open string would not be
                # the last entry; the dict would hold fewer keys and string values).
                if (
                    type(node) is not dict
                    or len(node) > budget
                    or count != len(node) + sum(type(entry) is str for entry in node.values())
                ):
                    return None
                key = next(reversed(node))
                frame: Any = {name: entry for name, entry in node.items() if name is not key}
                # (``is not``: the keys are distinct, and ``key`` is one of them)
            elif type(node) is not list or not node or len(node) > budget:
                return None
            else:
                key, frame = None, node[:-1]
            entries = _entries(frame, budget)
            budget -= entries
            if budget < 0:
                return None
            flat = entries == len(frame)  # no container in it: its copy is a fresh one
            frames.append((frame if flat else _fresh(frame), key, flat))
            node = node[key] if key is not None else node[-1]
        if not frames or type(node) is not str:
            return None
        return cls(frames, node)

    def grow(self, more: str) -> Any:
        """The next result: the kept one with ``more`` (the string's next characters as
        read, newlines escaped) added to its string; ``None`` if ``more`` does not decode
        as part of a string (it closes it: the caller then parses the whole text)."""
        text = self._pending + more
        cut = half_escape_start(text)
        pending = text[cut:]
        try:
            decoded = decode_json('"' + text[:cut] + '"')
        except json.JSONDecodeError:
            return None
        try:  # what the caller sees of the escape: as if its string closed before it
            shown: str | None = decode_json('"' + pending.removesuffix("\\") + '"')
        except json.JSONDecodeError:  # half a ``\uXXXX``: no entry, as langchain-core
            shown = None
        string = self._string
        self._string = ""  # the only reference left may be ``string``: it grows in place
        string += decoded
        self._string = string
        self._pending = pending
        if shown is not None:
            shown = string + shown if shown else string  # a high surrogate, shown alone
        return self._result(shown)

    def _result(self, child: Any) -> Any:
        """Fresh copies of the frames, each holding the next (the innermost: ``child``,
        unless ``None``)."""
        for frame, key, flat in reversed(self._frames):
            copy = frame.copy() if flat else _fresh(frame)
            if child is not None:
                if key is None:
                    copy.append(child)
                else:
                    copy[key] = child
            child = copy
        return child


def half_escape_start(text: str) -> int:
    """Where ``text`` stops being decodable on its own, or ``len(text)``: the start of an
    escape it ends in (``_HALF_ESCAPE``), or of a high surrogate just before that, which
    ``json`` would join with a low one the escape may become. ``text`` starts outside any
    escape."""
    found = _HALF_ESCAPE.search(text, max(0, len(text) - 7))
    if found is None or not _opens_escape(text, found.start()):
        return len(text)
    start = found.start()
    before = start - 6
    if before >= 0 and _HIGH_SURROGATE.match(text, before, start) and _opens_escape(text, before):
        return before
    return start


def _opens_escape(text: str, position: int) -> bool:
    """Whether the backslash at ``position`` starts an escape (is not itself escaped)."""
    start = position
    while start and text[start - 1] == "\\":
        start -= 1
    return (position - start) % 2 == 0


def _entries(node: Any, budget: int) -> int:
    """The entries in ``node`` and in the containers inside it, each container inside
    counting one more (so the count is ``len(node)`` only where ``node`` holds none),
    counted up to ``budget`` (past it, ``budget + 1``)."""
    count, todo = -1, [node]
    while todo and count <= budget:
        inside = todo.pop()
        values = inside.values() if type(inside) is dict else inside
        count += 1 + len(values)
        todo.extend(value for value in values if type(value) in (dict, list))
    return min(count, budget + 1)


def _fresh(node: Any) -> Any:
    """A copy of ``node`` that shares no container with it (strings and numbers shared)."""
    if type(node) is dict:
        if any(type(value) in (dict, list) for value in node.values()):
            return {key: _fresh(value) for key, value in node.items()}
        return node.copy()
    if type(node) is list:
        if any(type(value) in (dict, list) for value in node):
            return [_fresh(value) for value in node]
        return node.copy()
    return node
