"""``Worker`` and ``rxagent worker``: requests run, cancelled, reclaimed, stopped.

In-process workers where one loop is enough; real ``python -m rxagent worker`` processes
where a process must die (``kill -9``) or get a signal. Small timeouts: heartbeats every
0.2 s, a dead worker after 1 s.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from rxagent._types import StreamMode
from rxagent.events import EVENT_ADAPTER, Event
from rxagent.integrations.redis import ProducerDied, RunCancelled, RunFailed, subscribe
from rxagent.integrations.redis._presence import end_if_unserved, presence_key
from rxagent.integrations.redis._requests import (
    GROUP,
    RunRequest,
    cancel_run,
    requests_key,
    submit,
)
from rxagent.integrations.redis._worker import Worker
from tests.integrations.redis._helpers import (
    Row,
    client,
    collect,
    collect_until_error,
    log_key,
    new_run_id,
)
from tests.integrations.redis._worker_procs import (
    gated,
    spawn_worker,
    steps,
    stop,
    wait_until,
    workers,
)
from tests.integrations.redis.conftest import RedisServer

MODES: tuple[StreamMode, ...] = ("custom", "updates", "values")


def _prefix() -> str:
    return f"w{new_run_id()}"


@asynccontextmanager
async def running(url: str, prefix: str, **options: Any) -> AsyncIterator[Worker]:
    """An in-process worker serving ``steps`` and ``gated``, stopped at the end."""
    options = {"heartbeat_interval": 0.2, "heartbeat_timeout": 1.0, "block_ms": 200, **options}
    worker = Worker(url, {"steps": steps, "gated": gated}, prefix=prefix, **options)
    task = asyncio.create_task(worker.run())
    ready = asyncio.create_task(worker.ready.wait())
    await asyncio.wait([task, ready], timeout=10, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    assert worker.ready.is_set(), task.exception() if task.done() else "not ready"
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 15)


def gated_request(url: str, run_id: str, gate: str, **options: Any) -> RunRequest:
    body = {"url": url, "gate": gate}
    return RunRequest(run_id, "t", "gated", body, stream_modes=("custom",), **options)


def normalized(events: Sequence[Event]) -> list[str]:
    """Dumps with random ids (run, task) replaced by their order of appearance."""
    names: dict[str, str] = {}
    out = []
    for event in events:
        data = json.loads(EVENT_ADAPTER.dump_json(event))
        for key in ("run_id", "task_id"):
            if data.get(key) is not None:
                data[key] = names.setdefault(data[key], f"id{len(names)}")
        out.append(json.dumps(data, sort_keys=True))
    return out


async def rows_of(url: str, run_id: str, prefix: str) -> list[Row]:
    async with client(url) as redis:
        return cast(list[Row], await redis.xrange(log_key(run_id, prefix)))


async def kinds(url: str, run_id: str, prefix: str) -> list[str]:
    return [fields[b"kind"].decode() for _, fields in await rows_of(url, run_id, prefix)]


async def has_started(url: str, run_id: str, prefix: str, n: int = 1) -> bool:
    return (await kinds(url, run_id, prefix)).count("event") >= n


async def pending(url: str, prefix: str) -> int:
    async with client(url) as redis:
        info = await redis.xpending(requests_key(prefix), GROUP)
        return int(info["pending"])


def events_of(url: str, run_id: str, prefix: str, timeout: float = 5.0) -> Any:
    return subscribe(url, run_id, prefix=prefix, heartbeat_timeout=timeout, block_ms=200)


async def test_a_run_logs_exactly_what_observe_gives_and_is_acknowledged(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    async with running(redis_url, prefix):
        request = RunRequest(run_id, "t", "steps", {"n": 3}, stream_modes=MODES)
        await submit(redis_url, request, prefix=prefix)
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
        await wait_until(lambda: _zero(pending(redis_url, prefix)), "the ack")
    direct = await collect(steps.observe({"n": 3}, None, stream_mode=list(MODES)))
    assert error is None
    assert normalized(got) == normalized(direct)
    assert len(got) == 6
    async with client(redis_url) as redis:
        assert await redis.xlen(requests_key(prefix)) == 0  # acknowledged and deleted
    first = (await rows_of(redis_url, run_id, prefix))[0][1]
    metadata = json.loads(first[b"data"])
    assert metadata["attempt"] == 1
    assert metadata["assistant_id"] == "steps"


async def _zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def test_concurrency_is_honoured(redis_url: str) -> None:
    prefix, gate = _prefix(), f"gate-{new_run_id()}"
    ids = [new_run_id() for _ in range(4)]
    async with running(redis_url, prefix, concurrency=2) as worker:
        for run_id in ids:
            await submit(redis_url, gated_request(redis_url, run_id, gate), prefix=prefix)
        await wait_until(lambda: _all_started(redis_url, ids[:2], prefix), "two runs")
        for _ in range(10):  # a few reads later, still two
            assert len(worker.running) == 2
            await asyncio.sleep(0.05)
        assert [await kinds(redis_url, run_id, prefix) for run_id in ids[2:]] == [[], []]
        async with client(redis_url) as redis:
            await redis.set(gate, 1, ex=60)
        for run_id in ids:
            got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
            assert error is None
            assert [e.data for e in got] == ["started", "done"]


async def _all_started(url: str, ids: Sequence[str], prefix: str) -> bool:
    return all([await has_started(url, run_id, prefix) for run_id in ids])


async def test_an_unknown_assistant_ends_the_log_with_a_clear_error(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    async with running(redis_url, prefix):
        await submit(redis_url, RunRequest(run_id, "t", "nope", {}), prefix=prefix)
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
        await wait_until(lambda: _zero(pending(redis_url, prefix)), "the ack")
    assert got == []
    assert isinstance(error, RunFailed)
    assert error.error == "UnknownAssistant"
    assert "'nope'" in error.message
    assert "'steps', 'gated'" in error.message


async def test_a_cancel_before_the_start_ends_the_log_without_running(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    await cancel_run(redis_url, run_id, prefix=prefix)  # no worker yet: the key waits
    async with running(redis_url, prefix):
        request = gated_request(redis_url, run_id, "never-set")
        await submit(redis_url, request, prefix=prefix)
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
    assert got == []
    assert isinstance(error, RunCancelled)
    assert await kinds(redis_url, run_id, prefix) == ["metadata", "cancelled"]


async def test_a_cancel_during_a_run_reaches_its_worker(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    async with running(redis_url, prefix) as worker:
        await submit(redis_url, gated_request(redis_url, run_id, "never-set"), prefix=prefix)
        await wait_until(lambda: has_started(redis_url, run_id, prefix), "the run")
        assert await cancel_run(redis_url, run_id, prefix=prefix) == 1
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
        await wait_until(lambda: _zero(pending(redis_url, prefix)), "the ack")
        assert worker.running == frozenset()
    assert [e.data for e in got] == ["started"]
    assert isinstance(error, RunCancelled)
    assert await kinds(redis_url, run_id, prefix) == ["metadata", "event", "cancelled"]


async def test_a_long_run_is_not_reclaimed_while_it_heartbeats(redis_url: str) -> None:
    prefix, run_id, gate = _prefix(), new_run_id(), f"gate-{new_run_id()}"
    fast = {"heartbeat_timeout": 0.5, "claim_interval": 0.05, "heartbeat_interval": 0.1}
    async with running(redis_url, prefix, **fast), running(redis_url, prefix, **fast):
        await submit(redis_url, gated_request(redis_url, run_id, gate), prefix=prefix)
        await wait_until(lambda: has_started(redis_url, run_id, prefix), "the run")
        async with client(redis_url) as redis:
            deadline = time.monotonic() + 1.5  # three times the claim min-idle
            while time.monotonic() < deadline:
                [row] = await redis.xpending_range(requests_key(prefix), GROUP, "-", "+", 5)
                assert row["times_delivered"] == 1  # never claimed again
                await asyncio.sleep(0.05)
            assert int(row["time_since_delivered"]) > 1000
            await redis.set(gate, 1, ex=60)
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
    assert error is None
    assert [e.data for e in got] == ["started", "done"]
    assert await kinds(redis_url, run_id, prefix) == ["metadata", "event", "event", "end"]


async def test_the_group_is_created_again_after_flushall(own_redis_server: RedisServer) -> None:
    url, prefix = own_redis_server.url, _prefix()
    async with running(url, prefix):
        first = new_run_id()
        await submit(url, RunRequest(first, "t", "steps", {"n": 1}), prefix=prefix)
        assert (await collect_until_error(events_of(url, first, prefix)))[1] is None
        async with client(url) as redis:
            await redis.flushall()
        second = new_run_id()
        await submit(url, RunRequest(second, "t", "steps", {"n": 2}), prefix=prefix)
        got, error = await collect_until_error(events_of(url, second, prefix))
    assert error is None
    assert len(got) == 2


async def test_kill_9_of_a_worker_mid_run_is_reported_within_the_timeout(
    redis_url: str,
) -> None:
    prefix, run_id = _prefix(), new_run_id()
    with workers(redis_url, 1, "--prefix", prefix) as [process]:
        await submit(redis_url, gated_request(redis_url, run_id, "never-set"), prefix=prefix)
        await wait_until(lambda: has_started(redis_url, run_id, prefix), "the run")
        process.kill()
        killed = time.monotonic()
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix, 1.0))
        assert time.monotonic() - killed < 2.5
    assert [e.data for e in got] == ["started"]
    assert isinstance(error, ProducerDied)
    assert (await kinds(redis_url, run_id, prefix))[-1] == "error"


async def test_a_retrying_run_is_finished_by_another_worker(redis_url: str) -> None:
    prefix, run_id, gate = _prefix(), new_run_id(), f"gate-{new_run_id()}"
    request = gated_request(redis_url, run_id, gate, retries=1)
    with workers(redis_url, 1, "--prefix", prefix) as [first]:
        await submit(redis_url, request, prefix=prefix)
        await wait_until(lambda: has_started(redis_url, run_id, prefix), "attempt 1")
        first.kill()
        first.wait()
        # readers must wait longer than a worker's heartbeat timeout + claim interval
        events = asyncio.create_task(collect_until_error(events_of(redis_url, run_id, prefix)))
        with workers(redis_url, 1, "--prefix", prefix):
            await wait_until(lambda: has_started(redis_url, run_id, prefix, 2), "attempt 2")
            async with client(redis_url) as redis:
                await redis.set(gate, 1, ex=60)
            got, error = await asyncio.wait_for(events, 10)
            await wait_until(lambda: _zero(pending(redis_url, prefix)), "the ack")
    # the dead attempt's events, then every event of the new one, and one end
    assert error is None
    assert [e.data for e in got] == ["started", "started", "done"]
    kinds_ = await kinds(redis_url, run_id, prefix)
    assert kinds_ == ["metadata", "event", "metadata", "event", "event", "end"]
    rows = await rows_of(redis_url, run_id, prefix)
    attempts = [json.loads(f[b"data"])["attempt"] for _, f in rows if f[b"kind"] == b"metadata"]
    assert attempts == [1, 2]


async def test_sigterm_stops_taking_requests_and_cancels_after_the_grace(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    process = spawn_worker(redis_url, "--prefix", prefix, "--grace", "0.3")
    try:
        await submit(redis_url, gated_request(redis_url, run_id, "never-set"), prefix=prefix)
        await wait_until(lambda: has_started(redis_url, run_id, prefix), "the run")
        process.send_signal(signal.SIGTERM)
        code, err = await asyncio.to_thread(stop, process, 10)
    finally:
        if process.poll() is None:
            process.kill()
            stop(process)
    assert code == 0, err
    assert await kinds(redis_url, run_id, prefix) == ["metadata", "event", "cancelled"]
    assert await pending(redis_url, prefix) == 0
    later = new_run_id()  # nobody takes requests now
    await submit(redis_url, RunRequest(later, "t", "steps", {}), prefix=prefix)
    assert await kinds(redis_url, later, prefix) == []


async def test_a_malformed_request_is_dropped_with_an_error_in_its_log(redis_url: str) -> None:
    prefix, run_id = _prefix(), new_run_id()
    body = json.dumps({"run_id": run_id, "assistant_id": "steps", "input": {}, "retries": "x"})
    async with running(redis_url, prefix):
        async with client(redis_url) as redis:
            await redis.xadd(requests_key(prefix), {"version": "1", "request": body})
            await redis.xadd(requests_key(prefix), {"garbage": "1"})
        got, error = await collect_until_error(events_of(redis_url, run_id, prefix))
        await wait_until(lambda: _zero(pending(redis_url, prefix)), "the acks")
    assert got == []
    assert isinstance(error, RunFailed)
    assert error.error == "MalformedRequest"
    assert "'retries' must be a int" in error.message


async def test_a_worker_announces_itself_per_assistant_and_withdraws_on_stop(
    redis_url: str,
) -> None:
    prefix = _prefix()
    keys = [presence_key(name, prefix) for name in ("steps", "gated")]
    async with client(redis_url) as redis:
        async with running(redis_url, prefix) as worker:
            for key in keys:
                assert await redis.zrange(key, 0, -1) == [worker.consumer.encode()]
            before = await redis.zscore(keys[0], worker.consumer)
            await wait_until(
                lambda: _changed(redis.zscore(keys[0], worker.consumer), before), "a new announce"
            )
            assert await redis.pttl(keys[0]) > 0  # a dead worker's set expires
        for key in keys:
            assert await redis.zcard(key) == 0
        # a run that no live worker serves ends with NoWorker, atomically and only once
        run_id = new_run_id()
        assert await end_if_unserved(redis, run_id, "steps", prefix, 1000, 60_000)
        assert not await end_if_unserved(redis, run_id, "steps", prefix, 1000, 60_000)
    assert await kinds(redis_url, run_id, prefix) == ["metadata", "error"]
    error = await collect_until_error(events_of(redis_url, run_id, prefix))
    assert isinstance(error[1], RunFailed)
    assert "NoWorker" in str(error[1])


async def _changed(value: Awaitable[Any], before: Any) -> bool:
    return bool(await value != before)
