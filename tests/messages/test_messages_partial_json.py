"""parse_partial_json: complete documents, prefixes, and malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.messages import parse_partial_json


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
