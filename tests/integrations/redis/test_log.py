"""A run's log in a real redis-server: the entry layout, replay, and the clear errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import reactivex as rx

from rxagent.events import (
    EVENT_ADAPTER,
    CustomEvent,
    Event,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
)
from rxagent.integrations.redis import (
    LogClosed,
    LogGap,
    MalformedEntry,
    ProducerDied,
    RunCancelled,
    RunFailed,
    RunPublisher,
    UnknownRun,
    publish,
    read_entries,
    subscribe,
)
from rxagent.integrations.redis._connect import own_client
from rxagent.integrations.redis._scripts import APPEND, APPEND_EVENTS
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from tests.integrations.redis._helpers import (
    client,
    collect,
    collect_until_error,
    dumps,
    heartbeat_key,
    log_key,
    log_rows,
    new_run_id,
    write_raw,
)

BASE: dict[str, Any] = {"ns": ("agent:t0",), "node": "tools", "step": 2, "task_id": "t1"}


def every_kind() -> list[Event]:
    """One event or more of every mode, with messages, chunks, usage and nested data."""
    call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
    usage = {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8}
    answer = AIMessage("Let me check.", tool_calls=[call], usage_metadata=usage, id="a1")
    result = ToolMessage("Sunny", tool_call_id="call_1", name="get_weather", artifact={"t": 21})
    chunk = AIMessageChunk(
        "",
        tool_call_chunks=[{"name": "get_weather", "args": '{"city": "Pa', "id": "c1", "index": 0}],
        usage_metadata=usage,
        chunk_position="last",
    )
    metadata = {"langgraph_node": "model", "langgraph_triggers": ("branch:to:model",)}
    datas: list[tuple[type[Any], Any]] = [
        (UpdateEvent, {"model": {"messages": [answer]}}),
        (ValuesEvent, {"messages": [HumanMessage("hi"), SystemMessage("s"), answer]}),
        (MessageEvent, (AIMessageChunk("Hel", id="a2"), metadata)),
        (MessageEvent, (chunk, metadata)),
        (MessageEvent, (result, metadata)),
        (TaskEvent, {"id": "t", "name": "tools", "input": [call], "triggers": ("x",)}),
        (TaskEvent, {"id": "t", "name": "model", "error": None, "interrupts": [], "result": {}}),
        (ToolEvent, {"event": "tool-finished", "tool_call_id": "call_1", "output": result}),
        (CustomEvent, {"deep": [{"nested": [RemoveMessage(id="m1"), {"k": None, "f": 1.5}]}]}),
    ]
    return [
        cls.model_validate({**BASE, "data": data, "seq": seq, "run_id": "r1"})
        for seq, (cls, data) in enumerate(datas, start=1)
    ]


async def test_every_event_kind_round_trips_byte_for_byte(redis_url: str) -> None:
    run_id = new_run_id()
    events = every_kind()
    terminal = await publish(redis_url, run_id, rx.from_iterable(events), metadata={"who": "t"})
    assert terminal.kind == "end"
    got = await collect(subscribe(redis_url, run_id))
    assert dumps(got) == dumps(events)
    rows = await log_rows(redis_url, run_id)
    async with client(redis_url) as redis:
        assert await redis.exists(heartbeat_key(run_id)) == 0  # deleted at the end
        assert 0 < await redis.ttl(log_key(run_id)) <= 120  # the retention
    kinds = [fields[b"kind"] for _, fields in rows]
    assert kinds == [b"metadata"] + [b"event"] * len(events) + [b"end"]
    assert [int(fields[b"seq"]) for _, fields in rows] == list(range(len(events) + 2))
    assert json.loads(rows[0][1][b"data"]) == {"run_id": run_id, "attempt": 1, "who": "t"}
    assert [fields[b"event"] for _, fields in rows[1:-1]] == dumps(events)
    assert set(rows[-1][1]) == {b"kind", b"seq"}


async def test_read_entries_gives_the_web_layer_every_entry_with_its_redis_id(
    redis_url: str,
) -> None:
    run_id = new_run_id()
    await publish(redis_url, run_id, rx.of(CustomEvent(data=1), CustomEvent(data=2)))
    entries = [entry async for entry in read_entries(redis_url, run_id)]
    ids = [entry_id.decode() for entry_id, _ in await log_rows(redis_url, run_id)]
    assert [str(entry.id) for entry in entries] == ids
    assert [entry.kind for entry in entries] == ["metadata", "event", "event", "end"]
    assert entries[0].data["run_id"] == run_id


async def test_replay_after_each_id_gives_exactly_the_rest(redis_url: str) -> None:
    run_id = new_run_id()
    events = [CustomEvent(data=i, seq=i) for i in range(6)]
    await publish(redis_url, run_id, rx.from_iterable(events))
    entries = [entry async for entry in read_entries(redis_url, run_id)]
    for start in ("-", "-1", "0", "0-0"):
        assert dumps(await collect(subscribe(redis_url, run_id, after=start))) == dumps(events)
    for index, entry in enumerate(entries[:-1]):
        rest = [e async for e in read_entries(redis_url, run_id, after=str(entry.id))]
        assert rest == entries[index + 1 :]
        # a frame id x.n: entry x was only partly sent, so it comes again
        again = [e async for e in read_entries(redis_url, run_id, after=f"{entry.id}.2")]
        assert again == entries[index:]


def _raw(kind: str, seq: int, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "seq": seq, **fields}


def _event_json(n: int) -> bytes:
    return EVENT_ADAPTER.dump_json(CustomEvent(data=n, seq=n))


async def test_ids_are_compared_as_numbers_not_text(redis_url: str) -> None:
    run_id = new_run_id()
    rows = [("1-0", _raw("metadata", 0, data="{}"))]
    rows += [(f"1-{n}", _raw("event", n, event=_event_json(n))) for n in range(1, 12)]
    rows += [("2-0", _raw("end", 12))]
    await write_raw(redis_url, run_id, rows)
    # as text "1-10" < "1-9": a string comparison would replay 1-10 and 1-11 never or twice
    rest = [entry async for entry in read_entries(redis_url, run_id, after="1-9")]
    assert [str(entry.id) for entry in rest] == ["1-10", "1-11", "2-0"]
    rest = [entry async for entry in read_entries(redis_url, run_id, after="1-10.1")]
    assert [str(entry.id) for entry in rest] == ["1-10", "1-11", "2-0"]
    events = await collect(subscribe(redis_url, run_id, after="1-2"))
    assert [event.data for event in events] == list(range(3, 12))


async def test_an_entry_whose_seq_was_read_is_dropped(redis_url: str) -> None:
    run_id = new_run_id()
    rows = [("*", _raw("metadata", 0)), ("*", _raw("event", 1, event=_event_json(1)))]
    rows += [("*", _raw("event", 1, event=_event_json(1)))]  # a retried publish that landed
    rows += [("*", _raw("event", 2, event=_event_json(2))), ("*", _raw("end", 3))]
    await write_raw(redis_url, run_id, rows)
    assert [event.data for event in await collect(subscribe(redis_url, run_id))] == [1, 2]


async def test_a_missing_seq_is_a_gap_before_anything_after_it(redis_url: str) -> None:
    run_id = new_run_id()
    rows = [("1-0", _raw("metadata", 0)), ("1-1", _raw("event", 1, event=_event_json(1)))]
    rows += [("1-2", _raw("event", 3, event=_event_json(3))), ("1-3", _raw("end", 4))]
    await write_raw(redis_url, run_id, rows)
    got, error = await collect_until_error(subscribe(redis_url, run_id))
    assert [event.data for event in got] == [1]
    assert isinstance(error, LogGap)
    assert (error.expected, error.got, error.entry_id) == (2, 3, "1-2")
    assert "skips from seq 1 to seq 3 at entry 1-2" in str(error)


async def test_a_log_without_its_first_entries_is_a_gap_from_the_start(redis_url: str) -> None:
    run_id = new_run_id()
    rows = [("1-5", _raw("event", 5, event=_event_json(5))), ("1-6", _raw("end", 6))]
    await write_raw(redis_url, run_id, rows)
    with pytest.raises(LogGap, match="the log starts at entry 1-5 with seq 5, not 0"):
        await collect(subscribe(redis_url, run_id))
    with pytest.raises(LogGap, match="cannot resume after 1-3: the log no longer holds"):
        await collect(subscribe(redis_url, run_id, after="1-3"))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"seq": 1}, "field 'kind' is '', not one of"),
        ({"kind": "bogus", "seq": 1}, "field 'kind' is 'bogus'"),
        ({"kind": "event", "seq": "one", "event": b"{}"}, "field 'seq' is 'one'"),
        ({"kind": "event", "seq": 1}, "an 'event' entry has no field 'event'"),
        ({"kind": "event", "seq": 1, "event": "not json"}, "field 'event' is not an event"),
        ({"kind": "event", "seq": 1, "event": '{"mode": "nope"}'}, "field 'event' is not an"),
        ({"kind": "error", "seq": 1, "data": "[1]"}, "field 'data' is a JSON list"),
        ({"kind": "error", "seq": 1, "data": "{"}, "field 'data' is not JSON"),
    ],
)
async def test_a_malformed_entry_is_a_clear_error(
    redis_url: str, fields: dict[str, Any], problem: str
) -> None:
    run_id = new_run_id()
    await write_raw(redis_url, run_id, [("1-0", _raw("metadata", 0)), ("1-1", fields)])
    with pytest.raises(MalformedEntry, match=f"malformed log entry 1-1: {problem}") as caught:
        await collect(subscribe(redis_url, run_id))
    assert caught.value.run_id == run_id


async def test_an_unknown_run_is_a_clear_error_not_a_hang(redis_url: str) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(UnknownRun, match="no such run: no log at 'rxagent:run:nope:log'"):
        await collect(subscribe(redis_url, "nope", heartbeat_timeout=0.3))
    assert loop.time() - started < 2


async def test_a_run_under_another_prefix_is_unknown(redis_url: str) -> None:
    run_id = new_run_id()
    await publish(redis_url, run_id, rx.of(CustomEvent(data=1)), prefix="deploy-a")
    assert len(await collect(subscribe(redis_url, run_id, prefix="deploy-a"))) == 1
    with pytest.raises(UnknownRun, match="'deploy-b:run:"):
        await collect(subscribe(redis_url, run_id, prefix="deploy-b", heartbeat_timeout=0.2))


async def test_a_failed_run_ends_with_its_error(redis_url: str) -> None:
    run_id = new_run_id()

    async def failing() -> AsyncIterator[Event]:
        yield CustomEvent(data=1)
        raise ValueError("boom")

    terminal = await publish(redis_url, run_id, failing())
    assert (terminal.kind, terminal.data) == ("error", {"error": "ValueError", "message": "boom"})
    got, error = await collect_until_error(subscribe(redis_url, run_id))
    assert [event.data for event in got] == [1]
    assert type(error) is RunFailed
    assert error.data == {"error": "ValueError", "message": "boom"}


async def test_a_cancelled_publish_ends_the_log_with_cancelled(redis_url: str) -> None:
    run_id = new_run_id()

    async def endless() -> AsyncIterator[Event]:
        n = 0
        while True:
            n += 1
            yield CustomEvent(data=n)
            await asyncio.sleep(0.005)

    task = asyncio.create_task(publish(redis_url, run_id, endless(), heartbeat_interval=0.05))
    await asyncio.sleep(0.2)
    async with client(redis_url) as redis:
        assert await redis.exists(heartbeat_key(run_id)) == 1  # beating while it runs
        assert 0 < await redis.pttl(heartbeat_key(run_id)) <= 600_000
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    got, error = await collect_until_error(subscribe(redis_url, run_id))
    assert isinstance(error, RunCancelled)
    assert [event.data for event in got] == list(range(1, len(got) + 1))
    kinds = [fields[b"kind"] for _, fields in await log_rows(redis_url, run_id)]
    async with client(redis_url) as redis:
        assert await redis.exists(heartbeat_key(run_id)) == 0
    assert kinds.count(b"cancelled") == 1
    assert kinds[-1] == b"cancelled"


async def test_the_reader_uses_its_own_socket_timeout_not_the_callers(redis_url: str) -> None:
    """redis-py 8's trap: a client whose socket timeout is shorter than the block raises."""
    run_id = new_run_id()

    async def slow() -> AsyncIterator[Event]:
        yield CustomEvent(data=1)
        await asyncio.sleep(1.3)  # longer than the caller's 0.5 s socket timeout
        yield CustomEvent(data=2)

    async with client(redis_url, socket_timeout=0.5) as short:
        with pytest.raises(Exception, match="Timeout"):  # the trap, with the caller's client
            await short.xread({"rxagent:empty": "0-0"}, block=1000)
        producer = asyncio.create_task(publish(redis_url, run_id, slow()))
        got = await collect(subscribe(short, run_id, block_ms=1000))
        await producer
    assert [event.data for event in got] == [1, 2]


