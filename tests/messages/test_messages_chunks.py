"""Chunk arithmetic: ``+``, ``sum``, ChunkAccumulator, and their laws."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    ChunkAccumulator,
    ContentBlock,
    ToolCallChunk,
    join_chunks,
    text_chunk,
    tool_call_chunk,
)


def split(text: str, cuts: list[int]) -> list[str]:
    """Cut ``text`` at the given positions (clipped and sorted)."""
    points = sorted({min(max(c, 0), len(text)) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def accumulate(chunks: list[AIMessageChunk]) -> ChunkAccumulator:
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc


def test_add_joins_everything() -> None:
    first = AIMessageChunk("Let", id="run-1", response_metadata={"model_name": "m"})
    second = AIMessageChunk(
        " me",
        id="other",
        tool_call_chunks=[{"name": "f", "args": '{"x": ', "id": "c1", "index": 0}],
        usage_metadata={"input_tokens": 2, "output_tokens": 1, "total_tokens": 3},
    )
    third = AIMessageChunk(
        "",
        tool_call_chunks=[{"name": None, "args": "1}", "id": None, "index": 0}],
        usage_metadata={"input_tokens": 0, "output_tokens": 4, "total_tokens": 4},
        response_metadata={"finish_reason": "tool_calls"},
        chunk_position="last",
    )
    total = first + second + third
    assert total.content == "Let me"
    assert total.id == "run-1"
    assert total.chunk_position == "last"
    assert total.usage_metadata == {"input_tokens": 2, "output_tokens": 5, "total_tokens": 7}
    assert total.response_metadata == {"model_name": "m", "finish_reason": "tool_calls"}
    assert total.tool_call_chunks == [tool_call_chunk("f", '{"x": 1}', "c1", 0)]
    assert total.tool_calls == [{"name": "f", "args": {"x": 1}, "id": "c1", "type": "tool_call"}]
    rest = [second, third]
    assert total == first + rest == sum([first, *rest])
    assert first.content == "Let"  # operands are not modified


def test_adding_other_types_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _ = AIMessageChunk("a") + AIMessage("b")  # type: ignore[operator]


def test_tool_call_chunks_merge_by_index_and_keep_order() -> None:
    chunks = [
        AIMessageChunk("", tool_call_chunks=[tool_call_chunk("f", '{"a"', "c1", 0)]),
        AIMessageChunk("", tool_call_chunks=[tool_call_chunk("g", "{}", "c2", 1)]),
        AIMessageChunk("", tool_call_chunks=[tool_call_chunk(None, ": 1}", None, 0)]),
        AIMessageChunk("", tool_call_chunks=[tool_call_chunk("h", None, None, None)]),
    ]
    total = sum(chunks, AIMessageChunk(""))
    assert [(c["name"], c["args"], c["index"]) for c in total.tool_call_chunks] == [
        ("f", '{"a": 1}', 0),
        ("g", "{}", 1),
        ("h", None, None),
    ]
    assert [call["args"] for call in total.tool_calls] == [{"a": 1}, {}, {}]


def test_list_content_concatenates() -> None:
    image: ContentBlock = {"type": "image", "url": "u"}
    total = AIMessageChunk("a") + AIMessageChunk([image]) + AIMessageChunk("b")
    assert total.content == ["a", image, "b"]
    assert (AIMessageChunk([image, "x"]) + AIMessageChunk("y")).content == [image, "xy"]
    assert total.text == "ab"


def test_metadata_merges_like_langchain() -> None:
    total = AIMessageChunk("", additional_kwargs={"fc": {"arguments": '{"a"'}}) + AIMessageChunk(
        "", additional_kwargs={"fc": {"arguments": ": 1}"}, "n": None}
    )
    assert total.additional_kwargs == {"fc": {"arguments": '{"a": 1}'}, "n": None}
    with pytest.raises(TypeError, match="'k'"):
        _ = AIMessageChunk("", response_metadata={"k": 1}) + AIMessageChunk(
            "", response_metadata={"k": "x"}
        )


def test_accumulator_snapshots_are_independent() -> None:
    acc = ChunkAccumulator()
    acc.add(text_chunk("a", "run-1"))
    snapshot = acc.to_chunk()
    acc.add(text_chunk("b", None))
    assert (snapshot.content, acc.text, acc.to_message().content) == ("a", "ab", "ab")
    assert type(acc.to_message()) is AIMessage


def test_hundred_thousand_chunks_join() -> None:
    words = [f" w{i}" for i in range(100_000)]
    acc = accumulate([text_chunk(word, "run-1") for word in words])
    message = acc.to_message()
    assert message.content == "".join(words)
    assert message.id == "run-1"
    assert join_chunks(text_chunk(word, None) for word in words).content == message.content


texts = st.text(alphabet=st.characters(codec="utf-8"))
cut_lists = st.lists(st.integers(min_value=0, max_value=200), max_size=20)


@settings(deadline=None)  # big drawn documents parse slowly on a loaded machine
@given(texts, cut_lists)
def test_any_split_of_text_sums_to_the_text(text: str, cuts: list[int]) -> None:
    chunks = [AIMessageChunk(part, id="run-1") for part in split(text, cuts)]
    total = sum(chunks, AIMessageChunk(""))
    assert total.content == text
    assert accumulate(chunks).to_chunk() == total == join_chunks(chunks)


json_leaves = st.none() | st.booleans() | st.integers() | st.text()
# Nested, but small: drawing hypothesis's default (up to 100 leaves under each of an unbounded
# number of keys) took most of these properties' time; the cuts are what they explore.
args_dicts = st.dictionaries(
    st.text(),
    st.recursive(json_leaves, lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=10),
    max_size=6,
)


def args_chunks(args: dict[str, Any], cuts: list[int], index: int) -> list[AIMessageChunk]:
    pieces = split(json.dumps(args), cuts)
    first: ToolCallChunk = tool_call_chunk("f", pieces[0], f"call_{index}", index)
    rest = [tool_call_chunk(None, piece, None, index) for piece in pieces[1:]]
    return [AIMessageChunk("", tool_call_chunks=[piece]) for piece in [first, *rest]]


@settings(deadline=None)  # big drawn documents parse slowly on a loaded machine
@given(args_dicts, cut_lists, args_dicts, cut_lists, st.randoms())
def test_any_split_of_tool_call_args_parses_back(
    args0: dict[str, Any],
    cuts0: list[int],
    args1: dict[str, Any],
    cuts1: list[int],
    rng: Any,
) -> None:
    first, second = args_chunks(args0, cuts0, 0), args_chunks(args1, cuts1, 1)
    # Interleave the two calls' chunks, keeping each call's order.
    chunks: list[AIMessageChunk] = []
    while first or second:
        source = first if first and (not second or rng.random() < 0.5) else second
        chunks.append(source.pop(0))
    total = sum(chunks, AIMessageChunk(""))
    by_index = {call["id"]: call["args"] for call in total.tool_calls}
    assert by_index == {"call_0": args0, "call_1": args1}
    assert accumulate(chunks).to_chunk() == total


@settings(deadline=None)  # big drawn documents parse slowly on a loaded machine
@given(texts, cut_lists, args_dicts, cut_lists, st.data())
def test_addition_is_associative(
    text: str, text_cuts: list[int], args: dict[str, Any], args_cuts: list[int], data: st.DataObject
) -> None:
    chunks = [AIMessageChunk(p) for p in split(text, text_cuts)] + args_chunks(args, args_cuts, 0)
    i = data.draw(st.integers(min_value=0, max_value=len(chunks)))
    j = data.draw(st.integers(min_value=i, max_value=len(chunks)))
    left, middle, right = (
        join_chunks(chunks[:i] or [AIMessageChunk("")]),
        join_chunks(chunks[i:j] or [AIMessageChunk("")]),
        join_chunks(chunks[j:] or [AIMessageChunk("")]),
    )
    assert (left + middle) + right == left + (middle + right) == join_chunks(chunks)


blocks = st.lists(
    st.text(max_size=3) | st.builds(lambda t: {"type": "text", "text": t}, st.text(max_size=3)),
    max_size=3,
)


@settings(deadline=None)  # big drawn documents parse slowly on a loaded machine
@given(st.lists(st.text(max_size=3) | blocks, min_size=3, max_size=3))
def test_addition_is_associative_on_mixed_content(contents: list[Any]) -> None:
    a, b, c = (AIMessageChunk(content) for content in contents)
    assert ((a + b) + c).content == (a + (b + c)).content
    assert (a + b + c).text == "".join(chunk.text for chunk in (a, b, c))
