"""A long streamed answer keeps its text, not one string object per token."""

from __future__ import annotations

import sys

from rxagent.messages import ChunkAccumulator, text_chunk


def test_a_long_answer_keeps_about_its_text() -> None:
    tokens = [f" w{i % 1000}" for i in range(100_000)]  # distinct str objects, as providers send
    joined = ChunkAccumulator()
    for token in tokens:
        joined.add(text_chunk(token, "run-1"))
    held = joined._content.pending
    assert len(held) <= len(tokens) // 64 + 64
    text_bytes = sum(len(token) for token in tokens)
    assert sum(sys.getsizeof(part) for part in held) < 1.1 * text_bytes + 100 * len(held)
    assert joined.text == "".join(tokens)
