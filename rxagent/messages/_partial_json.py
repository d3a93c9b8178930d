"""Parse the JSON prefix that a streaming model has produced so far."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from rxagent.messages._open_string import OpenString, decode_json, half_escape_start

_decode = decode_json  # a name of this module's own: tests count its calls

_NEVER_LAST = frozenset(" \t\n\r,:")
"""Characters no candidate can end with: a dangling ``,`` or ``:`` fails, and whitespace
(outside a string; inside one the candidate fails anyway) changes nothing."""
_CLOSER = {"{": "}", "[": "]"}


def parse_partial_json(text: str) -> Any:
    """Parse ``text`` as JSON, closing an open string and open objects and arrays.

    A complete document is parsed as is. Otherwise the open string is closed, the open
    containers are closed in reverse order, and trailing characters that keep the result
    invalid (a dangling ``,`` or ``"key":``, half a literal) are dropped, as langchain-core's
    ``parse_partial_json`` does, with the same result. Control characters are allowed in
    strings.

    Args:
        text: a JSON document, or a prefix of one.

    Returns:
        The parsed value, or ``None`` when no prefix can be completed (for example a closing
        bracket that does not match), where langchain-core returns ``None`` or raises.

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
    again: the reader keeps the text read so far as one string (newlines in strings
    escaped) and the closers still open, so parsing after every piece costs the new piece
    in Python and the whole text a few times at C speed (copies and ``json`` decoding),
    not the whole text in Python each time.

    Where the text grows inside a string value (the long string of a tool call that writes
    a file, say), parsing costs the new piece and a copy of the few entries around that
    string (``OpenString``), not the whole text: each result is still a fresh value, and
    the string grows in place when the caller dropped the previous result.

    Example:
        >>> reader = PartialJson()
        >>> reader.parse('{"city": "Pa'), reader.parse('{"city": "Paris", "days": [1')
        ({'city': 'Pa'}, {'city': 'Paris', 'days': [1]})
    """

    __slots__ = (
        "_broken",
        "_escaped",
        "_in_string",
        "_kept",
        "_opened",
        "_read",
        "_spans",
        "_stack",
        "_string",
        "_strings",
        "_text",
    )

    def __init__(self) -> None:
        self._read = 0  # characters of the text read so far
        self._text = ""  # what was read, newlines in strings escaped
        self._stack: list[str] = []  # the closers still open
        self._strings: list[int] = []  # per open container: the strings opened in it
        self._in_string = self._escaped = self._broken = False
        self._kept: OpenString | None = None  # the last result, if its string may grow
        self._opened = 0  # the strings opened so far
        self._string = 0  # ``_opened`` when the last parse ended in a string
        self._spans = 0  # the parses in a row that ended in that string

    def parse(self, text: str) -> Any:
        """``parse_partial_json(text)``; ``text`` extends the text of the previous call."""
        kept, self._kept = self._kept, None
        if kept is not None and len(text) > self._read:
            grown = self._grown(kept, text)
            if grown is not None:
                return grown
        first = self._read == 0
        if first or self._closed(text):  # a complete document parses as is
            try:
                return _decode(text)
            except json.JSONDecodeError:
                pass
        self._read_to(text)
        if self._broken:
            return None
        closers = "".join(reversed(self._stack))
        if not self._in_string:
            return _complete(self._text, closers, len(self._text))
        return self._close_string(closers)

    def _grown(self, kept: OpenString, text: str) -> Any:
        """Read ``text``; if what it adds stays in the string that ``kept`` holds, the
        result that ``kept`` makes of it (and keep ``kept``), else ``None``."""
        end = len(self._text)
        self._read_to(text)
        # What was read since only decodes alone if it stayed in the string: a quote that
        # closes it ends the decoded string before the piece does.
        grown = kept.grow(self._text[end:])
        if grown is not None:
            self._kept = kept
        return grown

    def _close_string(self, closers: str) -> Any:
        """The result for a text read to its end inside a string: the string closed (less
        an escape left open), then ``closers``; keep what is around the string once it
        spans a few parses (``_KEEP_AFTER``)."""
        read = self._text
        read = (read[:-1] if self._escaped else read) + '"'
        try:  # as ``_complete``'s first candidate
            value = _decode(read + closers)
        except json.JSONDecodeError as error:
            return _complete(read, closers, min(error.pos, len(read) - 1))
        if self._opened != self._string:  # the text ends in a string opened since
            self._string, self._spans = self._opened, 0
        self._spans += 1
        if self._spans >= _KEEP_AFTER and half_escape_start(self._text) == len(self._text):
            self._kept = OpenString.find(value, self._stack, self._strings)
            if self._kept is None:  # this string cannot be kept: do not look again
                self._spans = -sys.maxsize
        return value

    def _closed(self, text: str) -> bool:
        """Whether ``text`` may be a whole document: it closes what it opens, no string open
        (read so far: only then can ``json.loads`` accept it, so a reader that read before
        does not try a text it knows is cut)."""
        self._read_to(text)
        return not (self._broken or self._in_string or self._stack)

    def _read_to(self, text: str) -> None:
        """Read what ``text`` has beyond what was read (nothing after a mismatch)."""
        if len(text) > self._read and not self._broken:
            more = self._scan(text, self._read)
            self._read = len(text)
            read = self._text
            self._text = ""  # the only reference left is ``read``: it may grow in place
            read += more
            self._text = read

    def _scan(self, text: str, start: int) -> str:
        """Read ``text[start:]``, runs of plain characters at once, the others one by one;
        return it with newlines in strings escaped (up to a mismatched closer)."""
        out: list[str] = []
        strings = self._strings
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
                out.append(run)
                position = plain.end()
                continue
            char = text[position]
            position += 1
            if in_string:
                char, in_string, escaped = _string_char(char, escaped)
            elif char == '"':
                in_string, escaped = True, False
                self._opened += 1
                if strings:
                    strings[-1] += 1
            elif not self._bracket(char):  # a "}" or "]" that closes nothing open
                self._broken = True
                break
            out.append(char)
        self._in_string, self._escaped = in_string, escaped
        return "".join(out)

    def _bracket(self, char: str) -> bool:
        """Open or close a container; ``False`` for a closer that closes nothing open."""
        stack = self._stack
        if char in _CLOSER:
            stack.append(_CLOSER[char])
            self._strings.append(0)
            return True
        if not stack or stack[-1] != char:
            return False
        stack.pop()
        self._strings.pop()
        return True


_KEEP_AFTER = 3
"""The parses in a row that must end in one string before the reader keeps what is
around it (``OpenString``): the cost of keeping it pays off over a long string, not over
a short one that the next piece or two close."""
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


def _complete(read: str, closers: str, end: int) -> Any:
    """Parse ``read[:end]`` followed by ``closers``, cutting the end of ``read`` until it
    parses.

    As langchain-core: the closers are those of the whole text, whatever is cut. Where the
    decoder rejects a character of ``read``, every candidate that still holds it fails there
    the same way (what precedes it is unchanged, and cutting only removes what follows): the
    end is cut back past it at once, instead of one character and one failed parse at a
    time. A candidate ending in whitespace, ``,`` or ``:`` fails, or parses as the
    candidate without that character: it is not tried.
    """
    while end:
        if read[end - 1] in _NEVER_LAST:
            end -= 1
            continue
        try:
            return _decode(read[:end] + closers)
        except json.JSONDecodeError as error:
            end = min(error.pos, end - 1)  # in the closers: cut one character
    return None
