"""The run store in this process's memory: :class:`MemoryRunStore`.

It keeps runs, threads and logs (see :mod:`._store` for the interface), bounded:

* a finished run's log is kept ``retention_seconds`` (LangGraph's server keeps resumable
  streams 120 s) and then dropped with its record; the thread keeps its values;
* a log holds at most ``max_entries_per_run`` entries: past that the oldest *events* are
  dropped, but never the ``metadata`` entry (index 0), so that a replay through a fresh
  encoder still opens the stream as its format requires (``start``, ``RUN_STARTED``), and
  never the terminal entry (the last). A reader that asked for entries that were dropped
  gets a :class:`~._store.Gap` first;
* at most ``max_runs`` run records: creating one more drops the oldest finished run; if all
  are live, :class:`~._store.StoreFull` (the server answers 503).

So a finished run holds at most ``max_entries_per_run`` entries, and only for
``retention_seconds``.

Concurrency invariants (one mechanism: one :class:`asyncio.Future` per log, replaced on
every append):

* the store belongs to the event loop that first uses it; every method runs on that loop's
  thread, so no lock is needed (the run pump of :mod:`._runs` and the SSE readers all run on
  the server's loop);
* ``append`` is the only writer of a log; it resolves the log's current future (waking every
  reader waiting on it, all at once) and leaves the next append a fresh one;
* a reader never waits while an entry it has not read exists: it rechecks the log after
  every wake-up and waits only on the future it took *before* finding nothing to read, so an
  append between its check and its wait still wakes it;
* a reader waits with ``asyncio.wait`` (which never cancels the shared future), so a
  reader that gives up or is cancelled cannot disturb the others.

Example:
    >>> import asyncio
    >>> async def main() -> list[str]:
    ...     store = MemoryRunStore()
    ...     await store.create_run("r1", "t1", "agent")
    ...     await store.append("r1", "metadata", data={"run_id": "r1", "attempt": 1})
    ...     await store.append("r1", "end")
    ...     return [item.kind async for item in store.read("r1", FROM_START)]
    >>> asyncio.run(main())
    ['metadata', 'end']
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rxagent.events import Event
from rxagent.integrations.web._entries import Entry, EntryKind
from rxagent.integrations.web._ids import FROM_START, EventId, IdClock
from rxagent.integrations.web._store import (
    IDLE,
    LIVE_STATUSES,
    After,
    Gap,
    Idle,
    RunNotFound,
    RunRecord,
    RunStatus,
    StoreFull,
    StoreStatistics,
    ThreadRecord,
    ThreadStatus,
)


def _now() -> datetime:
    return datetime.now(UTC)


class _Log:
    """One run's entries, the future its readers wait on, and what was dropped."""

    __slots__ = ("entries", "finished_at", "last_dropped", "n_dropped", "waiter")

    def __init__(self) -> None:
        self.entries: deque[Entry] = deque()
        self.last_dropped: EventId | None = None
        self.n_dropped = 0
        self.finished_at: float | None = None
        self.waiter: asyncio.Future[None] | None = None

    @property
    def done(self) -> bool:
        return bool(self.entries) and self.entries[-1].terminal

    def future(self) -> asyncio.Future[None]:
        """The future the next append resolves."""
        if self.waiter is None:
            self.waiter = asyncio.get_running_loop().create_future()
        return self.waiter

    def wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # Positions count every entry ever appended (the metadata entry is 0), so that dropping
    # old entries does not move a reader; ``index_of`` maps one to the deque's index.

    def position_of(self, index: int) -> int:
        return index + self.n_dropped if index else 0

    def index_of(self, position: int) -> int | None:
        """The deque index of ``position``; ``None`` if that entry was dropped."""
        if position == 0:
            return 0
        index = position - self.n_dropped
        return index if index >= 1 else None

    def start_position(self, after: After) -> int | None:
        """Where a read from ``after`` starts; ``None``: nothing to read (finished, from now)."""
        if after is None:
            return None if self.done else self.position_of(len(self.entries))
        if after == FROM_START:
            return 0
        assert isinstance(after, EventId)
        ids = [entry.id for entry in self.entries]
        if after.sub:  # the entry x of a frame x.n was only partly seen: read it again
            index = bisect.bisect_left(ids, after.entry)
        else:
            index = bisect.bisect_right(ids, after)
        if index and self.last_dropped is not None and after.entry < self.last_dropped:
            return 1  # the first event ever: dropped, so the read starts with a gap
        return self.position_of(index)

    def gap(self) -> Gap:
        assert self.last_dropped is not None
        return Gap(self.entries[1].id, self.last_dropped)


