"""Writing a run's log: :class:`RunPublisher` (start, append, finish) and :func:`publish`.

A log is one ``metadata`` entry (``{"run_id", "attempt", ...}``), one entry per event, then
exactly one terminal entry: ``end``, ``error`` (``{"error", "message"}``) or ``cancelled``
(see :mod:`._codec` for the fields). Entries are appended with ``XADD <log> MAXLEN ~ n *``
inside the :data:`~._scripts.APPEND` script, which also refreshes the log's TTL (``ttl``
while the run lives, ``retention`` once it ended) and the heartbeat key.

A producer's client has no automatic retries (``XADD`` with automatic ids is not
idempotent); a lost connection is retried here with backoff for ``reconnect_timeout``
seconds, each retry logged. A retried append that had landed is not added again (the
script compares ``seq``). Once the budget is spent :func:`publish` stops the run, tries
once to end the log with an ``error`` entry, and raises :class:`PublishFailed`.

Concurrency invariants: one producer per run, and only its task appends (one append at a
time, in order); its :class:`~._heartbeat.Heartbeat` task beats beside it on the same loop.
A reader that finds the heartbeat stale appends the terminal ``error`` entry itself; the
scripts refuse anything after a terminal entry, so the producer's next append (or beat)
finds the log ended and :class:`LogClosed` is raised: it never writes past a terminal entry.

Example (needs a Redis server, so not run here)::

    terminal = await publish("redis://localhost:6379/0", "run-1", agent.observe(inputs))
    terminal.kind  # 'end', 'error' or 'cancelled'
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, cast

from reactivex import Observable

from rxagent.bridges import to_aiter
from rxagent.events import Event
from rxagent.integrations.redis._codec import payload_fields
from rxagent.integrations.redis._connect import (
    Backoff,
    Redis,
    cancel_and_wait,
    own_client,
    retrying,
)
from rxagent.integrations.redis._errors import LogClosed, PublishFailed, RunLogError
from rxagent.integrations.redis._heartbeat import Heartbeat
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, run_keys
from rxagent.integrations.redis._scripts import APPEND, APPEND_EVENTS, BEAT
from rxagent.integrations.web._entries import Entry, EntryKind, error_data
from rxagent.integrations.web._ids import EventId

TerminalKind: TypeAlias = Literal["end", "error", "cancelled"]
"""The kinds of entry that end a log."""
Source: TypeAlias = Observable[Event] | AsyncIterable[Event]
"""What :func:`publish` reads: an Observable (subscribed once) or an async iterable."""

_PRODUCER_SOCKET_TIMEOUT = 5.0  # no blocking commands: a reply within 5 s or a lost connection
_BACKLOG = 256  # events read ahead of Redis: the source waits beyond (backpressure)
_BATCH = 128  # the most events one append call carries


@dataclass(frozen=True, slots=True)
class _Stop:
    """The source ended: with ``error``, or completed (``None``)."""

    error: BaseException | None


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RunPublisher:
    """Appends one run's log: :meth:`start`, :meth:`append` per event, :meth:`finish` once.

    Also an async context manager: ``async with RunPublisher(...) as log`` starts it, and
    leaving the block finishes the log with ``end``, with ``cancelled`` on cancellation, or
    with ``error`` on any other exception (which then propagates).

    Args:
        redis: a URL, or a ``redis.asyncio`` client whose connection settings to copy (the
            publisher opens and closes a client of its own, without automatic retries).
        run_id: the run; its keys are ``<prefix>:run:<run_id>:log`` and ``:heartbeat``.
        prefix: the deployment's key prefix.
        maxlen: the log's approximate maximum length (``XADD MAXLEN ~``).
        ttl: the TTL of the log and heartbeat keys while the run lives (refreshed at
            every append and beat: a producer that vanishes leaves nothing for longer).
        retention: how long the log is kept after its terminal entry.
        heartbeat_interval: seconds between two beats.
        reconnect_timeout: how long a lost connection is retried before giving up.
    """

    def __init__(
        self,
        redis: str | Redis,
        run_id: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        maxlen: int = 10_000,
        ttl: float = 600.0,
        retention: float = 120.0,
        heartbeat_interval: float = 1.0,
        reconnect_timeout: float = 10.0,
    ) -> None:
        _check_positive(ttl=ttl, retention=retention, heartbeat_interval=heartbeat_interval)
        if maxlen < 3:
            raise ValueError(f"maxlen must be >= 3 (metadata, an event, the end), got {maxlen}")
        if ttl <= heartbeat_interval:
            raise ValueError(f"ttl ({ttl} s) must be longer than heartbeat_interval")
        self.keys = run_keys(run_id, prefix)
        self.run_id = run_id
        self.maxlen = maxlen
        self.ttl = ttl
        self.retention = retention
        self.reconnect_timeout = reconnect_timeout
        self._redis = redis
        self._client: Redis | None = None
        self._heartbeat = Heartbeat(self._beat, heartbeat_interval, f"rxagent heartbeat {run_id}")
        self._seq = 0
        self._state: Literal["new", "open", "closed"] = "new"
        self._ending = False
        """Whether the terminal entry is being appended (a beat that finds the log ended
        then is no news)."""

    async def start(self, metadata: Mapping[str, Any] | None = None) -> Entry:
        """Append the ``metadata`` entry (``{"run_id", "attempt": 1, **metadata}``), start
        beating. Raises :class:`PublishFailed`, :class:`LogClosed` (a reader ended the run
        before it started), or :class:`RunLogError` if the run's log already has entries
        (another producer)."""
        self._open()
        data = {"run_id": self.run_id, "attempt": 1, **(metadata or {})}
        try:
            entry = await self._add("metadata", payload_fields("metadata", data=data), data=data)
        except BaseException:
            await self.aclose()
            raise
        self._heartbeat.start()
        return entry

    async def resume(self, next_seq: int) -> None:
        """Continue a log another producer began, without a ``metadata`` entry: the next
        entry gets ``next_seq`` (a retried attempt, after the ``metadata`` entry a
        reclaiming worker added); start beating."""
        self._open()
        self._seq = next_seq
        self._heartbeat.start()

    def _open(self) -> None:
        if self._state != "new":
            raise RuntimeError(f"publisher of run {self.run_id!r} already started")
        self._state = "open"
        self._client = own_client(self._redis, socket_timeout=_PRODUCER_SOCKET_TIMEOUT)

    async def append(self, event: Event) -> Entry:
        """Append one event. Raises ``EventEncodeError`` (JSON cannot hold its data),
        :class:`PublishFailed`, :class:`LogClosed`."""
        self._check_open()
        return await self._add("event", payload_fields("event", event=event), event=event)

    async def run(self, source: Source) -> Entry:
        """Append every event of ``source``, then the terminal entry; return it.

        ``end`` when the source completes; ``error`` with ``{"error", "message"}`` when it
        fails or an event cannot be JSON (the error is not raised: the log holds it); when
        the task is cancelled, the source's subscription is disposed first, then the log
        ends as :meth:`end_after` says and the error propagates, as do :class:`PublishFailed`
        and :class:`LogClosed`.
        """
        self._check_open()
        try:
            failed = await self._append_all(source)
        except BaseException as error:
            await self.end_after(error)
            raise
        if failed is None:
            return await self.finish("end")
        return await self.finish("error", error_data(failed))

    async def end_after(self, error: BaseException) -> None:
        """End the log after ``error`` stopped the run (the one place that decides):
        ``cancelled`` for a cancellation; after :class:`PublishFailed` one attempt at an
        ``error`` entry (:meth:`abandon`); after :class:`LogClosed` or another
        :class:`RunLogError` no entry (the log ended, or is another producer's); for any
        other exception an ``error`` entry naming it; for another ``BaseException``
        (``KeyboardInterrupt``) no entry, so readers report the producer dead. The
        publisher is closed afterwards; does nothing if it is not open."""
        if self._state != "open":
            return
        if isinstance(error, asyncio.CancelledError):
            await self.finish("cancelled")
        elif isinstance(error, PublishFailed):
            await self.abandon(error)
        elif isinstance(error, Exception) and not isinstance(error, RunLogError):
            await self.finish("error", error_data(error))
        else:
            await self.aclose()

    async def _append_all(self, source: Source) -> Exception | None:
        """Append every event of ``source``; the exception it failed with (or an event's
        encoding error), else ``None``. Raises what the publisher raises.

        A feeder task reads the source ahead into a queue of ``_BACKLOG`` events while an
        append is in flight, and each append carries every event waiting (up to
        ``_BATCH``): one Redis call per event at a slow pace, one per batch under load.
        """
        queue: asyncio.Queue[Event | _Stop] = asyncio.Queue(_BACKLOG)
        feeder = asyncio.create_task(_feed(source, queue), name=f"rxagent feed {self.run_id}")
        try:
            while True:
                batch = [await queue.get()]
                while len(batch) < _BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
                last = batch[-1]
                stop = last if isinstance(last, _Stop) else None
                if stop is not None:
                    batch.pop()
                failed = await self._append_batch(cast(list[Event], batch))
                if failed is not None:
                    return failed
                if stop is not None:
                    if stop.error is None or isinstance(stop.error, Exception):
                        return stop.error
                    raise stop.error
        finally:  # the source's subscription is disposed before the log ends
            await cancel_and_wait(feeder, f"the source of run {self.run_id!r}")

    async def _append_batch(self, events: list[Event]) -> Exception | None:
        """Append ``events`` in one call (those before one that cannot be JSON); that
        encoding error, else ``None``."""
        payloads: list[str | bytes] = []
        failed: Exception | None = None
        for event in events:
            try:
                payloads.append(payload_fields("event", event=event)[1])
            except Exception as error:
                failed = error
                break
        if len(payloads) == 1:
            await self.append(events[0])
        elif payloads:
            await self._add_events(payloads)
        return failed

    async def _add_events(self, payloads: list[str | bytes]) -> None:
        args = [self.maxlen, _ms(self.ttl), self._seq, *payloads]
        what = f"appending {len(payloads)} event entries to {self.keys.log!r}"
        reply, retried = await self._script(APPEND_EVENTS, args, what)
        if _text(reply[0]) == "ended":
            raise LogClosed(self.run_id, _text(reply[1]), _text(reply[2]))
        if int(reply[2]) < len(payloads) and not retried:
            raise RunLogError(
                self.run_id,
                f"its log {self.keys.log!r} already holds entries with seq >= {self._seq}: "
                "another producer is writing this run",
            )
        self._seq += len(payloads)

    async def finish(
        self, kind: TerminalKind = "end", data: Mapping[str, Any] | None = None
    ) -> Entry:
        """Append the terminal entry, stop beating, close the client (whatever happens)."""
        return await self._finish(kind, data, Backoff(self.reconnect_timeout))

    async def abandon(self, error: BaseException) -> None:
        """After :class:`PublishFailed`: try once (no retry) to end the log with an
        ``error`` entry naming ``error``, then close. Never raises a Redis error."""
        if self._state != "open":
            return
        # if Redis is still away, readers will find the heartbeat stale
        with contextlib.suppress(RunLogError):
            await self._finish("error", error_data(error), Backoff(0.0))

    async def aclose(self) -> None:
        """Stop beating and close the client, without a terminal entry (readers then
        report the producer dead once its heartbeat is stale)."""
        self._state = "closed"
        await self._heartbeat.stop()
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> RunPublisher:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: Any, tb: Any) -> None:
        if kind is None:
            if self._state == "open":
                await self.finish("end")
        else:
            await self.end_after(error)

    async def _finish(
        self, kind: TerminalKind, data: Mapping[str, Any] | None, backoff: Backoff
    ) -> Entry:
        self._check_open()
        self._ending = True
        try:
            fields = payload_fields(kind, data=data)
            return await self._add(kind, fields, data=dict(data or {}), backoff=backoff)
        finally:
            await self.aclose()

    def _check_open(self) -> None:
        if self._state != "open":
            raise RuntimeError(f"publisher of run {self.run_id!r} is {self._state}, not open")

    async def _add(
        self,
        kind: EntryKind,
        fields: list[str | bytes],
        *,
        event: Event | None = None,
        data: dict[str, Any] | None = None,
        backoff: Backoff | None = None,
    ) -> Entry:
        assert self._client is not None
        terminal = kind in ("end", "error", "cancelled")
        seq: int | str = "next" if terminal else self._seq
        args = [self.maxlen, _ms(self.ttl), _ms(self.retention), seq, kind, *fields]
        what = f"appending a {kind!r} entry to {self.keys.log!r}"
        reply, retried = await self._script(APPEND, args, what, backoff)
        entry_id = self._landed(reply, kind, retried=retried)
        if not terminal:
            self._seq += 1
        return Entry(EventId.parse(entry_id), kind, event, data or {})

    async def _script(
        self, script_text: str, args: list[Any], what: str, backoff: Backoff | None = None
    ) -> tuple[list[Any], bool]:
        """Run an append script on the log and heartbeat, across lost connections; its
        reply, and whether it took more than one attempt (then an earlier one may have
        landed)."""
        assert self._client is not None
        script = self._client.register_script(script_text)
        attempts = 0

        async def attempt() -> list[Any]:
            nonlocal attempts
            attempts += 1
            reply: list[Any] = await script(keys=[self.keys.log, self.keys.heartbeat], args=args)
            return reply

        reply = await retrying(
            attempt,
            backoff or Backoff(self.reconnect_timeout),
            what,
            lambda message: PublishFailed(self.run_id, message),
        )
        return reply, attempts > 1

    def _landed(self, reply: list[Any], kind: EntryKind, *, retried: bool) -> str:
        """The id of the entry the script added (or had added, for a retry); raise if none."""
        status, entry_id = _text(reply[0]), _text(reply[1])
        if status == "added":
            return entry_id
        if status == "ended":
            if retried and _text(reply[2]) == kind:
                return entry_id  # this terminal entry landed before the connection broke
            raise LogClosed(self.run_id, entry_id, _text(reply[2]))
        if retried:  # "duplicate": the first attempt landed
            return entry_id
        raise RunLogError(
            self.run_id,
            f"its log {self.keys.log!r} already holds entry {entry_id} with seq >= {self._seq}: "
            "another producer is writing this run",
        )

    async def _beat(self) -> bool:
        if self._client is None or self._ending:
            return True  # ending: the terminal entry takes the heartbeat with it
        script = self._client.register_script(BEAT)
        reply = await script(keys=[self.keys.log, self.keys.heartbeat], args=[_ms(self.ttl)])
        return _text(reply[0]) == "alive" or self._ending


async def publish(
    redis: str | Redis,
    run_id: str,
    source: Source,
    *,
    metadata: Mapping[str, Any] | None = None,
    prefix: str = DEFAULT_PREFIX,
    maxlen: int = 10_000,
    ttl: float = 600.0,
    retention: float = 120.0,
    heartbeat_interval: float = 1.0,
    reconnect_timeout: float = 10.0,
) -> Entry:
    """Run ``source`` into the run's log and return the terminal entry.

    The log gets the ``metadata`` entry, every event, then ``end``; ``error`` with
    ``{"error", "message"}`` if the source fails (or an event cannot be JSON); ``cancelled``
    if the task running this is cancelled (the source's subscription is disposed first,
    then ``CancelledError`` propagates). The keyword arguments are :class:`RunPublisher`'s.

    Raises:
        PublishFailed: Redis was lost for longer than ``reconnect_timeout`` (the run is
            stopped and, if Redis is back, its log ends with an ``error`` entry).
        LogClosed: a reader found the heartbeat stale and ended the log (the run is stopped).
    """
    publisher = RunPublisher(
        redis,
        run_id,
        prefix=prefix,
        maxlen=maxlen,
        ttl=ttl,
        retention=retention,
        heartbeat_interval=heartbeat_interval,
        reconnect_timeout=reconnect_timeout,
    )
    await publisher.start(metadata)
    return await publisher.run(source)


async def _feed(source: Source, queue: asyncio.Queue[Event | _Stop]) -> None:
    """Put every event of ``source`` into ``queue``, then a :class:`_Stop`."""
    events = _iterate(source)
    try:
        async for event in events:
            await queue.put(event)
    except asyncio.CancelledError:
        raise
    except BaseException as error:  # the run failed: the appender ends the log with it
        await queue.put(_Stop(error))
        return
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    await queue.put(_Stop(None))


def _iterate(source: Source) -> AsyncIterator[Event]:
    if isinstance(source, Observable):
        return to_aiter(source, overflow="block")
    return aiter(source)


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")


__all__ = ("RunPublisher", "Source", "TerminalKind", "publish")
