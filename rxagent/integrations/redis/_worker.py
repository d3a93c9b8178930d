"""``Worker``: runs the run requests of ``<prefix>:requests`` (see :mod:`._requests`).

A worker reads new requests with ``XREADGROUP GROUP workers <consumer> COUNT <free slots>
BLOCK <block_ms> STREAMS <prefix>:requests >`` (re-creating the group on ``NOGROUP``: a
Redis restart without persistence loses it), runs each in a task of its own
(:func:`~._execute.run_request`), and acknowledges (``XACK`` + ``XDEL``) a request once its
run's log has its terminal entry. Every ``claim_interval`` it reclaims the requests of dead
workers (:mod:`._claim`: only runs whose heartbeat stopped). A request for an assistant id
it does not serve ends with an ``UnknownAssistant`` error entry and is acknowledged: the
workers of one deployment are meant to serve the same agents. A malformed request is logged
and acknowledged (with an ``error`` entry in its run's log when its ``run_id`` is readable).

Every ``heartbeat_interval`` it announces itself for the assistant ids it serves
(:mod:`._presence`), so that a server can end a run that no live worker serves instead of
leaving it pending forever; it withdraws when it stops.

Cancels arrive on ``<prefix>:cancel`` (pub/sub, on a connection of its own) and cancel the
run's task, whose log then ends with ``cancelled``; a run checks its cancel key before the
agent starts, so a cancel sent before the worker took the request still stops it.

:meth:`Worker.stop` (SIGTERM, SIGINT in the CLI) stops reading, lets the running runs finish
for ``grace`` seconds, then cancels the rest (their logs end with ``cancelled``).

Concurrency invariants: everything runs on one event loop. At most ``concurrency`` runs
live at once (reads ask for free slots only, reclaims too); ``_running`` maps run ids to
their tasks and is changed only by the loop's tasks (added when a task is created, removed
by its done callback). The reader (one connection, blocking reads, socket timeout
``block_ms`` + 8 s), the command client and the pub/sub connection are the worker's own,
without automatic retries; each run's publisher opens its own. A request is acknowledged
only after its terminal entry: a worker killed at any point leaves it pending, for another
worker to reclaim once the run's heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Mapping
from typing import Any

from rxagent.integrations.redis._claim import Claimed, Reclaimer, acknowledge
from rxagent.integrations.redis._connect import LOG, LOST, Redis, opened, raise_if_cancelling
from rxagent.integrations.redis._errors import LogClosed, RunLogError
from rxagent.integrations.redis._execute import run_request
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, run_keys
from rxagent.integrations.redis._presence import announce, withdraw
from rxagent.integrations.redis._publish import RunPublisher
from rxagent.integrations.redis._requests import (
    GROUP,
    MalformedRequest,
    cancel_channel,
    decode_request,
    ensure_group,
    requests_key,
)
from rxagent.integrations.web._entries import TERMINAL_KINDS
from rxagent.integrations.web._server import ServedAgent

_SOCKET_MARGIN = 8.0
_RETRY_DELAY = 0.5


def _nogroup(error: Exception) -> bool:
    """Whether ``error`` says the group is gone (``NOGROUP``; a read blocked while the
    stream was deleted gets ``UNBLOCKED the stream key no longer exists``)."""
    text = str(error)
    return "NOGROUP" in text or text.startswith("UNBLOCKED the stream key")


class Worker:
    """Runs the requests of a deployment's request stream for the agents it serves.

    Args:
        redis: a URL, or a ``redis.asyncio`` client whose connection settings to copy.
        agents: assistant id -> agent (an rxagent graph, a compiled LangGraph graph, or a
            ``ServedAgent``).
        prefix: the deployment's key prefix.
        concurrency: the most runs at once.
        consumer: this worker's consumer name (default ``<host>:<pid>:<uuid>``).
        heartbeat_interval: seconds between a run's heartbeats.
        heartbeat_timeout: a pending request whose run has not beaten for this long (and
            idle as long) belongs to a dead worker and is reclaimed.
        block_ms: the longest single blocking read.
        claim_interval: seconds between two reclaims (default ``heartbeat_timeout / 2``).
        grace: seconds :meth:`stop` lets running runs finish before cancelling them.
        ttl: the TTL of a run's keys while it lives.

    Example (needs a Redis server, so not run here)::

        worker = Worker("redis://localhost:6379/0", {"agent": graph})
        await worker.run()  # until worker.stop()
    """

    def __init__(
        self,
        redis: str | Redis,
        agents: Mapping[str, Any],
        *,
        prefix: str = DEFAULT_PREFIX,
        concurrency: int = 4,
        consumer: str | None = None,
        heartbeat_interval: float = 1.0,
        heartbeat_timeout: float = 5.0,
        block_ms: int = 2000,
        claim_interval: float | None = None,
        grace: float = 10.0,
        ttl: float = 600.0,
    ) -> None:
        if concurrency < 1 or block_ms < 1 or not agents:
            raise ValueError("concurrency and block_ms must be >= 1, and agents not empty")
        if not 0 < heartbeat_interval < heartbeat_timeout:
            raise ValueError("heartbeat_interval must be > 0 and < heartbeat_timeout")
        self.agents = {
            name: agent if isinstance(agent, ServedAgent) else ServedAgent.of(name, agent)
            for name, agent in agents.items()
        }
        requests_key(prefix)
        self.prefix = prefix
        self.concurrency = concurrency
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.heartbeat_interval = heartbeat_interval
        self.block_ms = block_ms
        self.claim_interval = claim_interval or heartbeat_timeout / 2
        self.grace = grace
        self.ttl = ttl
        self.ready = asyncio.Event()
        """Set once the group exists and cancels are listened to."""
        self._redis = redis
        self._reclaimer = Reclaimer(
            prefix, self.consumer, heartbeat_timeout, ttl, {"worker": self.consumer}
        )
        self._running: dict[str, asyncio.Task[None]] = {}
        self._slot_freed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._closing = False
        """Set when :meth:`run` ends: its helper loops stop at their next turn."""
        self._subscribed = asyncio.Event()

    @property
    def running(self) -> frozenset[str]:
        """The run ids running now."""
        return frozenset(self._running)

    def stop(self) -> None:
        """Stop taking requests; :meth:`run` returns once the running runs ended."""
        self._stopping.set()
        self._slot_freed.set()

    async def run(self) -> None:
        """Serve requests until :meth:`stop`, then end the running runs (see the module)."""
        timeout = self.block_ms / 1000 + _SOCKET_MARGIN
        async with (
            opened(self._redis, socket_timeout=timeout) as reader,
            opened(self._redis, socket_timeout=5.0) as commands,
            opened(self._redis, socket_timeout=timeout) as listener,
        ):
            await ensure_group(commands, self.prefix)
            await self._announce(commands)
            helpers = [
                asyncio.create_task(self._listen_cancels(listener), name="rxagent cancels"),
                asyncio.create_task(self._claim_loop(commands), name="rxagent reclaim"),
                asyncio.create_task(self._announce_loop(commands), name="rxagent presence"),
            ]
            try:
                await self._subscribed.wait()
                self.ready.set()
                await self._read_loop(reader, commands)
                await self._drain()
            finally:
                self._closing = True  # ends the helpers' loops even if a cancel is lost
                for task in helpers:
                    task.cancel()
                await asyncio.gather(*helpers, return_exceptions=True)
                with contextlib.suppress(Exception):
                    await withdraw(commands, self.agents, self.consumer, self.prefix)
                await self._cancel_all()

    async def _announce(self, commands: Redis) -> None:
        """Say this worker is alive for its assistant ids (see :mod:`._presence`)."""
        ttl_ms = max(1, round(self.ttl * 1000))
        await announce(commands, self.agents, self.consumer, self.prefix, ttl_ms)

    async def _announce_loop(self, commands: Redis) -> None:
        while not self._closing:
            await asyncio.sleep(self.heartbeat_interval)
            if self._stopping.is_set():  # a stopping worker takes no more requests
                with contextlib.suppress(Exception):
                    await withdraw(commands, self.agents, self.consumer, self.prefix)
                return
            try:
                await self._announce(commands)
            except LOST as error:
                raise_if_cancelling(error, "announcing")
                LOG.warning(
                    "lost Redis while announcing (%s); again in %g s",
                    error,
                    self.heartbeat_interval,
                )

    async def _read_loop(self, reader: Redis, commands: Redis) -> None:
        key = requests_key(self.prefix)
        while not self._stopping.is_set():
            free = self.concurrency - len(self._running)
            if free <= 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            try:
                reply = await reader.xreadgroup(
                    GROUP, self.consumer, {key: ">"}, count=free, block=self.block_ms
                )
            except Exception as error:
                await self._recover(commands, error, "reading requests")
                continue
            for entry_id, fields in _rows(reply):
                self._start(commands, _text(entry_id), fields)

    async def _recover(self, commands: Redis, error: Exception, what: str) -> None:
        """After a failed command: re-create the group on ``NOGROUP``, wait on a lost
        connection, re-raise anything else."""
        if _nogroup(error):
            LOG.warning("the request group is gone (Redis restarted?); creating it again")
            with contextlib.suppress(*LOST):
                await ensure_group(commands, self.prefix)
            return
        if not isinstance(error, LOST):
            raise error
        LOG.warning("lost Redis while %s (%s); retrying in %g s", what, error, _RETRY_DELAY)
        await asyncio.sleep(_RETRY_DELAY)

    def _start(self, commands: Redis, entry_id: str, fields: Any) -> None:
        try:
            request = decode_request(fields or {}, entry_id)
        except MalformedRequest as error:
            task = asyncio.create_task(self._drop(commands, error))
            self._track(f"malformed:{entry_id}", task)
            return
        self._launch(commands, Claimed(entry_id, request))

    def _launch(self, commands: Redis, claimed: Claimed) -> None:
        run_id = claimed.request.run_id
        if run_id in self._running:  # delivered twice (a reclaim raced a slow start)
            return
        task = asyncio.create_task(self._serve(commands, claimed), name=f"rxagent run {run_id}")
        self._track(run_id, task)

    def _track(self, name: str, task: asyncio.Task[None]) -> None:
        self._running[name] = task

        def done(_: asyncio.Task[None]) -> None:
            self._running.pop(name, None)
            self._slot_freed.set()

        task.add_done_callback(done)

    async def _serve(self, commands: Redis, claimed: Claimed) -> None:
        """Run one request; acknowledge it once its log has its terminal entry."""
        ack = False
        try:
            await run_request(
                self._redis,
                commands,
                claimed,
                self.agents,
                prefix=self.prefix,
                heartbeat_interval=self.heartbeat_interval,
                ttl=self.ttl,
                metadata={"worker": self.consumer},
            )
            ack = True
        except LogClosed as error:  # someone ended the log: presumed dead, or never taken
            LOG.error("%s", error)
            ack = True
        except RunLogError as error:  # Redis lost, or another producer: leave it pending
            LOG.error("%s; the request stays pending", error)
        except asyncio.CancelledError:  # ended with `cancelled`, unless cut short at start
            ack = await self._ended(commands, claimed.request.run_id)
            raise
        finally:
            if ack:
                await self._acknowledge(commands, claimed.entry_id)

    async def _ended(self, commands: Redis, run_id: str) -> bool:
        """Whether the run's log has its terminal entry."""
        try:
            last: Any = await commands.xrevrange(run_keys(run_id, self.prefix).log, count=1)
        except Exception:
            return False
        return bool(last) and _text(last[0][1].get(b"kind", b"")) in TERMINAL_KINDS

    async def _acknowledge(self, commands: Redis, entry_id: str) -> None:
        try:
            await acknowledge(commands, self.prefix, entry_id)
        except Exception as error:
            LOG.error("could not acknowledge request %s: %s", entry_id, error)

    async def _drop(self, commands: Redis, error: MalformedRequest) -> None:
        """A malformed request: end its run's log with an error (if it names a run), ack."""
        LOG.error("%s; dropped", error)
        if error.run_id is not None:
            publisher = RunPublisher(self._redis, error.run_id, prefix=self.prefix)
            with contextlib.suppress(RunLogError):
                await publisher.start({"worker": self.consumer})
                data = {"error": "MalformedRequest", "message": str(error)}
                await publisher.finish("error", data)
        await self._acknowledge(commands, error.entry_id)

    async def _listen_cancels(self, listener: Redis) -> None:
        channel = cancel_channel(self.prefix)
        while not self._closing:
            try:
                async with listener.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    self._subscribed.set()
                    while not self._closing:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            self._cancel(_text(message["data"]))
            except LOST as error:
                raise_if_cancelling(error, "listening for cancels")
                LOG.warning("lost the cancel channel (%s); subscribing again", error)
                await asyncio.sleep(_RETRY_DELAY)

    def _cancel(self, run_id: str) -> None:
        task = self._running.get(run_id)
        if task is not None:
            LOG.info("run %r: cancelled", run_id)
            task.cancel()

    async def _claim_loop(self, commands: Redis) -> None:
        while not self._closing:
            await asyncio.sleep(self.claim_interval)
            free = self.concurrency - len(self._running)
            if free <= 0 or self._stopping.is_set():
                continue
            try:
                for claimed in await self._reclaimer.reclaim(commands, free):
                    self._launch(commands, claimed)
            except Exception as error:
                with contextlib.suppress(Exception):
                    await self._recover(commands, error, "reclaiming requests")

    async def _drain(self) -> None:
        """Let the running runs finish for ``grace`` seconds."""
        tasks = list(self._running.values())
        if tasks:
            await asyncio.wait(tasks, timeout=self.grace)

    async def _cancel_all(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _rows(reply: Any) -> list[tuple[Any, Any]]:
    """The entries of an ``XREADGROUP`` reply for one stream (RESP2 or RESP3)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return list(next(iter(reply.values()))[0])
    return list(reply[0][1])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ("Worker",)
