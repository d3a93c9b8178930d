"""The in-memory run store: replay, tail, gaps, retention, bounds, and its wake-up invariants."""

from __future__ import annotations

import asyncio
import gc
import itertools
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from rxagent.events import CustomEvent
from rxagent.integrations.web._entries import Entry
from rxagent.integrations.web._ids import FROM_START, EventId, IdClock
from rxagent.integrations.web._memory_store import MemoryRunStore
from rxagent.integrations.web._store import IDLE, Gap, RunNotFound, StoreFull


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def filled(store: MemoryRunStore, run_id: str, events: int, *, end: bool = True) -> None:
    await store.create_thread("t")
    await store.create_run(run_id, "t", "agent")
    await store.append(run_id, "metadata", data={"run_id": run_id, "attempt": 1})
    for index in range(events):
        await store.append(run_id, "event", CustomEvent(data={"i": index}, seq=index))
    if end:
        await store.append(run_id, "end")


async def collect(store: MemoryRunStore, run_id: str, after: object) -> list[Entry | Gap]:
    out: list[Entry | Gap] = []
    async for item in store.read(run_id, after):  # type: ignore[arg-type]
        assert item is not IDLE
        out.append(item)  # type: ignore[arg-type]
    return out


def payloads(items: list[Entry | Gap]) -> list[object]:
    out: list[object] = []
    for item in items:
        if isinstance(item, Gap):
            out.append("gap")
        elif item.event is not None:
            data: Any = item.event.data
            out.append(data["i"])
        else:
            out.append(item.kind)
    return out


async def test_replay_from_start_then_after_an_id_strictly() -> None:
    store = MemoryRunStore()
    await filled(store, "r", 3)
    everything = await collect(store, "r", FROM_START)
    assert payloads(everything) == ["metadata", 0, 1, 2, "end"]
    second = everything[1]
    assert isinstance(second, Entry)
    assert payloads(await collect(store, "r", second.id)) == [1, 2, "end"]
    # a frame id x.n: entry x was only partly seen, so it comes again
    assert payloads(await collect(store, "r", second.id.frame(1))) == [0, 1, 2, "end"]


async def test_ids_compare_as_numbers_not_text() -> None:
    ticks = iter([9, 9, 10, 10])
    store = MemoryRunStore(id_clock=IdClock(now_ms=lambda: next(ticks)))
    await filled(store, "r", 2)
    entries = await collect(store, "r", FROM_START)
    assert [str(e.id) for e in entries if isinstance(e, Entry)] == ["9-0", "9-1", "10-0", "10-1"]
    assert payloads(await collect(store, "r", EventId.parse("9-1"))) == [1, "end"]


async def test_a_join_from_now_gets_only_new_entries_and_a_finished_run_ends_at_once() -> None:
    store = MemoryRunStore()
    await filled(store, "r", 2, end=False)
    reader = store.read("r", None)
    pending = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)
    assert not pending.done()  # nothing new yet: the reader waits
    await store.append("r", "event", CustomEvent(data={"i": 7}))
    first = await pending
    assert isinstance(first, Entry)
    assert first.event is not None
    assert first.event.data == {"i": 7}
    await store.append("r", "end")
    assert [item.kind async for item in reader if isinstance(item, Entry)] == ["end"]
    assert await collect(store, "r", None) == []


async def test_every_waiting_reader_wakes_on_one_append() -> None:
    """Invariant: append wakes every reader waiting on the log, all at once."""
    store = MemoryRunStore()
    await filled(store, "r", 0, end=False)
    readers = [store.read("r", None) for _ in range(5)]
    pending = [asyncio.ensure_future(anext(r)) for r in readers]
    await asyncio.sleep(0)
    await store.append("r", "event", CustomEvent(data={"i": 1}))
    got = await asyncio.gather(*pending)
    assert all(isinstance(item, Entry) and item.kind == "event" for item in got)


async def test_an_append_between_check_and_wait_is_not_missed() -> None:
    """Invariant: a reader waits only on the future it took before finding nothing."""
    store = MemoryRunStore()
    await filled(store, "r", 0, end=False)
    reader = store.read("r", None)
    pending = asyncio.ensure_future(anext(reader))
    await store.append("r", "event", CustomEvent(data={"i": 1}))  # before the reader ran
    item = await asyncio.wait_for(pending, 1)
    assert isinstance(item, Entry)
    assert item.kind == "event"


async def test_a_cancelled_reader_does_not_disturb_the_others() -> None:
    """Invariant: readers wait with asyncio.wait, so cancelling one leaves the future be."""
    store = MemoryRunStore()
    await filled(store, "r", 0, end=False)
    quitter, stayer = store.read("r", None), store.read("r", None)
    quitting = asyncio.ensure_future(anext(quitter))
    staying = asyncio.ensure_future(anext(stayer))
    await asyncio.sleep(0)
    quitting.cancel()
    await asyncio.sleep(0)
    await store.append("r", "event", CustomEvent(data={"i": 1}))
    assert isinstance(await asyncio.wait_for(staying, 1), Entry)


