"""accumulate_messages on one long message: no copy of the text per snapshot, O(text) held.

Timing is not asserted (timed tests are forbidden). Memory says the same thing: tracemalloc
records a string resized in place as one block, so while a consumer drops each snapshot
before the next token, the peak stays near one copy of the text; a copy per snapshot needs
the old and the new text at once, twice the text at the end (as it still does for a
consumer that holds the previous snapshot while the next is made: a ``str`` per snapshot).
The growth in place is CPython's (see ``rxagent.messages._content``), so these tests run on
CPython only.
"""

from __future__ import annotations

import gc
import platform
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import reactivex as rx
from reactivex.subject import Subject

from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator, text_chunk
from rxagent.operators import accumulate_messages

pytestmark = pytest.mark.skipif(
    platform.python_implementation() != "CPython", reason="in-place growth is CPython's"
)

TOKENS = 20_000
TOKEN = "0123456789abcdefghi "  # 20 characters: 400 kB of text in all
TEXT = len(TOKEN) * TOKENS
SLACK = 64 * 1024  # one snapshot, one event, the operator's state, tracemalloc's own


def _measure(stream: Callable[[], Any]) -> tuple[int, int]:
    """(peak, retained) bytes that ``stream()`` allocates; what it returns is kept."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept = stream()
        gc.collect()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return peak - start, now - start


def _tokens(content: Callable[[str], Any] = lambda token: token) -> Iterator[Event]:
    """One long message of distinct token strings, built as they are consumed."""
    for i in range(TOKENS):
        token = TOKEN[:-1] + chr(32 + i % 90)  # a fresh str object, as providers send
        chunk = AIMessageChunk(content(token), id="m1") if i % 500 == 0 else None
        yield MessageEvent(data=(chunk or text_chunk(token, "m1"), {}), task_id="t1")


def _through_the_operator(events: Iterator[Event]) -> Callable[[], Any]:
    def stream() -> Any:
        seen = 0

        def drop(_: Event) -> None:  # a UI that redraws, then lets the snapshot go
            nonlocal seen
            seen += 1

        subject: Subject[Event] = Subject()
        subject.pipe(accumulate_messages()).subscribe(drop)
        for event in events:
            subject.on_next(event)  # the message stays open: its state is retained
        assert seen == TOKENS
        return subject

    return stream


def test_dropped_snapshots_of_a_long_message_cost_one_copy_of_its_text() -> None:
    peak, retained = _measure(_through_the_operator(_tokens()))
    assert peak < 1.5 * TEXT + SLACK, f"{peak / TEXT:.2f} × the text at the peak"
    assert retained < 1.2 * TEXT + SLACK, f"{retained / TEXT:.2f} × the text retained"


def test_list_content_blocks_grow_without_a_copy_per_snapshot() -> None:
    def block(token: str) -> list[Any]:
        return [{"type": "text", "text": token, "index": 0}]

    def blocks() -> Iterator[Event]:
        for event in _tokens():
            chunk = event.data[0]
            assert isinstance(chunk, AIMessageChunk)
            yield MessageEvent(data=(AIMessageChunk(block(chunk.text), id="m1"), {}))

    peak, retained = _measure(_through_the_operator(blocks()))
    assert peak < 1.5 * TEXT + SLACK, f"{peak / TEXT:.2f} × the text at the peak"
    assert retained < 1.2 * TEXT + SLACK, f"{retained / TEXT:.2f} × the text retained"


def test_kept_snapshots_each_keep_their_own_text() -> None:
    """The other side: a consumer that keeps snapshots sees each one unchanged."""
    out: list[Event] = []
    events = [MessageEvent(data=(text_chunk(t, "m1"), {})) for t in ("Hel", "lo", " world")]
    rx.from_iterable(events).pipe(accumulate_messages()).subscribe(out.append)
    texts = [e.data[0].text for e in out if isinstance(e, MessageEvent)]
    assert texts == ["Hel", "Hello", "Hello world"]


def test_the_accumulator_snapshot_per_token_holds_about_the_text() -> None:
    def stream() -> Any:
        acc = ChunkAccumulator()
        for event in _tokens():
            acc.add(event.data[0])  # type: ignore[arg-type]
            snapshot = acc.to_chunk()
            del snapshot
        return acc

    peak, retained = _measure(stream)
    assert peak < 1.5 * TEXT + SLACK, f"{peak / TEXT:.2f} × the text at the peak"
    assert retained < 1.2 * TEXT + SLACK, f"{retained / TEXT:.2f} × the text retained"
