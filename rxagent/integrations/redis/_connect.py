"""Redis clients of rxagent's own, and retrying a command across a lost connection.

rxagent never uses the caller's client as it is: redis-py 8 gives a client a 5 s socket
timeout and automatic retries, which break ``XREAD BLOCK`` (a longer block raises, or is
retried for about a minute) and make ``XADD`` with automatic ids run twice. So each
reader and each producer opens a client of its own, with the caller's address, credentials,
TLS and protocol, but its own socket timeout, no automatic retries, and bytes replies; and
closes it when done. Lost connections are retried here, with backoff, a bounded time.

Concurrency: a client belongs to the task that opened it (and the tasks it starts); it is
closed exactly once, by that task, whatever ends the read or the run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

try:
    from redis.asyncio import ConnectionPool, Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError as error:  # pragma: no cover - the extra is missing
    raise ImportError(
        "rxagent.integrations.redis needs redis-py: pip install 'rxagent[redis]'"
    ) from error

T = TypeVar("T")

LOG = logging.getLogger("rxagent.integrations.redis")

LOST: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
"""What a lost or hung connection raises."""

# what a pool adds to its connection kwargs for its own bookkeeping: not for a new pool
_POOL_OWNED = frozenset(
    {
        "maint_notifications_pool_handler",
        "orig_host_address",
        "orig_socket_timeout",
        "orig_socket_connect_timeout",
    }
)


def own_client(redis: str | Redis, *, socket_timeout: float | None) -> Redis:
    """A new client to ``redis`` (a URL, or a client to copy the connection settings of)
    with ``socket_timeout``, no automatic retries and bytes replies; the caller closes it."""
    no_retry = Retry(NoBackoff(), 0)
    if isinstance(redis, str):
        return Redis.from_url(
            redis, decode_responses=False, socket_timeout=socket_timeout, retry=no_retry
        )
    pool = redis.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if k not in _POOL_OWNED}
    kwargs.update(
        socket_timeout=socket_timeout, retry=no_retry, decode_responses=False, retry_on_error=[]
    )
    return Redis.from_pool(ConnectionPool(connection_class=pool.connection_class, **kwargs))


@asynccontextmanager
async def opened(redis: str | Redis, *, socket_timeout: float | None) -> AsyncIterator[Redis]:
    """:func:`own_client`, closed on the way out."""
    client = own_client(redis, socket_timeout=socket_timeout)
    try:
        yield client
    finally:
        await client.aclose()


class Backoff:
    """Delays between attempts (``first``, doubling, at most ``cap``) for at most ``budget`` s.

    Example:
        >>> backoff = Backoff(budget=10.0, first=0.05, cap=0.2)
        >>> [backoff.next_delay() for _ in range(4)]
        [0.05, 0.1, 0.2, 0.2]
    """

    def __init__(self, budget: float, *, first: float = 0.05, cap: float = 1.0) -> None:
        self.budget = budget
        self.first = first
        self.cap = cap
        self.reset()

    def reset(self) -> None:
        """Start over: the connection works again."""
        self.failures = 0
        self.since: float | None = None

    def next_delay(self) -> float | None:
        """The delay before the next attempt, or ``None`` once the budget is spent."""
        now = time.monotonic()
        if self.since is None:
            self.since = now
        delay = min(self.cap, self.first * 2**self.failures)
        self.failures += 1
        return None if now + delay - self.since > self.budget else delay

    @property
    def outage(self) -> float:
        """Seconds since the first failure in a row."""
        return 0.0 if self.since is None else time.monotonic() - self.since


def raise_if_cancelling(error: BaseException, what: str) -> None:
    """Raise ``CancelledError`` if the current task has a cancellation pending.

    redis-py may turn a ``CancelledError`` that lands mid-command into a connection error
    (it drops the connection): a loop that retries lost connections must not retry that
    one, or the cancellation is lost and the loop runs on.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError(f"cancelled while {what}") from error


async def cancel_and_wait(task: asyncio.Task[object], what: str, timeout: float = 2.0) -> None:
    """Cancel ``task`` and wait for it to end, at most about ``3 × timeout`` seconds.

    A cancellation that lands inside redis-py can be lost there (the command returns, or
    fails as a connection error that a retry loop then retries), so the task is cancelled
    again while it runs on; a task that still does not end is logged and left. This never
    swallows a cancellation of the caller, and never raises the task's own error (the task
    reports it)."""
    for _ in range(3):
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)
        if task.done():
            if not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" warning
            return
    LOG.warning("%s did not end after three cancellations; left to end on its own", what)


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    backoff: Backoff,
    what: str,
    give_up: Callable[[str], Exception],
) -> T:
    """``await attempt()``, again after each lost connection until ``backoff`` is spent;
    then raise ``give_up(message)`` from the last error. Each failure is logged.

    A cancellation is never retried away (:func:`raise_if_cancelling`), nor lost: redis-py
    can swallow a ``CancelledError`` that lands mid-command and return normally, so a
    cancellation requested while ``attempt()`` ran is raised once it returns.
    """
    task = asyncio.current_task()
    while True:
        requested = task.cancelling() if task is not None else 0
        try:
            result = await attempt()
        except LOST as error:
            raise_if_cancelling(error, what)
            delay = backoff.next_delay()
            if delay is None:
                message = (
                    f"lost Redis while {what} for {backoff.outage:.1f} s: "
                    f"{type(error).__name__}: {error}"
                )
                LOG.error("%s; giving up", message)
                raise give_up(message) from error
            LOG.warning("lost Redis while %s (%s); retrying in %.2f s", what, error, delay)
            await asyncio.sleep(delay)
        else:
            backoff.reset()
            if task is not None and task.cancelling() > requested:
                raise asyncio.CancelledError(f"cancelled while {what} (the command had run)")
            return result


__all__ = (
    "LOG",
    "LOST",
    "Backoff",
    "Redis",
    "cancel_and_wait",
    "opened",
    "own_client",
    "raise_if_cancelling",
    "retrying",
)
