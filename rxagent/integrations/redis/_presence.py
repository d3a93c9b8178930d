"""Which workers are alive, per assistant id: so a run no worker can take ends, never waits.

A request waits in ``<prefix>:requests`` until a worker takes it, which is right while
workers are busy (the run is queued) and wrong when none is running, or none serves the
run's assistant id: then it would wait forever. So each worker announces itself every
``heartbeat_interval`` in one sorted set per assistant id it serves,
``<prefix>:assistant:<assistant_id>:workers`` (member: the worker's consumer name, score:
the Redis time of its last announce, in ms), and removes itself when it stops.

A server that finds a run still ``pending`` (no log) ``heartbeat_timeout`` seconds after the
run was created runs :data:`NO_WORKER`: if no worker announced itself for the run's
assistant id within ``heartbeat_timeout``, the script writes the run's whole log, atomically
and only while it does not exist: a ``metadata`` entry (``attempt`` 0: nothing ran) and an
``error`` entry (``NoWorker``, naming the assistant id and what to start). A worker that
takes the request later finds the log ended (its ``metadata`` append is refused) and
acknowledges the request without running it.

Invariants: times are the Redis server's (``TIME``); a log gets at most one terminal entry
(the script writes only where no log exists, the producer's script never after a terminal
entry); a busy but live worker keeps a queued run waiting, however long.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from rxagent.integrations.redis._keys import run_keys
from rxagent.integrations.redis._scripts import COMMON

ANNOUNCE: Final = (
    COMMON
    + """
-- KEYS: one presence set per assistant id; ARGV: consumer, ttl_ms
local now = now_ms()
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[2]))
  redis.call('PEXPIRE', key, ARGV[2])
end
return now
"""
)
"""Announce a worker for its assistant ids (and forget members silent for ``ttl_ms``)."""

NO_WORKER: Final = (
    COMMON
    + """
-- KEYS: log, presence set; ARGV: timeout_ms, retention_ms, metadata data, error data (JSON)
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
local live = redis.call('ZCOUNT', KEYS[2], now_ms() - tonumber(ARGV[1]), '+inf')
if live > 0 then return {'served', live} end
redis.call('XADD', KEYS[1], '*', 'kind', 'metadata', 'seq', 0, 'data', ARGV[3])
local id = redis.call('XADD', KEYS[1], '*', 'kind', 'error', 'seq', 1, 'data', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'ended', id}
"""
)
"""End a log-less run with ``NoWorker`` when no live worker serves its assistant id."""


def presence_key(assistant_id: str, prefix: str) -> str:
    """The sorted set of the workers serving ``assistant_id``.

    Example:
        >>> presence_key("agent", "rxagent")
        'rxagent:assistant:agent:workers'
    """
    return f"{prefix}:assistant:{assistant_id}:workers"


async def announce(
    client: Any, assistants: Iterable[str], consumer: str, prefix: str, ttl_ms: int
) -> None:
    """Record ``consumer`` as alive, now, for each of ``assistants``."""
    keys = [presence_key(name, prefix) for name in assistants]
    await client.register_script(ANNOUNCE)(keys=keys, args=[consumer, ttl_ms])


async def withdraw(client: Any, assistants: Iterable[str], consumer: str, prefix: str) -> None:
    """Remove ``consumer`` from the presence sets of ``assistants`` (it stops)."""
    async with client.pipeline(transaction=False) as pipe:
        for name in assistants:
            pipe.zrem(presence_key(name, prefix), consumer)
        await pipe.execute()


async def end_if_unserved(
    client: Any, run_id: str, assistant_id: str, prefix: str, timeout_ms: int, retention_ms: int
) -> bool:
    """End the log-less run ``run_id`` with ``NoWorker`` if no live worker serves
    ``assistant_id``; whether it did."""
    keys = [run_keys(run_id, prefix).log, presence_key(assistant_id, prefix)]
    message = (
        f"no live worker serves assistant {assistant_id!r}: no `rxagent worker` with "
        f"--agent {assistant_id}=... announced itself under prefix {prefix!r} within "
        f"{timeout_ms / 1000:g} s (the heartbeat timeout); start one, or check its --redis "
        "and --prefix"
    )
    metadata = json.dumps({"run_id": run_id, "attempt": 0, "assistant_id": assistant_id})
    error = json.dumps({"error": "NoWorker", "message": message})
    args = [timeout_ms, retention_ms, metadata, error]
    reply = await client.register_script(NO_WORKER)(keys=keys, args=args)
    status = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
    return status == "ended"


__all__ = ("ANNOUNCE", "NO_WORKER", "announce", "end_if_unserved", "presence_key", "withdraw")