async def test_own_clients_never_retry_and_copy_the_callers_address(redis_url: str) -> None:
    async with client(redis_url, socket_timeout=0.5) as short:
        own = own_client(short, socket_timeout=9.0)
        try:
            assert (await own.ping()) is True
            kwargs = own.connection_pool.connection_kwargs
            assert kwargs["retry"].get_retries() == 0
            assert kwargs["socket_timeout"] == 9.0
            assert kwargs["port"] == short.connection_pool.connection_kwargs["port"]
        finally:
            await own.aclose()
        assert short.connection_pool.connection_kwargs["socket_timeout"] == 0.5


async def test_a_retried_append_that_landed_is_not_added_again(redis_url: str) -> None:
    run_id = new_run_id()
    keys = [log_key(run_id), heartbeat_key(run_id)]
    async with client(redis_url) as redis:
        append = redis.register_script(APPEND)
        args: list[Any] = [100, 60_000, 60_000]
        first = await append(keys=keys, args=[*args, 0, "metadata"])
        again = await append(keys=keys, args=[*args, 0, "metadata"])
        end = await append(keys=keys, args=[*args, "next", "end"])
        late = await append(keys=keys, args=[*args, 1, "event", "event", "{}"])
        assert (first[0], again[0], end[0], late[0]) == (b"added", b"duplicate", b"added", b"ended")
        assert again[1] == first[1]
        assert end[3] == 1
        assert await redis.xlen(keys[0]) == 2


