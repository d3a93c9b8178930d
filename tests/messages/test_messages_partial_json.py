"""parse_partial_json: complete documents, prefixes, and malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.messages import parse_partial_json
from rxagent.messages._partial_json import PartialJson, trim


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


@pytest.mark.slow
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
    """The reference: trim one character and parse again until a candidate parses (what
    ``parse_partial_json`` did before it cut at the decoder's error position)."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    scanned = PartialJson().scanned(text)
    if scanned is None:
        return None
    chars, undo, stack = scanned
    while chars:
        try:
            return json.loads("".join(chars) + "".join(reversed(stack)), strict=False)
        except json.JSONDecodeError:
            trim(chars, undo, stack, len(chars) - 1)
    return None


json_pieces = st.sampled_from(
    ["{", "}", "[", "]", '"', "\\", ",", ":", " ", "\n", "\t", "a", "é", "-", "1", "0", ".",
     "e", "E", "+", "true", "tru", "fals", "null", "nu", '"k": ', '{"a": ', "\\u00e", "\\n"]
)  # fmt: skip


@given(st.lists(json_pieces, max_size=24).map("".join))
def test_cutting_at_the_error_gives_what_trimming_one_at_a_time_gives(text: str) -> None:
    assert repr(parse_partial_json(text)) == repr(one_at_a_time(text))


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