class MemoryRunStore:
    """A :class:`RunStore` in this process's memory, bounded as the module docstring says.

    Args:
        retention_seconds: how long a finished run's log and record are kept.
        max_entries_per_run: the most entries one run's log holds (at least 3: the
            ``metadata`` entry, one event, the terminal entry).
        max_runs: the most run records kept.
        clock: monotonic seconds (tests pass a fake one).
        id_clock: makes the entries' ids (shared by all runs).
    """

    def __init__(
        self,
        *,
        retention_seconds: float = 120.0,
        max_entries_per_run: int = 10_000,
        max_runs: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        id_clock: IdClock | None = None,
    ) -> None:
        if retention_seconds < 0:
            raise ValueError(f"retention_seconds must be >= 0, got {retention_seconds}")
        if max_entries_per_run < 3:
            raise ValueError(f"max_entries_per_run must be >= 3, got {max_entries_per_run}")
        if max_runs < 1:
            raise ValueError(f"max_runs must be >= 1, got {max_runs}")
        self.retention_seconds = retention_seconds
        self.max_entries_per_run = max_entries_per_run
        self.max_runs = max_runs
        self._clock = clock
        self._ids = id_clock or IdClock()
        self._threads: dict[str, ThreadRecord] = {}
        self._runs: dict[str, RunRecord] = {}  # insertion order: oldest first
        self._logs: dict[str, _Log] = {}

    # ---- threads

    async def create_thread(
        self, thread_id: str, metadata: Mapping[str, Any] | None = None, *, ephemeral: bool = False
    ) -> ThreadRecord:
        thread = self._threads.get(thread_id)
        if thread is None:
            thread = ThreadRecord(thread_id, dict(metadata or {}), ephemeral=ephemeral)
            self._threads[thread_id] = thread
        return thread

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        return self._threads.get(thread_id)

    async def update_thread(
        self,
        thread_id: str,
        *,
        status: ThreadStatus | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        thread = self._threads[thread_id]
        if status is not None:
            thread.status = status
        if values is not None:
            thread.values = values
        thread.updated_at = _now()

    # ---- runs

    async def create_run(
        self,
        run_id: str,
        thread_id: str,
        assistant_id: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        stream_modes: Sequence[str] = (),
        subgraphs: bool = False,
    ) -> RunRecord:
        self.sweep()
        if len(self._runs) >= self.max_runs:
            self._drop_oldest_finished()
        run = RunRecord(
            run_id,
            thread_id,
            assistant_id,
            metadata=dict(metadata or {}),
            stream_modes=tuple(stream_modes),
            subgraphs=subgraphs,
        )
        self._runs[run_id] = run
        self._logs[run_id] = _Log()
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        self.sweep()
        return self._runs.get(run_id)

    async def list_runs(self, thread_id: str) -> list[RunRecord]:
        self.sweep()
        return [run for run in reversed(self._runs.values()) if run.thread_id == thread_id]

    async def set_status(self, run_id: str, status: RunStatus) -> None:
        run = self._runs[run_id]
        run.status = status
        run.updated_at = _now()

    # ---- logs

    async def append(
        self,
        run_id: str,
        kind: EntryKind,
        event: Event | None = None,
        data: dict[str, Any] | None = None,
    ) -> Entry:
        log = self._logs.get(run_id)
        if log is None:
            raise RunNotFound(run_id)
        if log.done:
            raise ValueError(f"run {run_id} has ended: its log takes no more entries")
        entry = Entry(self._ids.next(), kind, event, data or {})
        log.entries.append(entry)
        if len(log.entries) > self.max_entries_per_run:
            # drop the oldest event, keeping the metadata entry at index 0
            dropped = log.entries[1]
            del log.entries[1]
            log.last_dropped = dropped.id
            log.n_dropped += 1
        if entry.terminal:
            log.finished_at = self._clock()
        log.wake()
        return entry

    async def last_id(self, run_id: str) -> EventId | None:
        log = self._log(run_id)
        return log.entries[-1].id if log.entries else None

    def read(
        self, run_id: str, after: After, *, idle: float | None = None
    ) -> AsyncIterator[Entry | Gap | Idle]:
        log = self._log(run_id)
        # where the read starts is fixed now, not at the first ``anext``
        return self._read(log, log.start_position(after), idle)

    async def _read(
        self, log: _Log, position: int | None, idle: float | None
    ) -> AsyncIterator[Entry | Gap | Idle]:
        if position is None:
            return
        while True:
            while True:  # the log may change at every yield: find the position again
                index = log.index_of(position)
                if index is None:  # dropped before this reader got there
                    yield log.gap()
                    position = log.position_of(1)
                    continue
                if index >= len(log.entries):
                    break
                entry = log.entries[index]
                position += 1
                yield entry
                if entry.terminal:
                    return
            waiter = log.future()
            finished, _ = await asyncio.wait({waiter}, timeout=idle)
            if not finished:
                yield IDLE

    def _log(self, run_id: str) -> _Log:
        self.sweep()
        log = self._logs.get(run_id)
        if log is None:
            raise RunNotFound(run_id)
        return log

    # ---- bounds

    def sweep(self) -> None:
        """Drop the runs whose retention has passed."""
        if not self._logs:
            return
        deadline = self._clock() - self.retention_seconds
        expired = [
            run_id
            for run_id, log in self._logs.items()
            if log.finished_at is not None and log.finished_at <= deadline
        ]
        for run_id in expired:
            self._drop(run_id)

    def _drop_oldest_finished(self) -> None:
        for run_id, run in self._runs.items():
            if run.status not in LIVE_STATUSES:
                self._drop(run_id)
                return
        raise StoreFull(f"{self.max_runs} runs are live already: try again when one has ended")

    def _drop(self, run_id: str) -> None:
        run = self._runs.pop(run_id, None)
        self._logs.pop(run_id, None)
        thread = None if run is None else self._threads.get(run.thread_id)
        if thread is not None and thread.ephemeral:
            del self._threads[thread.thread_id]

    def statistics(self) -> StoreStatistics:
        """How much the store holds now."""
        return StoreStatistics(
            runs=len(self._runs),
            threads=len(self._threads),
            entries=sum(len(log.entries) for log in self._logs.values()),
        )


__all__ = ("MemoryRunStore",)
