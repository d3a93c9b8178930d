"""Per-event cost of rxagent's aio pipes next to the Observable operators, in one run.

Run: ``.venv/bin/python -m tests.aio.cost`` (about a minute). Each case runs the same
events (token chunks of two model calls, a progress event every 16 tokens) through one
face; the best of several repeats, in µs per input event. ``floor`` rows are the faces
with no operator: the cost of pushing (Observable) or of an ``async for`` over an async
generator (aio); an operator's own cost is its row minus its face's floor.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import reactivex
from aiostream import pipe, stream

from rxagent import aio, to_aiter
from rxagent import operators as ops
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.messages import text_chunk

N = 10_000
REPEATS = 15


def sample(n: int = N) -> list[Event]:
    """``n`` events: tokens of two sources, a custom event of the first every 16."""
    events: list[Event] = []
    for i in range(n):
        task = "t1" if i % 2 else "t2"
        if i % 16 == 0:
            events.append(CustomEvent(data={"n": i}, run_id="r", node="tools", task_id="t1"))
        else:
            chunk = text_chunk("ab " if i % 4 else "ab", f"m-{task}")
            events.append(MessageEvent(data=(chunk, {}), run_id="r", node="model", task_id=task))
    return events


async def generate(events: list[Event]) -> AsyncIterator[Event]:
    for event in events:
        yield event


async def drain(xs: Any) -> int:
    count = 0
    async with xs.stream() as items:
        async for _ in items:
            count += 1
    return count


async def floor_aio(events: list[Event]) -> int:
    count = 0
    async for _ in generate(events):
        count += 1
    return count


def push(events: list[Event], *operators: ops.Operator) -> Callable[[], None]:
    """Push ``events`` through ``operators`` inside a running loop (timers use the loop)."""

    async def run() -> int:
        observable = reactivex.from_iterable(events)
        for operator in operators:
            observable = operator(observable)
        observable.subscribe(lambda _: None)
        return 0

    return pull(run)


def pull(make: Callable[[], Coroutine[Any, Any, int]]) -> Callable[[], None]:
    def run() -> None:
        asyncio.run(make())

    return run


async def bridged_rx(events: list[Event]) -> int:
    return len([e async for e in to_aiter(reactivex.from_iterable(events))])


async def bridged_source(events: list[Event]) -> int:
    return len([e async for e in to_aiter(aio.source(generate(events)))])


def cases(events: list[Event]) -> dict[str, Callable[[], None]]:
    def aio_(*pipes: aio.Pipe) -> Callable[[], None]:
        def make() -> Coroutine[Any, Any, int]:
            xs = aio.events(generate(events))
            for p in pipes:
                xs = p(xs)
            return drain(xs)

        return pull(make)

    def aiostream_(*pipes: Any) -> Callable[[], None]:
        def make() -> Coroutine[Any, Any, int]:
            xs = stream.iterate(generate(events))
            for p in pipes:
                xs = xs | p
            return drain(xs)

        return pull(make)

    def merged(make: Callable[[Any, Any], Any]) -> Callable[[], None]:
        half = len(events) // 2
        return pull(lambda: drain(make(generate(events[:half]), generate(events[half:]))))

    def merged_rx() -> Callable[[], None]:
        half = len(events) // 2
        halves = reactivex.from_iterable(events[:half]), reactivex.from_iterable(events[half:])

        async def run() -> int:
            ops.merge(*halves).subscribe(lambda _: None)
            return 0

        return pull(run)

    messages = ops.filter_mode("messages")
    keep: Callable[[Event], bool] = lambda e: e.mode == "messages"  # noqa: E731
    return {
        "floor  Observable push": push(events),
        "floor  async for over an async generator": pull(lambda: floor_aio(events)),
        "floor  aio.events(async gen), no pipe": aio_(),
        "floor  aiostream stream.iterate": aiostream_(),
        "filter_mode  Observable": push(events, messages),
        "filter_mode  aio": aio_(aio.filter_mode("messages")),
        "filter       aiostream pipe.filter": aiostream_(pipe.filter(keep)),
        "3 filters    Observable": push(events, messages, messages, messages),
        "3 filters    aio (fused)": aio_(*[aio.filter_mode("messages")] * 3),
        "3 maps       aiostream pipe.map": aiostream_(*[pipe.map(identity)] * 3),
        "buffer_tokens(word)  Observable": push(events, ops.buffer_tokens(boundary="word")),
        "buffer_tokens(word)  aio": aio_(aio.buffer_tokens(boundary="word")),
        "accumulate_messages  Observable": push(events, ops.accumulate_messages()),
        "accumulate_messages  aio": aio_(aio.accumulate_messages()),
        "final_answer  Observable": push(events, ops.final_answer()),
        "final_answer  aio": aio_(aio.final_answer()),
        "buffer_tokens(max_delay)  Observable": push(events, ops.buffer_tokens(max_delay=60)),
        "buffer_tokens(max_delay)  aio (bridged)": aio_(aio.buffer_tokens(max_delay=60)),
        "throttle_custom  Observable": push(events, ops.throttle_custom(60)),
        "throttle_custom  aio (bridged)": aio_(aio.throttle_custom(60)),
        "merge of 2  Observable": merged_rx(),
        "merge of 2  aio.merge (async gens)": merged(aio.merge),
        "merge of 2  aiostream stream.merge": merged(stream.merge),
        "bridge  to_aiter(Observable)": pull(lambda: bridged_rx(events)),
        "bridge  to_aiter(aio.source(async gen))": pull(lambda: bridged_source(events)),
    }


def identity(event: Event, *_: Event) -> Event:
    return event


def measure(runs: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """The best CPU time of each run, in µs per input event; the repeats go round the
    cases, so a busy machine slows them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    return {name: seconds / N * 1e6 for name, seconds in best.items()}


def main() -> None:
    print(f"{N} events, best CPU time of {REPEATS}, µs per input event")
    for name, cost in measure(cases(sample()), REPEATS).items():
        print(f"{name:<44} {cost:6.2f}")


if __name__ == "__main__":
    main()
