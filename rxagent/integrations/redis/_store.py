"""The run store of ``rxagent serve --redis``: :class:`RedisRunStore`.

Threads and run records live in Redis, so every server of a deployment answers every
route; each run's log is the stream a worker writes (:mod:`._publish`), read with
:func:`~._read.read_entries`. Keys, under the deployment's prefix:

* ``<prefix>:thread:<id>``: a hash (``metadata`` JSON, ``values``, ``status``, times,
  ``ephemeral``); ``values`` is a root ``values`` event in the events codec, so messages
  come back as message objects;
* ``<prefix>:thread:<id>:runs``: the thread's run ids, newest first;
* ``<prefix>:run:<id>:record``: a hash (thread, assistant, ``status``, times, options).

**Status** comes from the log: a record's ``pending`` or ``running`` is only what a
server last knew, so reading a live record (``get_run``, ``list_runs``, ``get_thread`` of a
busy thread) runs the :data:`~._scripts.CHECK` script on its log: no log yet is
``pending`` (and, once the run has waited longer than the heartbeat timeout while no live
worker serves its assistant id, the log ends with a ``NoWorker`` error: :mod:`._presence`);
a log with a fresh heartbeat is ``running``; a terminal entry (or a heartbeat
gone stale, for which the script appends the ``error`` entry) *finalizes* the run: its
status (``end`` → success, ``error`` → error, ``cancelled`` → interrupted), the thread's
status, and the **thread's values**: the data of the last root ``values`` event in the log
(the server asks workers for ``values`` in every request for this). Finalizing is the
:data:`FINALIZE` script: it writes only while the record is still live, so of two servers
finalizing one run the second writes nothing, and a slow finalizer cannot overwrite the
values of a later run (which could not start before the first was finalized).

Concurrency invariants: the store's client (no blocking commands) is used from the loop of
the server that owns the store; every read of a log has a client of its own
(:func:`~._read.read_entries`); everything shared between servers is in Redis and changed
by single commands or scripts, never read-modify-written from Python.

Example (needs a Redis server, so not run here)::

    store = RedisRunStore("redis://localhost:6379/0", prefix="rxagent")
    app = create_app({"agent": agent}, store=store)  # runs go to `rxagent worker`s
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from rxagent.events import EVENT_ADAPTER, Event, ValuesEvent
from rxagent.integrations.redis._codec import decode_entry
from rxagent.integrations.redis._connect import Redis, own_client
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, run_keys
from rxagent.integrations.redis._presence import end_if_unserved
from rxagent.integrations.redis._scripts import CHECK
from rxagent.integrations.redis._store_read import read_log
from rxagent.integrations.web._entries import Entry, EntryKind
from rxagent.integrations.web._ids import EventId
from rxagent.integrations.web._store import (
    LIVE_STATUSES,
    After,
    Gap,
    Idle,
    RunRecord,
    RunStatus,
    ThreadRecord,
    ThreadStatus,
)

if TYPE_CHECKING:
    from rxagent.integrations.redis._launcher import RedisLauncher

_OUTCOME: Final[dict[str, tuple[RunStatus, ThreadStatus]]] = {
    "end": ("success", "idle"),
    "error": ("error", "error"),
    "cancelled": ("interrupted", "idle"),
}

FINALIZE: Final = """
-- KEYS: run record, thread, thread's runs; ARGV: run status, thread status, values ('' for
-- none), now (ISO), retention_ms
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated_at', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'status', ARGV[2], 'updated_at', ARGV[4])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'values', ARGV[3]) end
  if redis.call('HGET', KEYS[2], 'ephemeral') == '1' then
    redis.call('PEXPIRE', KEYS[2], ARGV[5])
    redis.call('PEXPIRE', KEYS[3], ARGV[5])
  end
end
return 1
"""
"""Finalize a run once: set its status and its thread's status and values, atomically."""