async def test_a_producer_presumed_dead_cannot_append_after_the_error(redis_url: str) -> None:
    run_id = new_run_id()
    publisher = RunPublisher(redis_url, run_id, heartbeat_interval=30)
    await publisher.start()
    await publisher.append(CustomEvent(data=1))
    async with client(redis_url) as redis:
        await redis.delete(heartbeat_key(run_id))  # as if it had stalled past the timeout
    got, error = await collect_until_error(subscribe(redis_url, run_id, heartbeat_timeout=0.3))
    assert [event.data for event in got] == [1]
    assert isinstance(error, ProducerDied)
    with pytest.raises(LogClosed, match="already ended with a 'error' entry"):
        await publisher.append(CustomEvent(data=2))
    await publisher.aclose()


async def test_a_backlog_is_appended_in_batches_in_order(redis_url: str) -> None:
    """A source faster than Redis: fewer script calls than events, every entry in order."""
    run_id = new_run_id()
    events = [CustomEvent(data=i) for i in range(2000)]
    async with client(redis_url) as redis:
        before = await _script_calls(redis)
        terminal = await publish(redis_url, run_id, rx.from_iterable(events))
        calls = await _script_calls(redis) - before
    assert terminal.kind == "end"
    rows = await log_rows(redis_url, run_id)
    assert [int(fields[b"seq"]) for _, fields in rows] == list(range(len(events) + 2))
    got, error = await collect_until_error(subscribe(redis_url, run_id))
    assert error is None
    assert dumps(got) == dumps(events)
    assert calls < len(events) / 4, calls  # batched (one call per event would be 2,002)


