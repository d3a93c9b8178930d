"""One test per invariant stated at the top of ``rxagent/_flow.py``."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from typing import Any

import pytest

import rxagent._flow as flow_module
from rxagent._flow import (
    PACE_EVERY,
    PACE_HELD,
    THREAD_BATCH,
    THREAD_SLACK,
    Flow,
    RunCancelledError,
)
from rxagent._types import SKIP
from rxagent.bridges._buffer import Buffer, BufferOverflowError

GUARD = 30.0


class Owner:
    def __init__(self) -> None:
        self.closed = False


def _putting(flow: Flow, buffer: deque[Any], items: Any, owner: Owner) -> threading.Thread:
    """A started thread that puts ``buffer.append(item)`` calls for ``items``."""

    def produce() -> None:
        for item in items:
            flow.put(buffer.append, item, owner)

    thread = threading.Thread(target=produce)
    thread.start()
    return thread


def _flow(loop: asyncio.AbstractEventLoop, maxsize: int = 8) -> tuple[Flow, deque[Any]]:
    flow = Flow(maxsize)
    buffer: deque[Any] = deque()
    flow.buffer = buffer
    flow.loop = loop
    return flow, buffer


def _queued(buffer: Buffer[int], values: range) -> None:
    """Queue ``buffer.on_next(value)`` calls from a thread while the loop cannot apply them
    (the caller's loop is blocked on the thread), after a first batch (so a thread may queue
    what the buffer has room for)."""
    buffer.flow._apply()

    def produce() -> None:
        for value in values:
            buffer.flow.put(buffer.on_next, value, buffer)

    thread = threading.Thread(target=produce)
    thread.start()
    thread.join(GUARD)


def _dropping_negatives(x: int) -> Any:
    return x if x >= 0 else SKIP


def test_i1_held_counts_the_buffer_and_the_thread_queue() -> None:
    loop = asyncio.new_event_loop()
    try:
        flow, buffer = _flow(loop, maxsize=100)
        buffer.extend([1, 2, 3])
        _putting(flow, buffer, (4, 5), Owner()).join(GUARD)
        assert flow.held() == 5  # three pulled-not-yet, two queued: the loop has not run
        flow.flush()
        assert list(buffer) == [1, 2, 3, 4, 5]
        assert flow.held() == 5
        assert flow.peak() == 5
    finally:
        loop.close()


def test_i2_pressure_is_set_at_maxsize_and_cleared_by_the_consumer_at_half() -> None:
    async def main() -> list[bool]:
        buffer: Buffer[int] = Buffer(asyncio.get_running_loop(), 4, "block")
        seen = []
        for i in range(4):
            buffer.on_next(i)
            seen.append(buffer.flow.pressure)
        buffer.pop()
        seen.append(buffer.flow.pressure)  # 3 held: still above half
        buffer.pop()
        seen.append(buffer.flow.pressure)  # 2 held: cleared
        return seen

    assert asyncio.run(main()) == [False, False, False, True, True, False]


def test_i2_pressure_counts_what_a_thread_queued() -> None:
    """A thread queued a batch while the buffer had room; a loop producer that emits
    meanwhile meets pressure once buffer + queue reach ``maxsize``, not once the buffer does
    (that carried ``held`` to 129 with ``maxsize=64`` in ``test_bounds``), and the consumer
    releases once buffer + queue fall to half."""

    async def main() -> None:
        buffer: Buffer[int] = Buffer(asyncio.get_running_loop(), 64, "block")
        flow = buffer.flow
        _queued(buffer, range(0, -60, -1))
        assert len(flow.queue) == 60
        assert not buffer.items
        for i in range(3):  # a loop producer: 61, 62, 63 held
            buffer.on_next(i)
            assert not flow.pressure
        buffer.on_next(3)
        assert flow.pressure
        assert flow.held() == 64
        while buffer.items:  # the consumer pulls what reached the buffer: 60 still held
            buffer.pop()
        assert flow.pressure
        flow.flush()  # the loop applies the thread's calls
        assert flow.pressure
        assert len(buffer.items) == 60
        while len(buffer.items) > 33:
            buffer.pop()
        assert flow.pressure
        buffer.pop()  # 32 held: half
        assert not flow.pressure

    asyncio.run(main())


def test_i2_pressure_is_released_when_queued_calls_leave_less_than_they_held() -> None:
    """Queued calls counted toward pressure may push nothing (the consumer's filter drops
    them): once the loop has applied them, pressure is released if what is held is at
    half, else a consumer with an empty buffer and every producer would wait forever."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        buffer: Buffer[int] = Buffer(loop, 64, "block", accept=_dropping_negatives)
        flow = buffer.flow
        _queued(buffer, range(-1, -61, -1))  # 60 calls, all dropped by the filter
        for i in range(4):  # a loop producer meets pressure at 64 held
            buffer.on_next(i)
        assert flow.pressure
        while buffer.items:
            buffer.pop()
        assert flow.pressure  # 60 queued: above half
        while flow.queue:  # the loop applies them (one scheduled call): nothing comes
            await asyncio.sleep(0)
        assert not buffer.items
        assert not flow.pressure
        assert flow.held() == 0

    asyncio.run(main())