_SCAN_BATCH = 200


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisRunStore:
    """A :class:`~rxagent.integrations.web.RunStore` in Redis, for servers whose runs are run
    by ``rxagent worker`` processes (see the module docstring).

    Args:
        redis: a URL, or a ``redis.asyncio`` client whose connection settings to copy (the
            store opens its own clients; :meth:`aclose` closes them).
        prefix: the deployment's key prefix (the workers' ``--prefix``).
        retention_seconds: how long a finished run's record is kept (its log's retention
            is the worker's).
        live_ttl: how long a run record lives before its run ends (a safety net).
        heartbeat_timeout: a worker whose heartbeat is older is dead (its run ends with an
            ``error`` entry); the workers' ``--heartbeat-timeout``.
        block_ms: the longest single blocking read of a log.
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        retention_seconds: float = 120.0,
        live_ttl: float = 86_400.0,
        heartbeat_timeout: float = 5.0,
        block_ms: int = 2000,
    ) -> None:
        run_keys("x", prefix)  # validates the prefix
        if retention_seconds <= 0 or live_ttl <= 0 or heartbeat_timeout <= 0:
            raise ValueError("retention_seconds, live_ttl and heartbeat_timeout must be > 0")
        self.redis = redis
        self.prefix = prefix
        self.retention_ms = max(1, round(retention_seconds * 1000))
        self.live_ttl_ms = max(1, round(live_ttl * 1000))
        self.heartbeat_timeout = heartbeat_timeout
        self.block_ms = block_ms
        self._client: Redis | None = None

    @property
    def client(self) -> Redis:
        """The store's own client (opened at first use; no blocking commands on it)."""
        if self._client is None:
            self._client = own_client(self.redis, socket_timeout=10.0)
        return self._client

    @property
    def _r(self) -> Any:
        """:attr:`client`, untyped: redis-py's command stubs are too narrow for bytes maps."""
        return self.client

    async def aclose(self) -> None:
        """Close the store's client (the server's shutdown does it)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def launcher(self) -> RedisLauncher:
        """The launcher of a server on this store: a :class:`~._launcher.RedisLauncher`."""
        from rxagent.integrations.redis._launcher import RedisLauncher

        return RedisLauncher(self)

    def _thread_key(self, thread_id: str) -> str:
        return f"{self.prefix}:thread:{thread_id}"

    def _record_key(self, run_id: str) -> str:
        return f"{run_keys(run_id, self.prefix).log.removesuffix(':log')}:record"

    # ---- threads

    async def create_thread(
        self, thread_id: str, metadata: Mapping[str, Any] | None = None, *, ephemeral: bool = False
    ) -> ThreadRecord:
        now = _now()
        fields = {
            "metadata": json.dumps(dict(metadata or {})),
            "status": "idle",
            "created_at": now,
            "updated_at": now,
            "ephemeral": "1" if ephemeral else "0",
        }
        key = self._thread_key(thread_id)
        async with self.client.pipeline(transaction=True) as pipe:
            for name, value in fields.items():
                pipe.hsetnx(key, name, value)
            await pipe.execute()
        thread = await self.get_thread(thread_id)
        assert thread is not None
        return thread

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        fields = await self._thread_fields(thread_id)
        if fields is not None and fields.get("status") == "busy":
            newest = await self._r.lindex(self._thread_key(thread_id) + ":runs", 0)
            if newest is not None:
                await self.get_run(_text(newest))
                fields = await self._thread_fields(thread_id)
        return None if fields is None else _thread(thread_id, fields)

    async def _thread_fields(self, thread_id: str) -> dict[str, str] | None:
        raw = await self._r.hgetall(self._thread_key(thread_id))
        fields = {_text(k): _text(v) for k, v in raw.items()}
        return fields if "created_at" in fields else None

    async def update_thread(
        self,
        thread_id: str,
        *,
        status: ThreadStatus | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        fields = {"updated_at": _now()}
        if status is not None:
            fields["status"] = status
        if values is not None:
            fields["values"] = encode_values(values)
        await self._r.hset(self._thread_key(thread_id), mapping=fields)

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
        run = RunRecord(
            run_id,
            thread_id,
            assistant_id,
            metadata=dict(metadata or {}),
            stream_modes=tuple(stream_modes),
            subgraphs=subgraphs,
        )
        key, runs_key = self._record_key(run_id), self._thread_key(thread_id) + ":runs"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=cast(Any, _record_fields(run)))
            pipe.pexpire(key, self.live_ttl_ms)
            pipe.lpush(runs_key, run_id)
            pipe.ltrim(runs_key, 0, 999)
            await pipe.execute()
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        raw = await self._r.hgetall(self._record_key(run_id))
        if not raw:
            return None
        run = _run(run_id, {_text(k): _text(v) for k, v in raw.items()})
        if run.status in LIVE_STATUSES:
            await self._refresh(run)
        return run

    async def list_runs(self, thread_id: str) -> list[RunRecord]:
        ids = await self._r.lrange(self._thread_key(thread_id) + ":runs", 0, -1)
        runs = [await self.get_run(_text(run_id)) for run_id in ids]
        return [run for run in runs if run is not None]

    async def set_status(self, run_id: str, status: RunStatus) -> None:
        fields = {"status": status, "updated_at": _now()}
        await self._r.hset(self._record_key(run_id), mapping=fields)

    async def _refresh(self, run: RunRecord) -> None:
        """Bring a live record up to date with its log (see the module docstring)."""
        keys = run_keys(run.run_id, self.prefix)
        died = json.dumps(
            {
                "error": "ProducerDied",
                "message": f"its worker stopped: no heartbeat at {keys.heartbeat!r} for over "
                f"{self.heartbeat_timeout:g} s and the log has no terminal entry",
            }
        )
        timeout_ms = max(1, round(self.heartbeat_timeout * 1000))
        script = self.client.register_script(CHECK)
        args: list[str | int] = [timeout_ms, 10_000, self.retention_ms, died]
        reply = await script(keys=[keys.log, keys.heartbeat], args=args)
        status = _text(reply[0])
        if status == "alive" and run.status == "pending":
            run.status = "running"
            await self.set_status(run.run_id, "running")
        elif status == "ended":
            await self._finalize(run, _text(reply[2]))
        elif status == "died":
            await self._finalize(run, "error")
        elif status == "missing" and run.status == "pending" and self._queued_long(run):
            ended = await end_if_unserved(
                self.client,
                run.run_id,
                run.assistant_id,
                self.prefix,
                timeout_ms,
                self.retention_ms,
            )
            if ended:
                await self._finalize(run, "error")

    def _queued_long(self, run: RunRecord) -> bool:
        """Whether ``run`` has waited for a worker longer than the heartbeat timeout (by
        this server's clock: the workers have had time to announce themselves)."""
        waited = (datetime.now(UTC) - run.created_at).total_seconds()
        return waited >= self.heartbeat_timeout

    async def _finalize(self, run: RunRecord, kind: str) -> None:
        run_status, thread_status = _OUTCOME.get(kind, ("error", "error"))
        values = await self._last_values(run.run_id)
        thread_key = self._thread_key(run.thread_id)
        keys = [self._record_key(run.run_id), thread_key, thread_key + ":runs"]
        args: list[str | int] = [run_status, thread_status, values or "", _now()]
        script = self.client.register_script(FINALIZE)
        await script(keys=keys, args=[*args, self.retention_ms])
        fresh = await self._r.hget(keys[0], "status")
        run.status = cast(RunStatus, _text(fresh)) if fresh is not None else run_status

    async def _last_values(self, run_id: str) -> str | None:
        """The last root ``values`` event of the log, encoded as thread values; ``None``."""
        log = run_keys(run_id, self.prefix).log
        end = "+"
        while True:
            rows = await self._r.xrevrange(log, end, "-", count=_SCAN_BATCH)
            for entry_id, fields in rows:
                if fields.get(b"kind") != b"event" or b'"mode":"values"' not in fields.get(
                    b"event", b""
                ):
                    continue
                event = decode_entry(run_id, entry_id, fields)[1].event
                if event is not None and not event.ns and isinstance(event.data, dict):
                    return encode_values(event.data)
            if len(rows) < _SCAN_BATCH:
                return None
            end = "(" + _text(rows[-1][0])

    # ---- logs

    async def append(
        self,
        run_id: str,
        kind: EntryKind,
        event: Event | None = None,
        data: dict[str, Any] | None = None,
    ) -> Entry:
        """Not here: workers write the logs (:mod:`._publish`); raises ``RuntimeError``."""
        raise RuntimeError(
            f"RedisRunStore does not append to run {run_id!r}: workers write run logs "
            "(rxagent worker, or rxagent.integrations.redis.publish)"
        )

    async def last_id(self, run_id: str) -> EventId | None:
        rows = await self._r.xrevrange(run_keys(run_id, self.prefix).log, "+", "-", count=1)
        return EventId.parse(_text(rows[0][0])) if rows else None

    def read(
        self, run_id: str, after: After, *, idle: float | None = None
    ) -> AsyncIterator[Entry | Gap | Idle]:
        """The run's log after ``after`` (see :func:`~._store_read.read_log`)."""
        return read_log(self, run_id, after, idle=idle)


def encode_values(values: dict[str, Any]) -> str:
    """Thread values as stored: a root ``values`` event in the events codec."""
    return EVENT_ADAPTER.dump_json(ValuesEvent(data=values)).decode()


def decode_values(text: str | None) -> dict[str, Any]:
    """The thread values :func:`encode_values` stored (``{}`` for none)."""
    if not text:
        return {}
    data = EVENT_ADAPTER.validate_json(text).data
    return data if isinstance(data, dict) else {}


def _thread(thread_id: str, fields: dict[str, str]) -> ThreadRecord:
    return ThreadRecord(
        thread_id,
        metadata=json.loads(fields.get("metadata", "{}")),
        values=decode_values(fields.get("values")),
        status=cast(ThreadStatus, fields.get("status", "idle")),
        created_at=datetime.fromisoformat(fields["created_at"]),
        updated_at=datetime.fromisoformat(fields.get("updated_at", fields["created_at"])),
        ephemeral=fields.get("ephemeral") == "1",
    )


def _record_fields(run: RunRecord) -> dict[str, str]:
    return {
        "thread_id": run.thread_id,
        "assistant_id": run.assistant_id,
        "status": run.status,
        "created_at": run.created_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
        "metadata": json.dumps(run.metadata),
        "stream_modes": json.dumps(list(run.stream_modes)),
        "subgraphs": "1" if run.subgraphs else "0",
    }


def _run(run_id: str, fields: dict[str, str]) -> RunRecord:
    return RunRecord(
        run_id,
        fields["thread_id"],
        fields["assistant_id"],
        status=cast(RunStatus, fields["status"]),
        created_at=datetime.fromisoformat(fields["created_at"]),
        updated_at=datetime.fromisoformat(fields["updated_at"]),
        metadata=json.loads(fields.get("metadata", "{}")),
        stream_modes=tuple(json.loads(fields.get("stream_modes", "[]"))),
        subgraphs=fields.get("subgraphs") == "1",
    )


__all__ = ("FINALIZE", "RedisRunStore", "decode_values", "encode_values")