async def test_a_retried_batch_that_had_landed_adds_nothing(redis_url: str) -> None:
    run_id = new_run_id()
    async with RunPublisher(redis_url, run_id) as log:
        await log.append(CustomEvent(data=0))
        async with client(redis_url) as redis:
            script = redis.register_script(APPEND_EVENTS)
            keys = [log_key(run_id), heartbeat_key(run_id)]
            payloads = [EVENT_ADAPTER.dump_json(CustomEvent(data=i)) for i in (1, 2)]
            first = await script(keys=keys, args=[10_000, 60_000, 2, *payloads])
            again = await script(keys=keys, args=[10_000, 60_000, 2, *payloads])
            overlap = [*payloads[1:], EVENT_ADAPTER.dump_json(CustomEvent(data=3))]
            partly = await script(keys=keys, args=[10_000, 60_000, 3, *overlap])
        assert [first[2], again[2], partly[2]] == [2, 0, 1]
    got, _ = await collect_until_error(subscribe(redis_url, run_id))
    assert [event.data for event in got] == [0, 1, 2, 3]


async def _script_calls(redis: Any) -> int:
    stats = await redis.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


async def test_a_beat_racing_the_end_is_not_reported_as_a_takeover(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A beat that lands just after the producer's own terminal entry is no news."""

    async def few(n: int) -> AsyncIterator[Event]:
        for i in range(n):
            yield CustomEvent(data=i)
            await asyncio.sleep(0)

    runs = [publish(redis_url, new_run_id(), few(30), heartbeat_interval=0.002) for _ in range(30)]
    with caplog.at_level("WARNING", logger="rxagent.integrations.redis"):
        terminals = await asyncio.gather(*runs)
    assert {terminal.kind for terminal in terminals} == {"end"}
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
