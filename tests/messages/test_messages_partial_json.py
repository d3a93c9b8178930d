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


# Where the text grows inside a string value, a reader makes the next result from the
# piece and what it kept of the last one (``OpenString``): the results must be those of a
# fresh parse, whatever the caller does with each: drop it, hold it or change it.

escape_heavy = st.text(alphabet=st.sampled_from('ab"\\\n\té😀\u2028/'), max_size=40)
growing_documents = st.one_of(
    json_values.map(json.dumps),
    json_values.map(lambda value: json.dumps(value, ensure_ascii=False)),
    st.dictionaries(st.text(max_size=3), escape_heavy, max_size=3).map(json.dumps),
    st.lists(escape_heavy, max_size=3).map(lambda value: json.dumps({"a": [{"b": value}]})),
    st.lists(json_pieces, max_size=24).map("".join),
)


@given(growing_documents, st.lists(st.integers(min_value=1, max_value=7), max_size=60))
def test_a_growing_text_read_in_small_pieces_parses_as_each_prefix_alone(
    text: str, steps: list[int]
) -> None:
    reader = PartialJson()
    for end in _ends(text, steps):
        prefix = text[:end]
        assert repr(reader.parse(prefix)) == repr(one_at_a_time(prefix))  # result dropped


@given(growing_documents, st.lists(st.integers(min_value=1, max_value=7), max_size=60))
def test_a_growing_text_read_in_small_pieces_parses_as_langchain_core_parses_each_prefix(
    text: str, steps: list[int]
) -> None:
    lc_json = pytest.importorskip("langchain_core.utils.json")
    reader = PartialJson()
    for end in _ends(text, steps):
        prefix = text[:end]
        try:
            expected = repr(lc_json.parse_partial_json(prefix))
        except json.JSONDecodeError:  # where no candidate parses, langchain-core raises
            expected = "None"
        assert repr(reader.parse(prefix)) == expected  # result dropped


@given(growing_documents, st.lists(st.integers(min_value=1, max_value=7), max_size=60))
def test_results_the_caller_holds_do_not_change(text: str, steps: list[int]) -> None:
    reader = PartialJson()
    held: list[tuple[Any, str]] = []
    for end in _ends(text, steps):
        result = reader.parse(text[:end])
        held.append((result, repr(result)))
    for result, seen in held:
        assert repr(result) == seen


@given(growing_documents, st.lists(st.integers(min_value=1, max_value=7), max_size=60), st.data())
def test_parts_the_caller_holds_do_not_change(
    text: str, steps: list[int], data: st.DataObject
) -> None:
    """A caller that keeps a container from inside each result and drops the rest."""
    reader = PartialJson()
    held: list[tuple[Any, str]] = []
    for end in _ends(text, steps):
        prefix = text[:end]
        result = reader.parse(prefix)
        assert repr(result) == repr(one_at_a_time(prefix))
        inside = _containers(result)[1:]
        if inside:
            part = data.draw(st.sampled_from(inside))
            held.append((part, repr(part)))
        del result, inside
    for part, seen in held:
        assert repr(part) == seen


@given(growing_documents, st.lists(st.integers(min_value=1, max_value=7), max_size=60), st.data())
def test_a_caller_that_changes_each_result_does_not_change_the_next(
    text: str, steps: list[int], data: st.DataObject
) -> None:
    reader = PartialJson()
    for end in _ends(text, steps):
        prefix = text[:end]
        result = reader.parse(prefix)
        assert repr(result) == repr(one_at_a_time(prefix))
        for part in _containers(result):  # take out its last entry, or add one
            take = bool(part) and data.draw(st.booleans())
            if isinstance(part, dict):
                if take:
                    part.popitem()
                else:
                    part["x"] = [0]
            elif take:
                part.pop()
            else:
                part.append({"x": 0})
        del result


def _ends(text: str, steps: list[int]) -> list[int]:
    """Ends of growing prefixes of ``text``: each step further, then the whole text."""
    ends, end = [], 0
    for step in steps:
        end += step
        if end >= len(text):
            break
        ends.append(end)
    return [*ends, len(text)]


def _containers(value: Any) -> list[Any]:
    """``value`` and the dicts and lists inside it, outermost first."""
    found, position = [value] if isinstance(value, dict | list) else [], 0
    while position < len(found):
        node = found[position]
        position += 1
        found.extend(
            child
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        )
    return found


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x", "b": "y", "a": "zzzzzzzzzz"}',  # a repeated key keeps its first place
        '{"a": ["p", "qqqqqqqqqqqq"]}',
        '{"k": {"n": [1, {"m": 2}], "s": "ttttttttttttt"}}',
        '{"s": "a\\u00e9\\ud83d\\ude00\\\\u00e9\\"\\n\\t\\/b"}',
        '{"s": "\\\\\\\\\\\\\\u0041\\\\"}',
    ],
)
def test_every_split_of_a_document_parses_as_each_prefix_alone(text: str) -> None:
    """From each first cut on, one character at a time; the caller drops each result,
    holds it, or empties every container in it."""
    for first in range(1, len(text)):
        for caller in ("drops", "holds", "empties"):
            reader, held = PartialJson(), []
            for end in range(first, len(text) + 1):
                prefix = text[:end]
                result = reader.parse(prefix)
                assert repr(result) == repr(one_at_a_time(prefix)), (first, end, caller)
                if caller == "holds":
                    held.append((result, repr(result)))
                elif caller == "empties":
                    for part in _containers(result):
                        part.clear()
                del result
            assert all(repr(result) == seen for result, seen in held)


def test_a_piece_inside_the_open_string_does_not_decode_the_whole_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rxagent.messages import _partial_json

    decoded: list[str] = []
    decode = _partial_json._decode

    def counting(text: str) -> Any:
        decoded.append(text)
        return decode(text)

    monkeypatch.setattr(_partial_json, "_decode", counting)
    # Escapes split at every place, and an escaped backslash before a plain "u00e9".
    text = '{"path": "a.py", "content": "' + 'x = \\"\\u00e9\\"\\n\\\\u00e9' * 40
    reader = PartialJson()
    assert reader.parse(text[:31]) == {"path": "a.py", "content": "x "}
    assert reader.parse(text[:32]) == {"path": "a.py", "content": "x ="}
    assert reader.parse(text[:33]) == {"path": "a.py", "content": "x = "}  # kept from here
    decoded.clear()
    for end in range(34, len(text) + 1):
        assert reader.parse(text[:end]) == one_at_a_time(text[:end])
    assert decoded == []
    held = reader.parse(text + "y")  # a caller that holds a result: it stays as it was
    assert reader.parse(text + "yz") == one_at_a_time(text + "yz")
    assert held == one_at_a_time(text + "y")
    assert decoded == []
