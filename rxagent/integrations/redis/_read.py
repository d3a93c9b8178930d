"""Reading a run's log: :func:`read_entries`, the one engine behind every reader.

A read replays the entries after ``after`` and then tails new ones, with one command:
``XREAD BLOCK <ms> COUNT <n> STREAMS <log> <last id>``, which answers at once while older
entries wait and blocks only at the live end. Redis compares the ids as numbers; the
:class:`~rxagent.integrations.web.EventId` of each entry is its Redis id.

What a read checks, in this order, so that it never skips and never waits silently:

* every entry decodes (else :class:`MalformedEntry`), and its ``seq`` is the next one: a
  ``seq`` already read is a duplicate (a retried publish) and is dropped; a larger one is a
  :class:`LogGap` (entries trimmed, or lost with a Redis restart without persistence);
* when nothing comes within the block time, the :data:`~._scripts.CHECK` script looks at
  the heartbeat: older than ``heartbeat_timeout`` (Redis time) means the producer died, and
  the script appends the ``error`` entry (``ProducerDied``) unless a terminal entry exists,
  atomically, so concurrent readers add one between them; the read then reads it like any
  entry. No log and no heartbeat: after ``heartbeat_timeout`` of that an unknown run
  (:class:`UnknownRun`), or, if this read had seen the log, a :class:`LogGap`.
* a lost connection is retried with backoff (logged) for ``reconnect_timeout`` seconds,
  then :class:`LogUnavailable`.

Concurrency invariants: each read opens its own client (one connection: its commands are
sequential), whose socket timeout is the block time plus 8 s (never redis-py's 5 s default
under a longer block) and which never retries by itself; the read closes it however it ends.
The read's state (last id, next ``seq``) belongs to its generator alone. Reads never wait on
each other: a slow reader holds up no one.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Literal, TypeAlias

from rxagent.integrations.redis._codec import decode_entry
from rxagent.integrations.redis._connect import Backoff, Redis, opened, retrying
from rxagent.integrations.redis._errors import LogGap, LogUnavailable, UnknownRun
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, RunKeys, run_keys
from rxagent.integrations.redis._scripts import CHECK
from rxagent.integrations.web._entries import Entry
from rxagent.integrations.web._ids import FROM_START, EventId, parse_last_event_id

After: TypeAlias = str | EventId | Literal["from-start"]
"""Where a read starts: an id (text, as a ``Last-Event-ID``, or an :class:`EventId`) whose
entry was read, or ``'-'``, ``'-1'``, ``'0'``, ``'0-0'``, :data:`FROM_START` for the whole log."""

Row: TypeAlias = tuple[Any, Any]
"""One stream entry as redis-py gives it: ``(id, fields)``."""

_SOCKET_MARGIN = 8.0
_MAX_SEQ = 2**64 - 1
_DIED_MAXLEN = 10_000
_DIED_RETENTION_MS = 120_000


def parse_after(after: After) -> EventId | Literal["from-start"]:
    """``after`` as an :class:`EventId` or :data:`FROM_START`; raise ``InvalidEventId``.

    Example:
        >>> parse_after("-"), parse_after(FROM_START), parse_after("5-2.1")
        ('from-start', 'from-start', EventId(ms=5, seq=2, sub=1))
    """
    if isinstance(after, EventId):
        return after
    if after == FROM_START:
        return FROM_START
    parsed = parse_last_event_id(after)
    return FROM_START if parsed is None else parsed


def read_entries(
    redis: str | Redis,
    run_id: str,
    *,
    after: After = "-",
    prefix: str = DEFAULT_PREFIX,
    block_ms: int = 2000,
    heartbeat_timeout: float = 5.0,
    count: int = 100,
    reconnect_timeout: float = 10.0,
) -> AsyncIterator[Entry]:
    """The run's log entries after ``after``, up to and including its terminal entry.

    For a frame id ``x.n`` the entry ``x`` is read again (its frames were only partly
    seen), as the in-memory store does. Arguments are checked now; the reading starts at
    the first ``anext``. Close the iterator (``aclose``) to stop early.

    Args:
        redis: a URL, or a ``redis.asyncio`` client whose connection settings to copy.
        run_id: the run.
        after: see :data:`After`.
        prefix: the deployment's key prefix.
        block_ms: the longest single ``XREAD BLOCK``.
        heartbeat_timeout: a heartbeat older than this means the producer died; a run
            with neither log nor heartbeat for this long is unknown.
        count: the most entries one ``XREAD`` returns.
        reconnect_timeout: how long a lost connection is retried before
            :class:`LogUnavailable`.

    Raises (while iterating):
        LogGap, MalformedEntry, UnknownRun, LogUnavailable: see :mod:`._errors`.
    """
    if block_ms < 1 or count < 1 or not heartbeat_timeout > 0:
        raise ValueError("block_ms and count must be >= 1 and heartbeat_timeout > 0")
    start = parse_after(after)
    reader = _Reader(run_keys(run_id, prefix), block_ms, heartbeat_timeout, count)
    reader.backoff = Backoff(reconnect_timeout)
    return reader.run(redis, start)


class _Reader:
    """One read's state: where it is in the log and what it expects next."""

    def __init__(self, keys: RunKeys, block_ms: int, heartbeat_timeout: float, count: int) -> None:
        self.keys = keys
        self.block_ms = block_ms
        self.timeout = heartbeat_timeout
        self.count = count
        self.cursor = "0-0"
        self.expected: int | None = 0
        """The ``seq`` of the next entry; ``None`` when the entry to resume after is gone."""
        self.seen = False
        """Whether this read found the log (an entry read, or the one it resumes after)."""
        self.started = time.monotonic()
        self.next_check_ms = min(block_ms, _ms(heartbeat_timeout))
        self.backoff = Backoff(10.0)
        self.client: Redis | None = None

    async def run(
        self, redis: str | Redis, start: EventId | Literal["from-start"]
    ) -> AsyncIterator[Entry]:
        timeout = self.block_ms / 1000 + _SOCKET_MARGIN
        async with opened(redis, socket_timeout=timeout) as self.client:
            await self._resume(start)
            while True:
                for entry_id, fields in await self._next_rows():
                    entry = self._accept(entry_id, fields)
                    if entry is None:
                        continue
                    yield entry
                    if entry.terminal:
                        return

    async def _resume(self, start: EventId | Literal["from-start"]) -> None:
        """Set the cursor and the expected ``seq`` from the entry to resume after."""
        if start == FROM_START:
            return
        assert isinstance(start, EventId)
        target = start.entry
        client = self._require_client()
        rows = await self._call(partial(client.xrange, self.keys.log, str(target), str(target)))
        if rows:
            seq, _ = decode_entry(self.keys.run_id, *rows[0])
            self.seen = True
            self.expected = seq if start.sub else seq + 1
            self.cursor = _before(target) if start.sub else str(target)
            return
        self.cursor, self.expected = str(target), None
        if await self._call(partial(client.exists, self.keys.log)):
            raise LogGap(
                self.keys.run_id,
                expected=None,
                got=None,
                entry_id=str(target),
                why=f"cannot resume after {target}: the log no longer holds that entry "
                "(trimmed, or lost with a Redis restart), or it never did",
            )

    def _accept(self, entry_id: Any, fields: Any) -> Entry | None:
        """The entry if it is the next one; ``None`` for a duplicate; raise on a gap."""
        seq, entry = decode_entry(self.keys.run_id, entry_id, fields)
        self.cursor = str(entry.id)
        self.seen = True
        if self.expected is None or seq > self.expected:
            raise LogGap(self.keys.run_id, expected=self.expected, got=seq, entry_id=str(entry.id))
        if seq < self.expected:
            return None  # a publish retried after a lost reply: read already
        self.expected += 1
        return entry

    async def _next_rows(self) -> Sequence[Row]:
        """The next entries after the cursor, waiting for them; checks the producer while
        none come."""
        while True:
            block = max(1, min(self.block_ms, self.next_check_ms))
            xread = self._require_client().xread
            streams: dict[Any, Any] = {self.keys.log: self.cursor}
            reply = await self._call(partial(xread, streams, count=self.count, block=block))
            rows = _rows(reply)
            if rows:
                return rows
            await self._check()

    async def _check(self) -> None:
        """Nothing came: is the producer alive? Raise, or set when to look again."""
        data = json.dumps({"error": "ProducerDied", "message": self._died_message()})
        args: list[str | int] = [_ms(self.timeout), _DIED_MAXLEN, _DIED_RETENTION_MS, data]
        script = self._require_client().register_script(CHECK)
        keys = [self.keys.log, self.keys.heartbeat]
        reply = await self._call(partial(script, keys=keys, args=args))
        status = _text(reply[0])
        self.next_check_ms = min(self.block_ms, _ms(self.timeout))
        if status == "alive":  # look again when the last beat turns stale
            self.next_check_ms = max(
                10, min(self.next_check_ms, _ms(self.timeout) - int(reply[1]) + 10)
            )
        elif status == "missing":
            self._missing()
        # "ended", "died": the terminal entry is in the log, the next read returns it

    def _missing(self) -> None:
        """Neither log nor fresh heartbeat."""
        if self.seen:
            raise LogGap(
                self.keys.run_id,
                expected=self.expected,
                got=None,
                entry_id=self.cursor,
                why=f"its log {self.keys.log!r} vanished after entry {self.cursor} before its "
                "end, and the producer is not heartbeating (Redis restarted without "
                "persistence, or the log expired)",
            )
        waited = time.monotonic() - self.started
        if waited >= self.timeout:
            raise UnknownRun(self.keys.run_id, self.keys.log, self.timeout)
        self.next_check_ms = max(1, _ms(self.timeout - waited))

    def _died_message(self) -> str:
        return (
            f"its producer stopped: no heartbeat at "
            f"{self.keys.heartbeat!r} for over {self.timeout:g} s (the heartbeat timeout) "
            "and the log has no terminal entry; a reader appended this error"
        )

    async def _call(self, command: Callable[[], Awaitable[Any]]) -> Any:
        return await retrying(
            command,
            self.backoff,
            f"reading {self.keys.log!r}",
            lambda message: LogUnavailable(self.keys.run_id, message),
        )

    def _require_client(self) -> Redis:
        assert self.client is not None
        return self.client


def _rows(reply: Any) -> Sequence[Row]:
    """The entries of an ``XREAD`` reply for one stream (RESP2 list or RESP3 dict form)."""
    if not reply:
        return ()
    if isinstance(reply, dict):
        return next(iter(reply.values()))[0] if reply else ()
    rows: Sequence[Row] = reply[0][1]
    return rows


def _before(entry: EventId) -> str:
    """The largest Redis id below ``entry`` (``XREAD`` reads after its id, exclusive)."""
    if entry.seq:
        return f"{entry.ms}-{entry.seq - 1}"
    return f"{entry.ms - 1}-{_MAX_SEQ}" if entry.ms else "0-0"


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ("After", "parse_after", "read_entries")
