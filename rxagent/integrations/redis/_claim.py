"""Reclaiming the requests of dead workers: only runs whose heartbeat stopped.

A pending request's idle time counts from its delivery, so a long run looks idle however
alive it is. So :func:`reclaim` lists the pending requests idle for at least ``min_idle``
(``XPENDING ... IDLE``), skips those whose run still heartbeats, and claims the others one
by one with ``XCLAIM ... <min_idle>`` (``XAUTOCLAIM`` would take live runs too). Of two
workers that race for one request the first ``XCLAIM`` wins: it resets the idle time, so
the second claims nothing. Then, for a claimed request:

* the log has its terminal entry (the worker died before ``XACK``): acknowledge it;
* no log and no heartbeat (the worker died before the run's first entry, so the agent
  never ran): run it afresh;
* the request allows retries left (``retries``; the attempts so far are counted in
  ``<prefix>:run:<run_id>:attempt``, absent = 1): the :data:`TAKEOVER` script appends a new
  ``metadata`` entry ``{"attempt": n, ...}`` to the same log, with the next ``seq``, and
  beats the heartbeat, atomically and only while the heartbeat is stale and the log not
  ended; the reclaiming worker then runs the agent again from the start and continues the
  log after that entry (readers see the dead attempt's events, the new ``metadata`` entry,
  then every event of the new attempt, and one terminal entry);
* otherwise the readers' :data:`~._scripts.CHECK` script appends the ``ProducerDied``
  ``error`` entry (unless someone did already) and the request is acknowledged.

Invariants: a log still gets at most one terminal entry (both scripts refuse an ended log,
and ``TAKEOVER`` refuses a fresh heartbeat, so it cannot race a live producer or a reader's
``CHECK``: whichever runs first wins, atomically). For a retried run to survive, its
readers' ``heartbeat_timeout`` must exceed the workers' ``heartbeat_timeout`` plus their
claim interval; otherwise a reader declares the producer dead first and the run ends with
``ProducerDied``, as without retries. Concurrency: called from one task per worker, on the
worker's command client (commands in sequence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from rxagent.integrations.redis._connect import LOG, Redis
from rxagent.integrations.redis._keys import run_keys
from rxagent.integrations.redis._requests import (
    GROUP,
    MalformedRequest,
    RunRequest,
    decode_request,
    requests_key,
)
from rxagent.integrations.redis._scripts import CHECK, COMMON

TAKEOVER: Final = (
    COMMON
    + """
-- KEYS: log, heartbeat, attempt; ARGV: timeout_ms, ttl_ms, maxlen, attempt expected now,
-- metadata JSON of the next attempt
local last = last_entry(KEYS[1])
if last and TERMINAL[last[2]] then return ended(last) end
local beat = tonumber(redis.call('GET', KEYS[2]) or '')
if beat and now_ms() - beat <= tonumber(ARGV[1]) then return {'alive'} end
if not last then return {'missing'} end
if (redis.call('GET', KEYS[3]) or '1') ~= ARGV[4] then return {'raced'} end
local seq = (last[3] or -1) + 1
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',
  'kind', 'metadata', 'seq', seq, 'data', ARGV[5])
redis.call('SET', KEYS[3], tonumber(ARGV[4]) + 1, 'PX', ARGV[2])
redis.call('SET', KEYS[2], now_ms(), 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'taken', id, seq}
"""
)
"""Continue a dead run's log with a new attempt's ``metadata`` entry (see above)."""

_MAXLEN = 10_000
_RETENTION_MS = 120_000


@dataclass(frozen=True)
class Claimed:
    """A request this worker now owns and must run."""

    entry_id: str
    """The request's entry in ``<prefix>:requests``."""
    request: RunRequest
    """The request."""
    attempt: int = 1
    """Which attempt this run is (1: the first)."""
    next_seq: int | None = None
    """``None``: a fresh log; else the log was continued and the next entry has this seq."""


