"""``aio.source``: an async iterable as an Observable, with backpressure (P1), closed once
whatever ends it (P2), errors after the events before them (P3); and ``aio.merge``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import reactivex
from aiostream import stream
from hypothesis import given
from hypothesis import strategies as st

from rxagent import aio, to_aiter, to_iter
from rxagent import operators as ops
from rxagent.events import Event
from tests.aio.helpers import BOOM, Feed, collect, pulled, token, tokens, turns
from tests.support import pushed

# --- P1: pull on room -----------------------------------------------------------------------


@pytest.mark.parametrize("maxsize", [1, 4, 16])
def test_a_slow_consumer_holds_the_iterable_back(maxsize: int) -> None:
    feed = Feed(None)  # endless

    async def main() -> int:
        most = 0
        bridge = to_aiter(aio.source(feed), maxsize=maxsize)
        async for event in bridge:
            await turns(5)  # a slow consumer: the pump gets turns to run ahead
            most = max(most, feed.pulled - event.seq - 1)
            if event.seq == 200:
                break
        assert bridge.statistics().high_water <= maxsize + 1
        await bridge.aclose()
        return most

    assert maxsize // 2 <= asyncio.run(main()) <= maxsize + 1
    assert feed.closed == 1


def test_a_slow_consumer_holds_back_every_source_of_a_merge() -> None:
    left, right = Feed(None), Feed(None)

    async def main() -> None:
        count = 0
        async with aio.merge(left, right=right).stream() as events:
            async for _ in events:
                await turns(5)
                count += 1
                assert left.pulled + right.pulled - count <= aio.READ_AHEAD + 2
                if count == 300:
                    break

    asyncio.run(main())
    assert (left.closed, right.closed) == (1, 1)


def test_a_fast_consumer_is_not_starved_by_a_loop_producer() -> None:
    """The pump yields the loop now and then: other tasks run while it has items."""

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        events = aio.source(Feed(tokens(20_000))).pipe(ops.filter_mode("custom"))
        assert [e async for e in to_aiter(events)] == []
        task.cancel()
        return ticks

    assert asyncio.run(main()) > 1


# --- P2: closed once --------------------------------------------------------------------------


def test_disposing_the_subscription_closes_the_iterable() -> None:
    feed = Feed(None)

    async def main() -> list[Event]:
        seen: list[Event] = []
        subscription = aio.source(feed).subscribe(seen.append)
        while len(seen) < 10:
            await turns(1)
        subscription.dispose()
        await turns(3)
        return seen

    seen = asyncio.run(main())
    assert feed.closed == 1
    assert feed.pulled == len(seen)


def test_disposing_closes_an_async_generator_in_its_finally() -> None:
    log: list[str] = []

    async def generator() -> AsyncIterator[Event]:
        try:
            for n in range(1_000_000):
                yield token(n)
        finally:
            log.append("closed")

    async def main() -> None:
        async for event in to_aiter(aio.source(generator())):
            if event.seq == 3:
                break  # the bridge closes: the subscription is disposed

    asyncio.run(main())
    assert log == ["closed"]


def test_the_end_of_the_iterable_closes_it_and_completes() -> None:
    feed = Feed(tokens(3))
    assert pulled(aio.events(aio.source(feed).pipe(ops.filter_mode("messages")))).items == tokens(3)
    assert feed.closed == 1


def test_cancelling_the_consumer_closes_the_iterable() -> None:
    feed = Feed(None)

    async def main() -> None:
        started = asyncio.Event()

        async def consume() -> None:
            async for _ in to_aiter(aio.source(feed)):
                started.set()

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert feed.closed == 1


def test_cancelling_a_consumer_of_driven_pipes_closes_the_iterable() -> None:
    feed = Feed(None)

    async def main() -> None:
        started = asyncio.Event()

        async def consume() -> None:
            async with (aio.events(feed) | aio.accumulate_messages()).stream() as events:
                async for _ in events:
                    started.set()
                    await asyncio.sleep(0)

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert feed.closed == 1


# --- P3: errors in order ----------------------------------------------------------------------


@given(st.integers(0, 20), st.sampled_from(["observable", "bridge", "stream"]))
def test_an_error_comes_after_the_events_before_it(count: int, way: str) -> None:
    feed = Feed(tokens(count), BOOM)
    if way == "observable":
        outcome = pushed(aio.source(feed))
    elif way == "bridge":
        outcome = pulled(aio.events(aio.source(feed)))
    else:
        outcome = pulled(aio.events(feed) | aio.buffer_tokens(max_delay=3600))
    assert outcome.items == tokens(count)
    assert outcome.error is BOOM
    assert feed.closed == 1


def test_held_tokens_are_flushed_before_the_error() -> None:
    chunks = [token(n, message="m") for n in range(3)]
    outcome = pulled(aio.events(aio.source(Feed(chunks, BOOM)).pipe(ops.buffer_tokens())))
    assert [event.data[0].text for event in outcome.items] == ["t0", "t1t2"]
    assert outcome.error is BOOM


# --- faces -----------------------------------------------------------------------------------


def test_subscribed_without_a_loop_it_runs_inside_subscribe() -> None:
    feed = Feed(tokens(5))
    assert pushed(aio.source(feed)).items == tokens(5)
    assert feed.closed == 1


def test_the_sync_iterator_face() -> None:
    feed = Feed(tokens(5))
    assert list(to_iter(aio.source(feed).pipe(ops.filter_mode("messages")))) == tokens(5)
    assert feed.closed == 1


def test_each_subscription_iterates_anew() -> None:
    feed = Feed(tokens(2))
    source = aio.source(feed)
    assert pushed(source).items == pushed(source).items == tokens(2)
    assert feed.iterators == 2


def test_an_aiostream_stream_is_entered_as_aiostream_requires() -> None:
    async def generator() -> AsyncIterator[Event]:
        for n in range(3):
            yield token(n)

    xs = stream.iterate(generator())
    assert pushed(aio.source(xs)).items == tokens(3)


def test_merge_gives_every_event_once_in_each_sources_order() -> None:
    left = [token(n, message="l") for n in range(50)]
    right = [token(n, message="r") for n in range(30)]
    got = pulled(aio.merge(Feed(left), named=Feed(right)) | aio.filter_mode("messages")).items
    assert [e for e in got if e.ns == ()] == left
    assert [e.model_copy(update={"ns": ()}) for e in got if e.ns == ("named",)] == right
    assert len(got) == 80


def test_merge_of_event_streams_fuses_them() -> None:
    xs = aio.events(reactivex.of(token(1))) | aio.filter_mode("messages")
    got = pulled(aio.merge(xs, other=aio.events(Feed([token(2)]))))
    assert sorted((e.ns, e.seq) for e in got.items) == [((), 1), (("other",), 2)]


def test_an_error_in_one_merged_source_ends_the_merge() -> None:
    async def main() -> None:
        outcome = await collect(aio.merge(Feed(tokens(3), BOOM), Feed(None)))
        assert outcome.error is BOOM

    asyncio.run(main())


def test_a_streamer_entered_by_the_caller_is_used_as_it_is() -> None:
    async def main() -> list[Event]:
        async with stream.iterate(Feed(tokens(3))).stream() as streamer:
            outcome = await collect(aio.events(streamer) | aio.filter_mode("messages"))
        return outcome.items

    assert asyncio.run(main()) == tokens(3)
