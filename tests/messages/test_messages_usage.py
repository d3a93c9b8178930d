"""Token usage with provider details: accepted, summed as langchain-core sums it, never fatal."""

from __future__ import annotations

import functools
import operator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    ChunkAccumulator,
    UsageMetadata,
    add_usage,
    join_chunks,
)

OPENAI_LIKE: UsageMetadata = {
    "input_tokens": 350,
    "output_tokens": 240,
    "total_tokens": 590,
    "input_token_details": {"audio": 10, "cache_creation": 200, "cache_read": 100},
    "output_token_details": {"audio": 10, "reasoning": 200},
}


def _usage(n: int, **details: Any) -> Any:
    return {"input_tokens": n, "output_tokens": 2 * n, "total_tokens": 3 * n, **details}


def test_messages_accept_token_details_and_provider_keys() -> None:
    usage = _usage(
        1,
        input_token_details={"cache_read": 1, "ephemeral_5m_input_tokens": 4},
        output_token_details={"reasoning": 2, "accepted_prediction": 1},
        server_tool_use={"web_search_requests": 1},
    )
    assert AIMessage("x", usage_metadata=usage).usage_metadata == usage
    assert AIMessageChunk("", usage_metadata=usage).usage_metadata == usage
    assert AIMessage("x", usage_metadata=OPENAI_LIKE).usage_metadata == OPENAI_LIKE


def test_known_detail_keys_are_still_checked() -> None:
    with pytest.raises(ValueError, match=r"input_token_details.cache_read"):
        AIMessage("x", usage_metadata=_usage(1, input_token_details={"cache_read": "many"}))


def test_chunks_sum_nested_details() -> None:
    first = AIMessageChunk(
        "a", id="run-1", usage_metadata=_usage(1, input_token_details={"cache_read": 1})
    )
    more = _usage(
        2, input_token_details={"cache_read": 2, "audio": 5}, output_token_details={"reasoning": 7}
    )
    second = AIMessageChunk("b", usage_metadata=more)
    expected = _usage(
        3, input_token_details={"cache_read": 3, "audio": 5}, output_token_details={"reasoning": 7}
    )
    assert (first + second).usage_metadata == expected
    assert join_chunks([first, second]).to_message().usage_metadata == expected
    assert (AIMessageChunk("") + second).usage_metadata == second.usage_metadata
    assert (first + AIMessageChunk("")).usage_metadata == first.usage_metadata
    assert (AIMessageChunk("") + AIMessageChunk("")).usage_metadata is None


def test_joined_usage_shares_no_nested_dict_with_its_chunks() -> None:
    chunk = AIMessageChunk("", usage_metadata=_usage(1, input_token_details={"cache_read": 1}))
    acc = ChunkAccumulator()
    acc.add(chunk)
    message = acc.to_message()
    assert message.usage_metadata is not None
    message.usage_metadata["input_token_details"]["cache_read"] = 99
    assert acc.to_message().usage_metadata == chunk.usage_metadata
    assert chunk.usage_metadata is not None
    assert chunk.usage_metadata["input_token_details"] == {"cache_read": 1}
    copy = chunk.to_message().usage_metadata
    assert copy is not None
    assert copy["input_token_details"] is not chunk.usage_metadata["input_token_details"]


def test_odd_provider_usage_values_never_raise() -> None:
    """Where langchain-core raises (values that are not ints or dicts), rxagent goes on."""
    left: Any = _usage(1, cost=0.5, tier="a", note=None, details={"x": 1}, mixed=1)
    right: Any = _usage(2, cost=0.25, tier="b", note=3, details=None, mixed={"y": 1})
    assert add_usage(left, right) == _usage(
        3, cost=0.75, tier="b", note=3, details={"x": 1}, mixed={"y": 1}
    )
    assert add_usage(None, None) is None
    assert add_usage(left, None) == left


def test_accumulator_lets_conflicting_metadata_through_but_plus_is_strict() -> None:
    chunks = [
        AIMessageChunk("a", response_metadata={"k": 1, "t": 0.5}, additional_kwargs={"f": True}),
        AIMessageChunk("b", response_metadata={"k": "x", "t": 0.7}, additional_kwargs={"f": False}),
    ]
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    message = acc.to_message()
    assert message.response_metadata == {"k": "x", "t": 0.7}
    assert message.additional_kwargs == {"f": False}
    with pytest.raises(TypeError, match="'k'"):
        _ = chunks[0] + chunks[1]


# --- side by side with langchain-core -----------------------------------------------------


def _langchain_sum(usages: list[Any]) -> Any:
    pytest.importorskip("langchain_core")
    from langchain_core.messages import AIMessageChunk as LangChainChunk

    chunks = [LangChainChunk(content=str(i), usage_metadata=u) for i, u in enumerate(usages)]
    return functools.reduce(operator.add, chunks).usage_metadata


def _rxagent_sum(usages: list[Any]) -> Any:
    chunks = [AIMessageChunk(str(i), usage_metadata=u) for i, u in enumerate(usages)]
    pairwise = functools.reduce(operator.add, chunks).usage_metadata
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    assert acc.to_message().usage_metadata == pairwise
    return pairwise


def test_openai_stream_usage_sums_as_in_langchain() -> None:
    usages = [None, None, OPENAI_LIKE, _usage(1, input_token_details={"cache_read": 1})]
    assert _rxagent_sum(usages) == _langchain_sum(usages)


_DETAIL_KEYS = st.sampled_from(["audio", "cache_read", "cache_creation", "reasoning", "x_extra"])
_DETAILS = st.dictionaries(_DETAIL_KEYS, st.integers(0, 10_000), max_size=4)


@st.composite
def _usages(draw: st.DrawFn) -> Any:
    counts = st.integers(0, 100_000)
    usage: dict[str, Any] = {
        "input_tokens": draw(counts),
        "output_tokens": draw(counts),
        "total_tokens": draw(counts),
    }
    for key in ("input_token_details", "output_token_details"):
        if draw(st.booleans()):
            usage[key] = draw(_DETAILS)
    if draw(st.booleans()):
        usage["provider_calls"] = draw(counts)
    return usage


@settings(max_examples=150, deadline=None)
@given(st.lists(st.none() | _usages(), min_size=1, max_size=6))
def test_usage_sums_equal_langchains(usages: list[Any]) -> None:
    assert _rxagent_sum(usages) == _langchain_sum(usages)
