"""One chunk joining, three faces: ``+``, ``ChunkAccumulator``, ``accumulate_messages``.

Each is checked against langchain-core's own ``AIMessageChunk.__add__`` on random chunk
sequences (text, tool-call chunks by index, usage, ids, metadata, the last position).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st

from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator, join_chunks
from rxagent.operators import accumulate_messages

ChunkFields = dict[str, Any]

_FIELDS = (
    "content",
    "tool_call_chunks",
    "tool_calls",
    "invalid_tool_calls",
    "usage_metadata",
    "response_metadata",
    "additional_kwargs",
    "chunk_position",
)


@st.composite
def _pieces(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The tool-call pieces of one chunk (``_sequences`` names the first piece of a call)."""
    return [
        {
            "name": None,
            "args": draw(st.none() | st.integers(0, 8)),  # how many characters of the args
            "id": None,
            "index": index,
        }
        for index in draw(st.lists(st.integers(0, 2), max_size=2, unique=True))
    ]


_ARGS = json.dumps({"city": "Paris", "days": [1, 2], "units": {"t": "C"}})
_usages = st.none() | st.builds(
    lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
    st.integers(0, 50),
    st.integers(0, 50),
)
_metadata = st.sampled_from([{}, {"model_name": "m"}, {"finish_reason": "stop"}])


def _chunk_fields(ids: st.SearchStrategy[str | None]) -> st.SearchStrategy[ChunkFields]:
    return st.fixed_dictionaries(
        {
            "content": st.text(alphabet="ab .\n", max_size=4),
            "id": ids,
            "tool_call_chunks": _pieces(),
            "usage_metadata": _usages,
            "response_metadata": _metadata,
        }
    )


def _sequences(ids: st.SearchStrategy[str | None]) -> st.SearchStrategy[list[ChunkFields]]:
    """Chunk fields in stream order; the last chunk is sometimes ``chunk_position="last"``.

    A tool call's first piece carries its name and id, later pieces only args, as providers
    stream them (langchain-core would concatenate a name sent twice; rxagent keeps it once),
    and the args are consecutive pieces of one JSON object (the two partial JSON parsers
    differ on garbage, which is not what joining is about).
    """

    def close(chunks: list[ChunkFields], last: bool) -> list[ChunkFields]:
        sent: dict[int, int] = {}  # characters of each call's args sent so far
        for fields in chunks:
            for piece in fields["tool_call_chunks"]:
                index, size = piece["index"], piece["args"]
                if index not in sent:
                    sent[index] = 0
                    piece.update(name=f"f{index}", id=f"call_{index}")
                if size is not None:
                    piece["args"] = _ARGS[sent[index] : sent[index] + size]
                    sent[index] += size
        if last:
            chunks[-1] = {**chunks[-1], "chunk_position": "last"}
        return chunks

    return st.builds(close, st.lists(_chunk_fields(ids), min_size=1, max_size=8), st.booleans())


_MIXED_IDS = st.sampled_from([None, "run-1", "lc_run-1", "lc_other"])
_ONE_ID = st.sampled_from([None, "m1"])


def _langchain_sum(chunks: list[ChunkFields]) -> dict[str, Any]:
    """The chunks joined by langchain-core's ``+``, as plain values."""
    pytest.importorskip("langchain_core")
    from langchain_core.messages import AIMessageChunk as LangChainChunk

    total = LangChainChunk(**chunks[0])
    for fields in chunks[1:]:
        total = total + LangChainChunk(**fields)
    return {"id": total.id, **{name: getattr(total, name) for name in _FIELDS}}


def _ours(chunk: AIMessageChunk) -> dict[str, Any]:
    return {"id": chunk.id, **{name: getattr(chunk, name) for name in _FIELDS}}


@given(_sequences(_MIXED_IDS))
def test_plus_and_the_accumulator_join_as_langchain_does(chunks: list[ChunkFields]) -> None:
    mine = [AIMessageChunk(**fields) for fields in chunks]
    expected = _langchain_sum(chunks)
    assert _ours(join_chunks(mine)) == expected
    total = mine[0]
    for chunk in mine[1:]:
        total = total + chunk
    assert _ours(total) == expected
    acc = ChunkAccumulator()
    for chunk in mine:
        acc.add(chunk)
    assert _ours(acc.to_chunk()) == expected
    message = acc.to_message()
    assert (message.content, message.tool_calls) == (expected["content"], expected["tool_calls"])


@given(_sequences(_ONE_ID))
def test_every_snapshot_of_accumulate_messages_is_langchains_sum_so_far(
    chunks: list[ChunkFields],
) -> None:
    events: list[Event] = [
        MessageEvent(data=(AIMessageChunk(**fields), {}), task_id="t1") for fields in chunks
    ]
    out: list[Event] = []
    rx.from_iterable(events).pipe(accumulate_messages()).subscribe(out.append)
    assert len(out) == len(chunks)
    for i, event in enumerate(out):
        assert isinstance(event, MessageEvent)
        assert isinstance(event.data[0], AIMessageChunk)
        assert _ours(event.data[0]) == _langchain_sum(chunks[: i + 1]), i


def test_a_tool_call_streamed_in_pieces_joins_as_langchain_does() -> None:
    args = json.dumps({"city": "Paris", "days": [1, 2]})
    chunks: list[ChunkFields] = [
        {"content": "", "tool_call_chunks": [{"name": "f", "args": "", "id": "c1", "index": 0}]}
    ]
    chunks += [
        {"content": "", "tool_call_chunks": [{"name": None, "args": c, "id": None, "index": 0}]}
        for c in args
    ]
    joined = join_chunks(AIMessageChunk(**fields) for fields in chunks)
    assert _ours(joined) == _langchain_sum(chunks)
    assert joined.tool_calls[0]["args"] == {"city": "Paris", "days": [1, 2]}
    acc = ChunkAccumulator()  # a snapshot after every character: its reader reads each once
    for count, fields in enumerate(chunks, 1):
        acc.add(AIMessageChunk(**fields))
        assert _ours(acc.to_chunk()) == _langchain_sum(chunks[:count]), count


@pytest.mark.parametrize("size", [1, 3, 7])
def test_a_long_string_in_tool_call_args_joins_as_langchain_does_at_every_piece(
    size: int,
) -> None:
    """Each snapshot, dropped before the next (as a UI that redraws): the reader then grows
    the string in place. Escapes and surrogate pairs are split at every place."""
    content = 'x = "é😀"\n\tif y:\\n' * 3
    args = json.dumps({"path": "a.py", "content": content})
    pieces = [args[start : start + size] for start in range(0, len(args), size)]
    chunks: list[ChunkFields] = [
        {"content": "", "tool_call_chunks": [{"name": "write", "args": "", "id": "c1", "index": 0}]}
    ]
    chunks += [
        {"content": "", "tool_call_chunks": [{"name": None, "args": p, "id": None, "index": 0}]}
        for p in pieces
    ]
    events = [MessageEvent(data=(AIMessageChunk(**fields), {}), task_id="t1") for fields in chunks]
    seen = 0

    def check(event: Event) -> None:
        nonlocal seen
        seen += 1
        assert isinstance(event, MessageEvent)
        assert isinstance(event.data[0], AIMessageChunk)
        assert _ours(event.data[0]) == _langchain_sum(chunks[:seen]), seen

    rx.from_iterable(events).pipe(accumulate_messages()).subscribe(check)
    assert seen == len(chunks)
