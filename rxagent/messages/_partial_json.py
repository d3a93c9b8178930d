"""Parse the JSON prefix that a streaming model has produced so far."""

from __future__ import annotations

import json
from typing import Any

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
        return json.loads(text, strict=False)
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
    """Close ``stack`` after ``chars``; trim the end until the result parses."""
    while chars:
        try:
            return json.loads("".join(chars) + "".join(reversed(stack)), strict=False)
        except json.JSONDecodeError:
            chars.pop()
            action = undo.pop()
            if action == "+":
                stack.pop()
            elif action:
                stack.append(action[1])
    return None
