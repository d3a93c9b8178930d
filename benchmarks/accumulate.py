"""Cost of joining one long streamed message, per token.

``.venv/bin/python -m benchmarks.accumulate [--sizes 10000,100000,1000000] [--skip-over N]``

Prints a table: µs/token of ``accumulate_messages`` over one long message (the operator's
own cost: the same stream through an identity stage is subtracted), µs/token of the
messages package's ``ChunkAccumulator`` (``add`` per token, one ``to_chunk`` at the end),
and the bytes per token that each retains at the end of a still open message
(tracemalloc). The consumer drops every snapshot, as a UI that redraws does: one that holds
the previous snapshot while the next is made pays a copy of the text per token (each
snapshot's ``content`` is its own ``str``). Tokens are 5-character words,
as a provider streams them. The best of three runs below 1M tokens, one at 1M, on
whatever the machine is doing: compare rows of one run, not runs.

A second table does the same for one tool call whose args (``{"content": "..."}``) stream
in 5-character pieces (``--tool-sizes``): each snapshot parses the args so far, as ``+``
does. The pieces extend one string value, so each snapshot costs its piece, not the args
(``PartialJson``): the µs per piece should stay flat from 5 KB to 500 KB of args.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable, Iterator
from functools import partial

import reactivex as rx
from reactivex.subject import Subject

from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator, text_chunk, tool_call_chunk
from rxagent.operators import accumulate_messages

_METADATA = {"langgraph_node": "model"}


def _tokens(n: int) -> Iterator[str]:
    return (f" w{i % 1000:03d}" for i in range(n))


def _events(n: int) -> Iterator[Event]:
    return (
        MessageEvent(data=(text_chunk(token, "m1"), _METADATA), node="model", task_id="t1")
        for token in _tokens(n)
    )


def _tool_events(n: int) -> Iterator[Event]:
    """One tool call whose args (``{"content": "..."}``) stream in ``n`` 5-character pieces."""
    args = '{"content": "' + "w" * (5 * n - 15) + '"}'
    for index in range(n):
        piece = args[5 * index : 5 * index + 5]
        first = index == 0  # the first piece names the tool and the call
        call = tool_call_chunk("write" if first else None, piece, "call_1" if first else None, 0)
        chunk = AIMessageChunk("", id="m1", tool_call_chunks=[call])
        yield MessageEvent(data=(chunk, _METADATA), node="model", task_id="t1")


def _replay(events: list[Event], n: int) -> Iterator[Event]:
    """The first ``n`` of ``events``, made before."""
    return iter(events[:n])


def _drain(n: int, accumulate: bool, events: Callable[[int], Iterator[Event]] = _events) -> float:
    """Seconds to stream ``n`` events through the operator (or an identity stage)."""
    seen = 0

    def count(_: Event) -> None:
        nonlocal seen
        seen += 1

    source = rx.from_iterable(events(n))
    pipeline = source.pipe(accumulate_messages()) if accumulate else source
    gc.collect()
    start = time.perf_counter()
    pipeline.subscribe(count)
    elapsed = time.perf_counter() - start
    assert seen == n
    return elapsed


def _accumulator(n: int) -> float:
    chunks = [text_chunk(token, "m1") for token in _tokens(n)]
    gc.collect()
    start = time.perf_counter()
    acc = ChunkAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    acc.to_chunk()
    return time.perf_counter() - start


def _retained(n: int, run: Callable[[int], object]) -> float:
    """Bytes per token still allocated by what ``run`` returns (kept alive)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = run(n)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / n


def _operator_state(n: int) -> object:
    """Stream ``n`` tokens through the operator, keep it with its open message."""
    subject: Subject[Event] = Subject()
    subject.pipe(accumulate_messages()).subscribe(lambda _: None)
    for event in _events(n):
        subject.on_next(event)
    return subject


def _accumulator_state(n: int) -> object:
    acc = ChunkAccumulator()
    for token in _tokens(n):
        acc.add(text_chunk(token, "m1"))
    return acc


def main(argv: list[str] | None = None) -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--tool-sizes", default="1000,10000,100000")
    parser.add_argument(
        "--skip-over",
        type=float,
        default=60.0,
        help="skip the operator at a size when the previous size predicts more seconds",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print("| tokens | accumulate_messages µs/token | ChunkAccumulator µs/token |")
    print("|---:|---:|---:|")
    measured: list[tuple[int, float]] = []  # (tokens, µs/token) of the operator
    _drain(2_000, True)  # warm up: imports, caches, the interpreter's specialisations
    for n in sizes:
        predicted = _predicted_seconds(measured, n)
        if predicted > args.skip_over:
            operator = f"skipped (≈ {predicted:.0f} s)"
        else:
            runs = 3 if n <= 100_000 else 1  # the best of three below 1M tokens
            cost = min(_drain(n, True) - _drain(n, False) for _ in range(runs)) / n * 1e6
            measured.append((n, cost))
            operator = f"{cost:.2f}"
        joined = min(_accumulator(n) for _ in range(3 if n <= 100_000 else 1))
        print(f"| {n:,} | {operator} | {joined / n * 1e6:.2f} |")
    n = sizes[-1]
    print()
    print(f"retained at the end of one open {n:,}-token message (5 characters a token):")
    print(f"- ChunkAccumulator: {_retained(n, _accumulator_state):.1f} bytes/token")
    if _predicted_seconds(measured, n) <= args.skip_over:
        print(f"- accumulate_messages: {_retained(n, _operator_state):.1f} bytes/token")
    _tool_table([int(size) for size in args.tool_sizes.split(",")], args.skip_over)


def _tool_table(sizes: list[int], skip_over: float) -> None:
    """The second table: one tool call's args in 5-character pieces, a snapshot per piece."""
    print()
    print("| tool-call pieces (args characters) | accumulate_messages µs/piece |")
    print("|---:|---:|")
    measured: list[tuple[int, float]] = []
    for n in sizes:
        predicted = _predicted_seconds(measured, n)
        if predicted > skip_over:
            cost = f"skipped (≈ {predicted:.0f} s)"
        else:
            runs = 3 if n <= 10_000 else 1
            # built once, outside the timing: each chunk's validation parses its piece
            replay = partial(_replay, list(_tool_events(n)))
            _drain(min(n, 1_000), True, replay)  # warm up
            seconds = min(_drain(n, True, replay) - _drain(n, False, replay) for _ in range(runs))
            measured.append((n, seconds / n * 1e6))
            cost = f"{seconds / n * 1e6:.2f}"
        print(f"| {n:,} ({5 * n:,}) | {cost} |")


def _predicted_seconds(measured: list[tuple[int, float]], n: int) -> float:
    """Seconds for ``n`` tokens: linear from the last size, quadratic if it grew so."""
    if not measured:
        return 0.0
    last_n, last = measured[-1]
    if len(measured) > 1 and last > 1.5 * measured[-2][1]:
        return last * n / last_n * n / 1e6
    return last * n / 1e6


if __name__ == "__main__":
    main()
