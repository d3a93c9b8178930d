"""Producers and subscribers in other processes: fan-out, and ``kill -9`` of a producer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from rxagent.events import EVENT_ADAPTER, Event
from rxagent.integrations.redis import ProducerDied, publish, subscribe
from tests.integrations.redis._helpers import (
    client,
    collect_until_error,
    dumps,
    heartbeat_key,
    log_key,
    log_rows,
    new_run_id,
)
from tests.integrations.redis._procs import numbered

ROOT = Path(__file__).resolve().parents[3]


def spawn(*args: object) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.integrations.redis._procs", *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


async def finish(process: subprocess.Popen[str], timeout: float = 10) -> list[str]:
    """The process's output lines, once it has exited (killed after ``timeout``)."""
    try:
        out, _ = await asyncio.to_thread(process.communicate, timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return out.splitlines()


def events_of(lines: list[str]) -> list[bytes]:
    return [line.split(" ", 1)[1].encode() for line in lines if line.startswith("EVENT ")]


async def wait_for_entries(url: str, run_id: str, n: int) -> None:
    async with client(url) as redis:
        deadline = time.monotonic() + 10
        while await redis.xlen(log_key(run_id)) < n:
            assert time.monotonic() < deadline, "the producer did not start"
            await asyncio.sleep(0.02)


async def test_two_subscribers_in_other_processes_each_get_every_event_in_order(
    redis_url: str,
) -> None:
    run_id = new_run_id()
    # they subscribe before the run exists: the run has heartbeat_timeout to appear
    subscribers = [spawn("subscribe", redis_url, run_id, 8.0, 200) for _ in range(2)]
    events = [numbered(i) for i in range(300)]

    async def paced() -> AsyncIterator[Event]:
        for event in events:
            yield event
            if event.seq % 50 == 0:
                await asyncio.sleep(0.05)

    await asyncio.sleep(0.3)
    await publish(redis_url, run_id, paced())
    for subscriber in subscribers:
        lines = await finish(subscriber)
        assert lines[-1] == "DONE"
        assert events_of(lines) == dumps(events)


async def test_kill_9_of_the_producer_ends_every_subscriber_with_producer_died(
    redis_url: str,
) -> None:
    run_id = new_run_id()
    timeout = 1.0
    producer = spawn("produce", redis_url, run_id, 100_000, 0.01, 0.2)
    subscribers = [spawn("subscribe", redis_url, run_id, timeout, 200) for _ in range(2)]
    try:
        await wait_for_entries(redis_url, run_id, 20)
    finally:
        producer.kill()  # SIGKILL: no terminal entry, no heartbeat delete
        producer.communicate()
    killed = time.monotonic()
    outputs = [await finish(subscriber) for subscriber in subscribers]
    # the last beat was at most 0.2 s before the kill; then the timeout; then one poll
    assert time.monotonic() - killed < timeout + 1.5
    for lines in outputs:
        assert lines[-1].startswith(f"ERROR ProducerDied run {run_id!r}: its producer stopped")
        assert "for over 1 s (the heartbeat timeout)" in lines[-1]
        got = events_of(lines)
        assert got == [EVENT_ADAPTER.dump_json(numbered(i)) for i in range(len(got))]
    rows = await log_rows(redis_url, run_id)
    async with client(redis_url) as redis:
        assert await redis.exists(heartbeat_key(run_id)) == 0
    terminals = [fields for _, fields in rows if fields[b"kind"] != b"event"][1:]
    assert len(terminals) == 1  # one, however many readers saw the producer dead
    assert terminals[0][b"kind"] == b"error"
    assert rows[-1][1] is terminals[0]
    # a late joiner reads the same error at once
    started = time.monotonic()
    late, error = await collect_until_error(subscribe(redis_url, run_id, heartbeat_timeout=30))
    assert isinstance(error, ProducerDied)
    assert error.run_id == run_id
    assert len(late) == len(rows) - 2
    assert time.monotonic() - started < 1
