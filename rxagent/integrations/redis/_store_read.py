"""Reading a run's log for the SSE layer: :func:`read_log`, :class:`RedisRunStore`'s ``read``.

It adapts :func:`~._read.read_entries` to the web store's read (:mod:`rxagent.integrations.
web._store`), so that the SSE writer needs nothing Redis-specific:

* while the run is ``pending`` (its request not yet taken by a worker) there is no log: the
  read waits for it (polling, with backoff up to 0.5 s) instead of letting ``read_entries``
  call the run unknown after a heartbeat timeout;
* :class:`~._errors.LogGap` at an entry that is still there (the head of the log was trimmed)
  becomes a :class:`~rxagent.integrations.web._store.Gap`, and the read goes on from that
  entry; a gap with nothing to go on from (the log vanished), a malformed entry or Redis
  lost for good becomes a terminal ``error`` entry: the stream ends with the error frame,
  never silently;
* :class:`~._errors.UnknownRun` becomes :class:`~rxagent.integrations.web.RunNotFound`;
  a dead worker needs nothing here: ``read_entries`` appends and yields its ``error`` entry;
* ``idle`` seconds without an entry yield :data:`~rxagent.integrations.web._store.IDLE`.

Concurrency invariants: each read owns one pump task that reads ahead into a bounded queue
(a timed-out ``get`` on the queue loses nothing, so an idle tick loses nothing); closing
the read cancels the pump, which closes ``read_entries``, which closes its client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

from rxagent.integrations.redis._connect import cancel_and_wait
from rxagent.integrations.redis._errors import LogGap, RunLogError, UnknownRun
from rxagent.integrations.redis._keys import run_keys
from rxagent.integrations.redis._read import read_entries
from rxagent.integrations.web._entries import Entry, error_data
from rxagent.integrations.web._ids import FROM_START, EventId
from rxagent.integrations.web._store import IDLE, LIVE_STATUSES, After, Gap, Idle, RunNotFound

if TYPE_CHECKING:
    from rxagent.integrations.redis._store import RedisRunStore

T = TypeVar("T")
_DONE = object()
_AHEAD = 256
"""Entries a read holds ahead of its SSE writer (the reader waits beyond)."""


async def read_log(
    store: RedisRunStore, run_id: str, after: After, *, idle: float | None = None
) -> AsyncIterator[Entry | Gap | Idle]:
    """The entries of ``run_id``'s log after ``after``, with gaps, errors and idle ticks as
    the module docstring says. Raises :class:`RunNotFound` while iterating."""
    items = _entries(store, run_id, after)
    async for item in _with_idle(items, idle):
        yield item


async def _entries(store: RedisRunStore, run_id: str, after: After) -> AsyncIterator[Entry | Gap]:
    if after is None:
        last = await store.last_id(run_id)
        if last is None and not await _wait_for_log(store, run_id):
            return
        after = FROM_START if last is None else last
    elif not await _wait_for_log(store, run_id):
        return
    start: EventId | str = "-" if after == FROM_START else after
    last = EventId(0, 0)
    while True:
        entries = read_entries(
            store.redis,
            run_id,
            after=start,
            prefix=store.prefix,
            block_ms=store.block_ms,
            heartbeat_timeout=store.heartbeat_timeout,
        )
        try:
            async for entry in entries:
                last = entry.id
                yield entry
            return
        except LogGap as gap:
            at = EventId.parse(gap.entry_id)
            if gap.got is None:
                yield _error_entry(max(at, last), gap)
                return
            yield Gap(at, _before(at))
            start = EventId(at.ms, at.seq, 1)  # read that entry again, then on
        except UnknownRun:
            raise RunNotFound(run_id) from None
        except RunLogError as error:
            yield _error_entry(last, error)
            return
        finally:
            await entries.aclose()  # type: ignore[attr-defined]


async def _wait_for_log(store: RedisRunStore, run_id: str) -> bool:
    """Wait while the run is pending without a log; whether there is a log to read."""
    log = run_keys(run_id, store.prefix).log
    delay = 0.02
    while not await store.client.exists(log):
        run = await store.get_run(run_id)
        if run is None:
            raise RunNotFound(run_id)
        if run.status not in LIVE_STATUSES:
            return bool(await store.client.exists(log))
        await asyncio.sleep(delay)
        delay = min(0.5, delay * 2)
    return True


def _error_entry(at: EventId, error: Exception) -> Entry:
    """A terminal ``error`` entry standing for an error of the read itself."""
    return Entry(EventId(at.ms, at.seq + 1), "error", data=error_data(error))


def _before(entry: EventId) -> EventId:
    if entry.seq:
        return EventId(entry.ms, entry.seq - 1)
    return EventId(max(0, entry.ms - 1), 2**64 - 1)


async def _with_idle(items: AsyncIterator[T], idle: float | None) -> AsyncIterator[T | Idle]:
    """``items``, and :data:`IDLE` whenever none came for ``idle`` seconds.

    One pump task reads ``items`` ahead into a bounded queue (:data:`_AHEAD`): an item
    that is waiting costs a ``get_nowait``, and only an empty queue arms a timer, so the
    idle ticks cost nothing per entry (a task per entry did: about 60 µs)."""
    queue: asyncio.Queue[object] = asyncio.Queue(_AHEAD)
    pump = asyncio.ensure_future(_pump(items, queue))
    try:
        while True:
            if queue.empty():
                try:
                    async with asyncio.timeout(idle):
                        item = await queue.get()
                except TimeoutError:
                    yield IDLE
                    continue
            else:
                item = queue.get_nowait()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        await cancel_and_wait(pump, "a run log's read-ahead")


class _Failed:
    """What the pump puts when ``items`` raised."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def _pump(items: AsyncIterator[T], queue: asyncio.Queue[object]) -> None:
    """Put every item of ``items`` into ``queue``, then :data:`_DONE` (or the error)."""
    try:
        async for item in items:
            await queue.put(item)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        await queue.put(_Failed(error))
        return
    finally:
        with contextlib.suppress(Exception):
            await items.aclose()  # type: ignore[attr-defined]
    await queue.put(_DONE)


__all__ = ("read_log",)
