"""Parse the JSON prefix that a streaming model has produced so far."""

from __future__ import annotations

import json
from bisect import bisect_right
from itertools import accumulate
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
    invalid (a dangling ``,`` or ``"key":``, half a literal) are dropped one at a time, as
    langchain-core's ``parse_partial_json`` does. Control characters are allowed in strings.

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
    try:
        return _decode(text)
    except json.JSONDecodeError:
        pass
    scanned = _scan(text)
    return None if scanned is None else _complete(*scanned)


def _scan(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """Copy ``text`` with newlines in strings escaped and an open string closed.

    Returns the characters, per character how trimming it updates the stack of closers
    (``"+"`` it pushed one, ``"-c"`` it popped ``c``), and the closers still open; or
    ``None`` when a closing bracket does not match.
    """
    chars: list[str] = []
    undo: list[str] = []
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        action = _NONE
        if in_string:
            char, in_string, escaped = _string_char(char, escaped)
        elif char == '"':
            in_string, escaped = True, False
        elif char in _CLOSER:
            stack.append(_CLOSER[char])
            action = "+"
        elif char in "}]":
            if not stack or stack[-1] != char:
                return None
            action = "-" + stack.pop()
        chars.append(char)
        undo.append(action)
    if in_string:
        if escaped:
            chars.pop()
            undo.pop()
        chars.append('"')
        undo.append(_NONE)
    return chars, undo, stack


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
    one character and one failed parse at a time.
    """
    ends = list(accumulate(map(len, chars)))  # a newline in a string became two characters
    while chars:
        if chars[-1] in _NEVER_LAST:  # fails, or parses as the candidate without it
            keep = len(chars) - 1
        else:
            try:
                return _decode("".join(chars) + "".join(reversed(stack)))
            except json.JSONDecodeError as error:
                keep = bisect_right(ends, error.pos)
                if keep >= len(chars):  # rejected in the closers: trim one character
                    keep = len(chars) - 1
        del ends[keep:]
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