def test_i3_a_loop_producer_waits_for_the_consumer_to_release() -> None:
    async def main() -> list[str]:
        flow = Flow(4)
        log: list[str] = []

        async def producer() -> None:
            flow.hold()
            log.append("full")
            await flow.pace()
            log.append("resumed")

        task = asyncio.ensure_future(producer())
        for _ in range(5):
            await asyncio.sleep(0)
        log.append("released")
        flow.release()
        await task
        assert flow.blocked_s > 0
        return log

    assert asyncio.run(main()) == ["full", "released", "resumed"]


def test_i4_a_thread_waits_under_pressure_and_at_the_slack_and_sees_its_run_close() -> None:
    loop = asyncio.new_event_loop()
    try:
        flow, buffer = _flow(loop)
        owner = Owner()
        flow.pressure = True
        put = threading.Event()
        errors: list[BaseException] = []

        def produce() -> None:
            try:
                flow.put(buffer.append, 1, owner)
                put.set()
                flow.put(buffer.append, 2, owner)
            except RunCancelledError as error:
                errors.append(error)

        thread = threading.Thread(target=produce)
        thread.start()
        assert not put.wait(0.05)  # blocked under pressure (a hang guard, not a timing)
        flow.pressure = False
        flow.release()
        assert put.wait(GUARD)
        thread.join(GUARD)
        assert len(flow.queue) == 2

        # at the slack: a thread waits for the loop to apply its queue
        flow.queue.clear()
        full = threading.Event()

        def flood() -> None:
            try:
                for i in range(THREAD_SLACK + 1):
                    flow.put(buffer.append, i, owner)
                full.set()
                flow.put(buffer.append, -1, owner)
            except RunCancelledError as error:
                errors.append(error)

        flooder = threading.Thread(target=flood)
        flooder.start()
        flooder.join(0.05)
        assert flooder.is_alive()
        assert len(flow.queue) <= THREAD_SLACK + 1
        owner.closed = True
        flow.closed()  # the run ended: the waiting thread raises
        flooder.join(GUARD)
        assert len(errors) == 1
    finally:
        loop.close()


def _queued_before_waiting(maxsize: int, buffered: int, *, batched: bool = True) -> int:
    """How many calls one thread queues before it waits for the loop, with ``buffered``
    events in a buffer of ``maxsize`` (the loop never applies them: the thread must wait),
    after a first batch was applied or, if not ``batched``, before."""
    loop = asyncio.new_event_loop()
    try:
        flow, buffer = _flow(loop, maxsize)
        if batched:
            flow._apply()  # a first batch was applied (the first is the slack at most)
        buffer.extend(range(buffered))
        owner = Owner()
        errors: list[BaseException] = []

        def flood() -> None:
            try:
                while True:
                    flow.put(buffer.append, 0, owner)
            except RunCancelledError as error:
                errors.append(error)

        flooder = threading.Thread(target=flood)
        flooder.start()
        deadline = time.monotonic() + GUARD
        while flow._room is None or flow._room.is_set():  # not waiting yet
            assert time.monotonic() < deadline, "the thread never waited for the loop"
            time.sleep(0.001)
        queued = len(flow.queue)
        owner.closed = True
        flow.closed()
        flooder.join(GUARD)
        assert len(errors) == 1
        return queued
    finally:
        loop.close()


def test_i4_a_thread_queues_what_the_buffer_has_room_for_within_slack_and_batch() -> None:
    # the first batch is the slack at most: the first event is not held back
    assert _queued_before_waiting(4096, 0, batched=False) == THREAD_SLACK
    # an empty, large buffer: a batch, then the thread waits (one wake-up per batch)
    assert _queued_before_waiting(4096, 0) == THREAD_BATCH
    # room for 100: 100 (the buffer's room, more than the slack)
    assert _queued_before_waiting(4096, 3996) == 100
    # nearly full: the slack past maxsize, which is the bound of held (I4)
    queued = _queued_before_waiting(4096, 4090)
    assert queued == THREAD_SLACK
    assert 4090 + queued <= 4096 + THREAD_SLACK


def test_i5_calls_from_threads_apply_in_order_and_flush_applies_all() -> None:
    async def main() -> list[int]:
        flow, buffer = _flow(asyncio.get_running_loop(), maxsize=10**6)
        owner = Owner()
        thread = _putting(flow, buffer, range(500), owner)
        await asyncio.to_thread(thread.join, GUARD)
        flow.flush()
        assert not flow.queue
        return list(buffer)

    assert asyncio.run(main()) == list(range(500))