async def test_idle_marks_silence() -> None:
    store = MemoryRunStore()
    await filled(store, "r", 0, end=False)
    reader = store.read("r", None, idle=0.001)
    assert await anext(reader) is IDLE
    await store.append("r", "end")
    item = await anext(reader)
    assert isinstance(item, Entry)
    assert item.kind == "end"


@pytest.mark.parametrize(
    "now_ms",
    [lambda: 7, itertools.count(1000).__next__],
    ids=["one millisecond", "a millisecond per entry"],
)
async def test_trimming_keeps_metadata_and_reports_a_gap(now_ms: Callable[[], int]) -> None:
    store = MemoryRunStore(max_entries_per_run=5, id_clock=IdClock(now_ms=now_ms))
    await filled(store, "r", 10)  # metadata, 10 events, end: 12 entries, 5 kept
    everything = await collect(store, "r", FROM_START)
    assert payloads(everything)[:2] == ["metadata", "gap"]
    assert payloads(everything)[2:] == [7, 8, 9, "end"]
    gap = everything[1]
    assert isinstance(gap, Gap)
    assert gap.first_available == everything[2].id  # type: ignore[union-attr]
    # a reader that saw the last dropped entry has missed nothing
    assert payloads(await collect(store, "r", gap.last_dropped)) == [7, 8, 9, "end"]
    # one that saw less gets the gap first: here, at most the first event, right after the
    # metadata (an id built from the last dropped one's millisecond may be that very id)
    metadata = everything[0]
    assert isinstance(metadata, Entry)
    seen_less = EventId(metadata.id.ms, metadata.id.seq + 1)
    assert payloads(await collect(store, "r", seen_less))[0] == "gap"


async def test_a_slow_tailing_reader_gets_a_gap_when_the_log_moves_past_it() -> None:
    store = MemoryRunStore(max_entries_per_run=4)
    await filled(store, "r", 1, end=False)
    reader = store.read("r", FROM_START)
    first = await anext(reader)
    assert isinstance(first, Entry)
    assert first.kind == "metadata"
    for index in range(1, 6):
        await store.append("r", "event", CustomEvent(data={"i": index}))
    await store.append("r", "end")
    rest = [item async for item in reader]
    assert payloads(rest) == ["gap", 4, 5, "end"]  # type: ignore[arg-type]


async def test_a_finished_run_is_dropped_after_its_retention() -> None:
    clock = FakeClock()
    store = MemoryRunStore(retention_seconds=120, clock=clock)
    await filled(store, "r", 3)
    clock.now = 119.9
    assert await store.get_run("r") is not None
    clock.now = 120.0
    assert await store.get_run("r") is None
    with pytest.raises(RunNotFound):
        store.read("r", FROM_START)
    assert store.statistics().entries == 0
    assert (await store.get_thread("t")) is not None  # the thread keeps its values


async def test_a_live_run_is_never_dropped_and_a_full_store_says_so() -> None:
    clock = FakeClock()
    store = MemoryRunStore(max_runs=2, clock=clock)
    await filled(store, "a", 1, end=False)
    await filled(store, "b", 1)
    await store.set_status("b", "success")
    await filled(store, "c", 1, end=False)  # drops b, the oldest finished run
    assert await store.get_run("b") is None
    clock.now = 10_000.0
    assert await store.get_run("a") is not None
    with pytest.raises(StoreFull):
        await store.create_run("d", "t", "agent")


async def test_ephemeral_threads_go_with_their_run() -> None:
    store = MemoryRunStore(retention_seconds=0)
    await store.create_thread("tmp", ephemeral=True)
    await store.create_run("r", "tmp", "agent")
    await store.append("r", "metadata")
    await store.append("r", "end")
    assert await store.get_run("r") is None
    assert await store.get_thread("tmp") is None


async def test_memory_per_finished_run_is_bounded_by_the_settings() -> None:
    """Runs of 5,000 events each hold at most max_entries_per_run entries, and nothing
    after retention: the memory the store keeps does not grow with the runs' length."""
    clock = FakeClock()
    store = MemoryRunStore(max_entries_per_run=50, retention_seconds=60, clock=clock)
    await filled(store, "warm-up", 10)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for run in range(20):
            await filled(store, f"r{run}", 5_000)
            await store.set_status(f"r{run}", "success")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        assert store.statistics().entries <= 21 * 50
        per_run = held / 20
        assert per_run < 50 * 2_000, f"{per_run:,.0f} bytes per finished run"
        clock.now = 61.0
        store.sweep()
        gc.collect()
        after_retention = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert store.statistics().entries == 0
    assert store.statistics().runs == 0
    assert after_retention < held / 10