@dataclass(frozen=True)
class Reclaimer:
    """What :func:`reclaim` needs: the worker's identity, thresholds and run settings."""

    prefix: str
    consumer: str
    heartbeat_timeout: float
    ttl: float
    metadata: dict[str, Any]
    """Added to a retried attempt's ``metadata`` entry (e.g. the worker's name)."""

    @property
    def min_idle_ms(self) -> int:
        """A request idle this long may be dead (and no worker starts a run later)."""
        return _ms(self.heartbeat_timeout)

    async def reclaim(self, client: Redis, count: int) -> list[Claimed]:
        """Claim up to ``count`` requests of dead runs; end or acknowledge the others."""
        key = requests_key(self.prefix)
        pending = await client.xpending_range(
            key, GROUP, min="-", max="+", count=count, idle=self.min_idle_ms
        )
        claimed: list[Claimed] = []
        for row in pending:
            entry_id = _text(row["message_id"])
            request = await self._request(client, entry_id)
            if request is None or not await self._stale(client, request.run_id):
                continue
            won = await client.xclaim(key, GROUP, self.consumer, self.min_idle_ms, [entry_id])
            if not won:
                continue  # another worker claimed it first
            outcome = await self._decide(client, entry_id, request)
            if outcome is not None:
                claimed.append(outcome)
        return claimed

    async def _request(self, client: Redis, entry_id: str) -> RunRequest | None:
        rows = await client.xrange(requests_key(self.prefix), entry_id, entry_id)
        try:
            return decode_request(rows[0][1] or {}, entry_id) if rows else None
        except MalformedRequest as error:
            LOG.error("%s; acknowledged and dropped", error)
            await acknowledge(client, self.prefix, entry_id)
            return None

    async def _stale(self, client: Redis, run_id: str) -> bool:
        beat, now = await _beat_and_time(client, run_keys(run_id, self.prefix).heartbeat)
        return beat is None or now - beat > _ms(self.heartbeat_timeout)

    async def _decide(self, client: Redis, entry_id: str, request: RunRequest) -> Claimed | None:
        keys = run_keys(request.run_id, self.prefix)
        attempt_key = f"{keys.prefix}:run:{keys.run_id}:attempt"
        if request.retries > 0:
            now = int(await client.get(attempt_key) or 1)
            if now <= request.retries:
                reply = await self._take_over(client, request, attempt_key, now)
                status = _text(reply[0])
                if status == "taken":
                    LOG.warning("run %r: its worker died; attempt %d", request.run_id, now + 1)
                    return Claimed(entry_id, request, now + 1, int(reply[2]) + 1)
                if status in ("alive", "raced"):
                    return None
                if status == "missing":
                    return Claimed(entry_id, request)
                # "ended"
                await acknowledge(client, self.prefix, entry_id)
                return None
        return await self._end_dead(client, entry_id, request)

    async def _take_over(
        self, client: Redis, request: RunRequest, attempt_key: str, now: int
    ) -> list[Any]:
        keys = run_keys(request.run_id, self.prefix)
        data = json.dumps(
            {**run_metadata(request, now + 1), **self.metadata}, separators=(",", ":")
        )
        args: list[str | int] = [
            _ms(self.heartbeat_timeout),
            _ms(self.ttl),
            _MAXLEN,
            str(now),
            data,
        ]
        script = client.register_script(TAKEOVER)
        reply: list[Any] = await script(keys=[keys.log, keys.heartbeat, attempt_key], args=args)
        return reply

    async def _end_dead(self, client: Redis, entry_id: str, request: RunRequest) -> Claimed | None:
        keys = run_keys(request.run_id, self.prefix)
        message = (
            f"its worker stopped: no heartbeat at {keys.heartbeat!r} for over "
            f"{self.heartbeat_timeout:g} s, and the request allows no more retries "
            f"({request.retries}); worker {self.consumer} appended this error"
        )
        data = json.dumps({"error": "ProducerDied", "message": message})
        args: list[str | int] = [_ms(self.heartbeat_timeout), _MAXLEN, _RETENTION_MS, data]
        script = client.register_script(CHECK)
        reply = await script(keys=[keys.log, keys.heartbeat], args=args)
        status = _text(reply[0])
        if status == "missing":  # the agent never ran: run it now
            return Claimed(entry_id, request)
        if status == "alive":
            return None
        LOG.error("run %r: its worker died (%s)", request.run_id, status)
        await acknowledge(client, self.prefix, entry_id)
        return None


def run_metadata(request: RunRequest, attempt: int) -> dict[str, Any]:
    """The ``metadata`` entry's data for ``attempt`` of ``request``."""
    return {
        **request.metadata,
        "run_id": request.run_id,
        "attempt": attempt,
        "assistant_id": request.assistant_id,
        "thread_id": request.thread_id,
        "stream_modes": list(request.stream_modes),
        "subgraphs": request.subgraphs,
    }


async def acknowledge(client: Redis, prefix: str, entry_id: str) -> None:
    """``XACK`` and ``XDEL`` the request (the run is over: nothing reads it again)."""
    key = requests_key(prefix)
    async with client.pipeline(transaction=True) as pipe:
        pipe.xack(key, GROUP, entry_id)
        pipe.xdel(key, entry_id)
        await pipe.execute()


async def _beat_and_time(client: Redis, heartbeat: str) -> tuple[int | None, int]:
    async with client.pipeline(transaction=False) as pipe:
        pipe.get(heartbeat)
        pipe.time()
        raw, (seconds, micros) = await pipe.execute()
    beat = int(raw) if raw is not None and _text(raw).isdigit() else None
    return beat, int(seconds) * 1000 + int(micros) // 1000


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ("TAKEOVER", "Claimed", "Reclaimer", "acknowledge", "run_metadata")
