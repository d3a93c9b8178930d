"""Parse the JSON prefix that a streaming model has produced so far."""

from __future__ import annotations

import json
import re
from itertools import repeat
from typing import Any

_decode = json.JSONDecoder(strict=False).decode
"""``json.loads(text, strict=False)``, without building a decoder per call (``loads`` does,
for any argument beyond the text)."""
_NEVER_LAST = frozenset(" \t\n\r,:")
"""Characters no candidate can end with: a dangling ``,`` or ``:`` fails, and whitespace
(outside a string; inside one the candidate fails anyway) changes nothing."""
_CLOSER = {"{": "}", "[": "]"}
# What trimming a character undoes: ``+c`` it had pushed closer ``c``; ``-c`` it had popped it.
_NONE = ""


def parse_partial_json(text: str) -> Any:
    """Parse ``text`` as JSON, closing an open string and open objects and arrays.

    A complete document is parsed as is. Otherwise the open string is closed, the open
    containers are closed in reverse order, and trailing characters that keep the result
    invalid (a dangling ``,`` or ``"key":``, half a literal) are dropped, as langchain-core's
    ``parse_partial_json`` does. Control characters are allowed in strings.

    Args:
        text: a JSON document, or a prefix of one.

    Returns:
        The parsed value, or ``None`` when no prefix can be completed (for example a closing
        bracket that does not match).

    Example:
        >>> parse_partial_json('{"city": "Par')
        {'city': 'Par'}
        >>> parse_partial_json('{"cities": ["Paris", ')
        {'cities': ['Paris']}
        >>> parse_partial_json('{"a": 1]') is None
        True
    """
    return PartialJson().parse(text)


class PartialJson:
    """``parse_partial_json`` of a text that grows at its end, reading each part once.

    Each call to :meth:`parse` must pass the text of the call before plus what came since
    (a tool call's arguments as they stream). The characters already read are not read
    again, so parsing after every piece costs the new piece in Python and the whole text
    once at C speed, not the whole text in Python each time.

    Example:
        >>> reader = PartialJson()
        >>> reader.parse('{"city": "Pa'), reader.parse('{"city": "Paris", "days": [1')
        ({'city': 'Pa'}, {'city': 'Paris', 'days': [1]})
    """

    __slots__ = (
        "_broken",
        "_chars",
        "_escaped",
        "_in_string",
        "_read",
        "_stack",
        "_undo",
    )

    def __init__(self) -> None:
        self._read = 0  # characters of the text read so far
        self._chars: list[str] = []  # what was read, newlines in strings escaped
        self._undo: list[str] = []  # per character, how trimming it updates ``_stack``
        self._stack: list[str] = []  # the closers still open
        self._in_string = self._escaped = self._broken = False

    def parse(self, text: str) -> Any:
        """``parse_partial_json(text)``; ``text`` extends the text of the previous call."""
        first = self._read == 0
        if first or self._closed(text):  # a complete document parses as is
            try:
                return _decode(text)
            except json.JSONDecodeError:
                pass
        scanned = self.scanned(text)
        return None if scanned is None else _complete(*scanned)

    def _closed(self, text: str) -> bool:
        """Whether ``text`` may be a whole document: it closes what it opens, no string open
        (read so far: only then can ``json.loads`` accept it, so a reader that read before
        does not try a text it knows is cut)."""
        self._read_to(text)
        return not (self._broken or self._in_string or self._stack)

    def _read_to(self, text: str) -> None:
        """Read what ``text`` has beyond what was read (nothing after a mismatch)."""
        if len(text) > self._read and not self._broken:
            self._scan(text, self._read)
            self._read = len(text)

    def scanned(self, text: str) -> tuple[list[str], list[str], list[str]] | None:
        """``text`` read (newlines in strings escaped, an open string closed), per character
        how trimming it updates the stack of closers (``"+"`` it pushed one, ``"-c"`` it
        popped ``c``), and the closers still open: fresh lists. ``None`` when a closing
        bracket does not match."""
        self._read_to(text)
        if self._broken:
            return None
        chars, undo = self._chars[:], self._undo[:]
        if self._in_string:  # close it
            if self._escaped:
                chars.pop()
                undo.pop()
            chars.append('"')
            undo.append(_NONE)
        return chars, undo, self._stack[:]

    def _scan(self, text: str, start: int) -> None:
        """Read ``text[start:]``: runs of plain characters at once, the others one by one."""
        chars, undo, stack = self._chars, self._undo, self._stack
        in_string, escaped = self._in_string, self._escaped
        position, end = start, len(text)
        while position < end:
            if in_string and not escaped:
                plain = _PLAIN_IN_STRING.match(text, position)
            elif not in_string:
                plain = _PLAIN_OUTSIDE.match(text, position)
            else:
                plain = None
            if plain is not None:  # nothing in it changes the state or the stack
                run = plain.group()
                chars.extend(run)
                undo.extend(repeat(_NONE, len(run)))
                position = plain.end()
                continue
            char = text[position]
            position += 1
            action = _NONE
            if in_string:
                char, in_string, escaped = _string_char(char, escaped)
            elif char == '"':
                in_string, escaped = True, False
            elif char in _CLOSER:
                stack.append(_CLOSER[char])
                action = "+"
            elif not stack or stack[-1] != char:  # a "}" or "]" that closes nothing open
                self._broken = True
                return
            else:
                action = "-" + stack.pop()
            chars.append(char)
            undo.append(action)
        self._in_string, self._escaped = in_string, escaped


_PLAIN_IN_STRING = re.compile(r'[^"\\\n]+')
"""Characters copied as they are inside a string (not after a backslash)."""
_PLAIN_OUTSIDE = re.compile(r'[^"{}\[\]]+')
"""Characters that open or close nothing outside a string."""


def _string_char(char: str, escaped: bool) -> tuple[str, bool, bool]:
    """One character inside a string: (its copy, still in the string, escaped next)."""
    if char == '"' and not escaped:
        return char, False, False
    if char == "\\":
        return char, True, not escaped
    if char == "\n" and not escaped:
        return "\\n", True, False
    return char, True, False


def _complete(chars: list[str], undo: list[str], stack: list[str]) -> Any:
    """Close ``stack`` after ``chars``; trim the end until the result parses.

    Where the decoder rejects a character of ``chars``, every candidate that still holds
    it fails there the same way (what precedes it is unchanged, and trimming only removes
    what follows): the end is cut back past it at once, as langchain-core does, instead of
    one character and one failed parse at a time. The decoder's position counts a newline
    in a string as the two characters it became, so it may point past the index of the
    character it rejected: the cut then keeps a little more than it could, never less.
    """
    while chars:
        if chars[-1] in _NEVER_LAST:  # fails, or parses as the candidate without it
            keep = len(chars) - 1
        else:
            try:
                return _decode("".join(chars) + "".join(reversed(stack)))
            except json.JSONDecodeError as error:
                keep = min(error.pos, len(chars) - 1)  # in the closers: trim one character
        trim(chars, undo, stack, keep)
    return None


def trim(chars: list[str], undo: list[str], stack: list[str], keep: int) -> None:
    """Drop the end of ``chars`` after its first ``keep``, undoing what each did to ``stack``."""
    while len(chars) > keep:
        chars.pop()
        action = undo.pop()
        if action == "+":
            stack.pop()
        elif action:
            stack.append(action[1])
