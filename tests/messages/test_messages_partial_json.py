"""parse_partial_json: complete documents, prefixes, and malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.messages import parse_partial_json
from rxagent.messages._partial_json import PartialJson


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"city": "Paris"}', {"city": "Paris"}),
        ('{"city": ', {}),
        ('{"city": "Par', {"city": "Par"}),
        ('{"cities": ["Paris", ', {"cities": ["Paris"]}),
        ('{"a": {"b": [1, {"c', {"a": {"b": [1, {}]}}),
        ('{"a": 1, "b"', {"a": 1}),
        ('{"a": tru', {}),
        ("[1, 2", [1, 2]),
        ('"abc', "abc"),
        ('{"a": "x\\', {"a": "x"}),
        ('{"a": "line1\nline2', {"a": "line1\nline2"}),
        ('{"a": "q\\"', {"a": 'q"'}),
        ("{", {}),
    ],
)
def test_prefixes_are_completed(text: str, expected: Any) -> None:
    assert parse_partial_json(text) == expected


@pytest.mark.parametrize("text", ["", '{"a": 1]', "]", "}{", "xyz"])
def test_unparsable_gives_none(text: str) -> None:
    assert parse_partial_json(text) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@settings(deadline=None)  # big drawn documents parse slowly on a loaded machine
@given(st.dictionaries(st.text(), json_values, max_size=6), st.booleans(), st.data())
def test_every_prefix_of_an_object_parses_to_a_dict(
    args: dict[str, Any], ascii_only: bool, data: st.DataObject
) -> None:
    text = json.dumps(args, ensure_ascii=ascii_only)
    assert parse_partial_json(text) == args
    cut = data.draw(st.integers(min_value=1, max_value=len(text)))
    assert isinstance(parse_partial_json(text[:cut]), dict)


def one_at_a_time(text: str) -> Any:
    """The reference: langchain-core's algorithm before 1.8, written out here. It closes an
    open string and the containers the whole text left open, then drops one character
    (a newline in a string, escaped, counts as one) and parses again until a candidate
    parses; ``None`` where none does."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    read = _read_closed(text)
    if read is None:
        return None
    chars, closers = read
    while chars:
        try:
            return json.loads("".join(chars) + "".join(reversed(closers)), strict=False)
        except json.JSONDecodeError:
            chars.pop()
    return None


def _read_closed(text: str) -> tuple[list[str], list[str]] | None:
    """The reference's reading: the characters (newlines in strings escaped, an open string
    closed) and the closers left open; ``None`` at a closer that closes nothing open."""
    chars: list[str] = []
    closers: list[str] = []
    in_string = escaped = False
    for char in text:
        copy = char
        if in_string:
            in_string = char != '"' or escaped
            copy = "\\n" if char == "\n" and not escaped else char
            escaped = char == "\\" and not escaped
        elif char == '"':
            in_string, escaped = True, False
        elif char in "{[":
            closers.append("}" if char == "{" else "]")
        elif char in "}]":
            if not closers or closers[-1] != char:
                return None
            closers.pop()
        chars.append(copy)
    if in_string:
        if escaped:
            chars.pop()
        chars.append('"')
    return chars, closers


json_pieces = st.sampled_from(
    ["{", "}", "[", "]", '"', "\\", ",", ":", " ", "\n", "\t", "a", "é", "-", "1", "0", ".",
     "e", "E", "+", "true", "tru", "fals", "null", "nu", '"k": ', '{"a": ', "\\u00e", "\\n"]
)  # fmt: skip


@given(st.lists(json_pieces, max_size=24).map("".join))
def test_cutting_at_the_error_gives_what_trimming_one_at_a_time_gives(text: str) -> None:
    assert repr(parse_partial_json(text)) == repr(one_at_a_time(text))


@given(st.lists(json_pieces, max_size=24).map("".join))
def test_any_text_parses_as_langchain_core_parses_it(text: str) -> None:
    lc_json = pytest.importorskip("langchain_core.utils.json")
    try:
        expected = repr(lc_json.parse_partial_json(text))
    except json.JSONDecodeError:  # where no candidate parses, langchain-core raises
        expected = "None"
    assert repr(parse_partial_json(text)) == expected


@given(json_values, st.booleans(), st.data())
def test_every_prefix_parses_as_langchain_core_parses_it(
    value: Any, ascii_only: bool, data: st.DataObject
) -> None:
    lc_json = pytest.importorskip("langchain_core.utils.json")
    text = json.dumps(value, ensure_ascii=ascii_only)
    prefix = text[: data.draw(st.integers(min_value=1, max_value=len(text)))]
    try:
        expected = repr(lc_json.parse_partial_json(prefix))
    except json.JSONDecodeError:  # where no prefix parses, langchain-core raises
        expected = "None"
    assert repr(parse_partial_json(prefix)) == expected


@given(
    st.one_of(
        json_values.map(json.dumps),
        json_values.map(lambda value: json.dumps(value, ensure_ascii=False, indent=1)),
        st.lists(json_pieces, max_size=24).map("".join),
    ),
    st.lists(st.integers(min_value=0, max_value=200), max_size=8),
)
def test_a_growing_text_parses_as_each_prefix_parses_alone(text: str, cuts: list[int]) -> None:
    reader = PartialJson()
    for end in [*sorted({cut % (len(text) + 1) for cut in cuts}), len(text)]:
        prefix = text[:end]
        assert repr(reader.parse(prefix)) == repr(one_at_a_time(prefix))
