"""``subscribe``: a run's log in Redis as an ``Observable[Event]``.

Built on :func:`~._read.read_entries` (the one engine) and :func:`rxagent.aio.source`: each
subscription is a new read on the subscriber's loop, pulled as the consumer has room;
disposing it closes the read and its client. ``end`` completes; ``error`` and ``cancelled``
end it with :class:`RunFailed` (:class:`ProducerDied` for a dead producer) and
:class:`RunCancelled`, after every event before them.

Example (needs a Redis server, so not run here)::

    events = subscribe("redis://localhost:6379/0", "run-1", after="-")
    events.pipe(ops.filter_mode("messages")).subscribe(print)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from reactivex import Observable

from rxagent.aio import source
from rxagent.events import Event
from rxagent.integrations.redis._connect import Redis
from rxagent.integrations.redis._errors import ProducerDied, RunCancelled, RunFailed
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, run_keys
from rxagent.integrations.redis._read import After, parse_after, read_entries
from rxagent.integrations.web._entries import Entry


def subscribe(
    redis: str | Redis,
    run_id: str,
    *,
    after: After = "-",
    prefix: str = DEFAULT_PREFIX,
    block_ms: int = 2000,
    heartbeat_timeout: float = 5.0,
    reconnect_timeout: float = 10.0,
) -> Observable[Event]:
    """The run's events after ``after`` (replayed, then live), completing at its end.

    Arguments as :func:`~._read.read_entries` (checked now, not at subscription).

    Errors (``on_error``): :class:`RunFailed`, :class:`ProducerDied`, :class:`RunCancelled`,
    :class:`LogGap`, :class:`UnknownRun`, :class:`MalformedEntry`, :class:`LogUnavailable`.
    """
    run_keys(run_id, prefix)
    parse_after(after)
    if block_ms < 1 or not heartbeat_timeout > 0:
        raise ValueError("block_ms must be >= 1 and heartbeat_timeout > 0")
    reader = _RunEvents(redis, run_id, after, prefix, block_ms, heartbeat_timeout)
    reader.reconnect_timeout = reconnect_timeout
    return source(reader)


class _RunEvents:
    """An async iterable of a run's events: each ``aiter`` is a new read."""

    def __init__(
        self,
        redis: str | Redis,
        run_id: str,
        after: After,
        prefix: str,
        block_ms: int,
        heartbeat_timeout: float,
    ) -> None:
        self.redis = redis
        self.run_id = run_id
        self.after = after
        self.prefix = prefix
        self.block_ms = block_ms
        self.heartbeat_timeout = heartbeat_timeout
        self.reconnect_timeout = 10.0

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        entries = read_entries(
            self.redis,
            self.run_id,
            after=self.after,
            prefix=self.prefix,
            block_ms=self.block_ms,
            heartbeat_timeout=self.heartbeat_timeout,
            reconnect_timeout=self.reconnect_timeout,
        )
        async with aclosing(entries):  # type: ignore[type-var]  # an async generator
            async for entry in entries:
                if entry.event is not None:
                    yield entry.event
                elif entry.kind in ("error", "cancelled"):
                    raise terminal_error(self.run_id, entry)


def terminal_error(run_id: str, entry: Entry) -> RunFailed | RunCancelled:
    """The exception a reader of events raises for an ``error`` or ``cancelled`` entry.

    Example:
        >>> from rxagent.integrations.web._ids import EventId
        >>> data = {"error": "ValueError", "message": "bad"}
        >>> str(terminal_error("r1", Entry(EventId(5, 0), "error", data=data)))
        "run 'r1': the run failed: ValueError: bad"
    """
    if entry.kind == "cancelled":
        return RunCancelled(run_id, str(entry.id))
    cls = ProducerDied if entry.data.get("error") == "ProducerDied" else RunFailed
    return cls(run_id, entry.data)


__all__ = ("subscribe", "terminal_error")