def test_i6_many_threads_one_wakeup_at_a_time_nothing_lost() -> None:
    pending_applies = 0
    most = 0

    class Counting(Flow):
        __slots__ = ()

        def _apply(self) -> None:
            nonlocal pending_applies
            pending_applies -= 1
            super()._apply()

    async def main() -> list[tuple[int, int]]:
        nonlocal pending_applies, most
        loop = asyncio.get_running_loop()
        flow = Counting(10**6)
        buffer: deque[tuple[int, int]] = deque()
        flow.buffer = buffer
        flow.loop = loop
        original = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
            nonlocal pending_applies, most
            pending_applies += 1
            most = max(most, pending_applies)
            return original(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign,assignment]
        owner = Owner()
        threads = [_putting(flow, buffer, [(t, i) for i in range(300)], owner) for t in range(6)]
        while any(thread.is_alive() for thread in threads) or flow.queue:
            await asyncio.sleep(0)
        return list(buffer)

    items = asyncio.run(main())
    assert len(items) == 6 * 300
    for t in range(6):
        assert [i for s, i in items if s == t] == list(range(300))
    assert most == 1  # one scheduled apply at a time, whatever the number of threads


@pytest.mark.parametrize("maxsize", [0, -1])
def test_flow_sizes_are_checked_by_the_bridges(maxsize: int) -> None:
    from rxagent import to_iter

    with pytest.raises(ValueError, match="maxsize must be a positive int"):
        to_iter(None, maxsize=maxsize)  # type: ignore[arg-type]


@pytest.mark.parametrize("face", ["sync", "async"])
def test_i7_a_loop_producer_yields_once_pace_held_events_wait(face: str) -> None:
    """A model streaming 5,000 tokens to a consumer that keeps up: never more than
    ``PACE_HELD + PACE_EVERY`` events wait (time-based pacing let hundreds pile up)."""
    from rxagent import create_agent
    from rxagent.models import ScriptedModel

    agent = create_agent(ScriptedModel([" ".join(["token"] * 5000)]), [])
    question = {"messages": [{"role": "user", "content": "go"}]}
    if face == "sync":
        events = agent.stream(question, stream_mode="messages")
        count = sum(1 for _ in events)
        high = events.statistics().high_water
    else:

        async def main() -> tuple[int, int]:
            events = agent.astream(question, stream_mode="messages")
            seen = 0
            async for _ in events:
                seen += 1
            return seen, events.statistics().high_water

        count, high = asyncio.run(main())
    assert count >= 5000
    assert 0 < high <= PACE_HELD + PACE_EVERY, high


async def test_i7_the_first_look_yields_then_only_held_events_or_time_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fresh flow is due at once (the consumer sees a producer's first events early);
    after a turn, only ``PACE_HELD`` waiting events (or ``YIELD_EVERY``) make it due."""
    monkeypatch.setattr(flow_module, "YIELD_EVERY", 3600.0)
    flow = Flow()
    items: deque[int] = deque()
    flow.buffer = items
    assert flow.due()
    await flow.pace()
    assert not flow.due()
    items.extend(range(PACE_HELD - 1))
    assert not flow.due()
    items.append(PACE_HELD)
    assert flow.due()


async def test_i7_the_turn_spent_waiting_is_not_running_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A producer that waited a whole round of other runs for its turn (10 ms here, on a
    fake clock) is not due when it resumes: ``YIELD_EVERY`` counts from then. Counted from
    before the wait, producers among 100 runs yielded every ``PACE_EVERY`` items."""
    now = [0.0]

    class Clock:
        @staticmethod
        def perf_counter() -> float:
            return now[0]

    monkeypatch.setattr(flow_module, "time", Clock)
    flow = Flow()
    flow.buffer = deque()

    async def other_runs() -> None:
        now[0] += 10 * flow_module.YIELD_EVERY  # a round of the loop's other tasks

    await flow.pace()  # the first look's turn
    asyncio.get_running_loop().create_task(other_runs())
    await flow.pace()  # behind ``other_runs``
    assert now[0] == 10 * flow_module.YIELD_EVERY  # the other task ran during the turn
    assert not flow.due()
    now[0] += 1.5 * flow_module.YIELD_EVERY  # the producer ran past YIELD_EVERY since then
    assert flow.due()


def test_error_overflows_on_events_pushed_not_on_calls_queued() -> None:
    """``overflow="error"`` counts the events in the buffer: queued calls that the
    consumer's filter drops are not events it fell behind on."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        buffer: Buffer[int] = Buffer(loop, 16, "error", accept=_dropping_negatives)
        flow = buffer.flow
        _queued(buffer, range(-1, -31, -1))  # 30 calls, all dropped by the filter
        buffer.on_next(1)  # 31 held, one event
        assert buffer.error is None
        flow.flush()
        for i in range(2, 17):
            buffer.on_next(i)
        assert isinstance(buffer.error, BufferOverflowError)  # 16 events behind

    asyncio.run(main())
