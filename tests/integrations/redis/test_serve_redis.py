"""``rxagent serve --redis``: two servers on one Redis, a worker runs the agents.

Every test starts runs on one server and reads them on the other, through the official
``langgraph-sdk`` client or plain httpx (AI SDK, AG-UI).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from redis.asyncio import Redis

from rxagent import create_agent
from rxagent._demo import build_demo_agent
from rxagent.integrations.redis._requests import requests_key
from rxagent.messages import AIMessage
from rxagent.models import ScriptedModel
from tests.integrations.redis._serve_support import (
    HEARTBEAT_TIMEOUT,
    redis_servers,
    ticker_agent,
    worker_command,
    workers,
)
from tests.integrations.web.server.support import QUESTION, Gate, gated_agent, parse_sse

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.release()


@pytest.fixture
def agents(gate: Gate) -> dict[str, Any]:
    return {
        "agent": build_demo_agent(fast=True),
        "gated": gated_agent(gate),
        "ticker": ticker_agent(),
        "chat": create_agent(ScriptedModel([AIMessage("First."), AIMessage("Second.")]), []),
    }


@pytest.fixture
def servers(redis_url: str, agents: dict[str, Any], prefix: str) -> Iterator[list[str]]:
    with redis_servers(redis_url, agents, prefix) as urls:
        yield urls


@pytest.fixture
async def worker(
    redis_url: str, agents: dict[str, Any], prefix: str, servers: list[str]
) -> AsyncIterator[Any]:
    """A worker on the test's loop, stopped before the servers (whose teardown blocks it)."""
    async with workers(redis_url, agents, prefix) as running:
        yield running


@pytest.fixture
async def sdk() -> AsyncIterator[Callable[[str], LangGraphClient]]:
    clients: list[LangGraphClient] = []

    def make(url: str) -> LangGraphClient:
        client = get_client(url=url, api_key=None)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def _parts(stream: AsyncIterator[Any]) -> list[Any]:
    return [part async for part in stream]


def _key(part: Any) -> tuple[Any, Any, Any]:
    return (part.id, part.event, json.dumps(part.data, sort_keys=True))


@pytest.mark.usefixtures("worker")
async def test_run_started_on_a_resumes_on_b_with_exactly_the_missing_parts(
    sdk: Callable[[str], LangGraphClient], servers: list[str], gate: Gate
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    thread = await a.threads.create()
    tid = thread["thread_id"]
    seen: list[Any] = []
    stream = a.runs.stream(tid, "gated", input=QUESTION, stream_mode=["updates", "custom"])
    async for part in stream:
        seen.append(part)
        if part.event == "custom" and part.data.get("progress") == "waiting":
            break
    await stream.aclose()  # type: ignore[attr-defined]
    run_id = seen[0].data["run_id"]
    assert (await b.threads.get(tid))["thread_id"] == tid  # the thread is in Redis
    gate.release()
    rest = await _parts(b.runs.join_stream(tid, run_id, last_event_id=seen[-1].id))
    everything = await _parts(b.runs.join_stream(tid, run_id, last_event_id="-1"))
    assert [_key(p) for p in seen + rest] == [_key(p) for p in everything]
    assert rest
    assert rest[-1].event == "updates"
    assert (await b.runs.get(tid, run_id))["status"] == "success"


@pytest.mark.usefixtures("worker")
async def test_status_on_b_and_cancel_from_b_reach_the_worker(
    sdk: Callable[[str], LangGraphClient], servers: list[str], gate: Gate
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    tid = (await a.threads.create())["thread_id"]
    parts: list[Any] = []

    async def consume() -> None:
        async for part in a.runs.stream(tid, "gated", input=QUESTION, stream_mode="custom"):
            parts.append(part)

    reader = asyncio.create_task(consume())
    async with asyncio.timeout(10):
        while not any(part.data.get("progress") == "waiting" for part in parts[1:]):
            await asyncio.sleep(0.02)
    run_id = parts[0].data["run_id"]
    assert (await b.runs.get(tid, run_id))["status"] == "running"
    assert (await b.threads.get(tid))["status"] == "busy"
    await b.runs.cancel(tid, run_id, wait=True)
    assert (await b.runs.get(tid, run_id))["status"] == "interrupted"
    await asyncio.wait_for(reader, 10)  # A's stream ended
    assert (await a.threads.get(tid))["status"] == "idle"


@pytest.mark.usefixtures("worker")
async def test_a_client_leaving_with_on_disconnect_cancel_cancels_the_run_on_its_worker(
    sdk: Callable[[str], LangGraphClient], servers: list[str]
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    tid = (await a.threads.create())["thread_id"]
    stream = a.runs.stream(
        tid, "gated", input=QUESTION, stream_mode="custom", on_disconnect="cancel"
    )
    parts: list[Any] = []
    async for part in stream:
        parts.append(part)
        if part.event == "custom" and part.data.get("progress") == "waiting":
            break
    await stream.aclose()  # type: ignore[attr-defined]  # the client leaves
    run_id = parts[0].data["run_id"]
    async with asyncio.timeout(10):
        while (await b.runs.get(tid, run_id))["status"] != "interrupted":
            await asyncio.sleep(0.05)
    rest = await _parts(b.runs.join_stream(tid, run_id, last_event_id=parts[-1].id))
    assert [part.event for part in rest] == []  # nothing ran after the gate
    assert (await b.threads.get(tid))["status"] == "idle"


@pytest.mark.usefixtures("worker")
async def test_thread_state_carries_over_between_servers(
    sdk: Callable[[str], LangGraphClient], servers: list[str]
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    tid = (await a.threads.create())["thread_id"]
    await _parts(a.runs.stream(tid, "chat", input=QUESTION, stream_mode="messages-tuple"))
    state = await b.threads.get_state(tid)
    first = cast(dict[str, Any], state["values"])["messages"]
    assert [(m["type"], m["content"]) for m in first] == [("human", "Go"), ("ai", "First.")]
    follow_up: Any = {"messages": [{"role": "user", "content": "And again"}]}
    parts = await _parts(b.runs.stream(tid, "chat", input=follow_up, stream_mode="values"))
    last = parts[-1].data["messages"]
    assert last[: len(first)] == first
    assert [m["content"] for m in last[len(first) :]] == ["And again", "Second."]
    values = cast(dict[str, Any], (await a.threads.get_state(tid))["values"])
    assert values["messages"] == last


@pytest.mark.usefixtures("worker")
async def test_ai_sdk_and_ag_ui_routes_run_through_redis(servers: list[str]) -> None:
    chat = {
        "id": f"chat-{uuid.uuid4().hex[:6]}",
        "messages": [{"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Go"}]}],
    }
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(servers[0] + "/api/chat", json=chat)
        parts = [json.loads(f.data) for f in parse_sse(answer.text)[0] if f.data != "[DONE]"]
        assert parts[0]["type"] == "start"
        assert parts[-1]["type"] == "finish"
        assert any(part["type"] == "text-delta" for part in parts)
        body = {"threadId": f"t-{uuid.uuid4().hex[:6]}", "runId": f"r-{uuid.uuid4().hex[:6]}"}
        body["messages"] = [{"id": "u1", "role": "user", "content": "Go"}]  # type: ignore[assignment]
        started = await client.post(servers[1] + "/ag-ui", json=body)
        frames = parse_sse(started.text)[0]
        types = [json.loads(f.data)["type"] for f in frames]
        assert types[0] == "RUN_STARTED"
        assert types[-1] == "RUN_FINISHED"
        path = f"/threads/{body['threadId']}/runs/{body['runId']}/stream?format=ag-ui"
        joined = await client.get(servers[0] + path, headers={"Last-Event-ID": "-1"})
        assert [f.key for f in parse_sse(joined.text)[0]] == [f.key for f in frames]


async def test_unknown_run_or_assistant_on_b_is_404(
    sdk: Callable[[str], LangGraphClient], servers: list[str]
) -> None:
    b = sdk(servers[1])
    tid = (await b.threads.create())["thread_id"]
    async with httpx.AsyncClient(timeout=10) as client:
        join = await client.get(f"{servers[1]}/threads/{tid}/runs/nope/stream")
        assert join.status_code == 404
        got = await client.get(f"{servers[1]}/threads/{tid}/runs/nope")
        assert got.status_code == 404
        body = {"assistant_id": "nobody", "input": QUESTION}
        run = await client.post(f"{servers[0]}/threads/{tid}/runs/stream", json=body)
        assert run.status_code == 404
        assert "served" in run.json()["detail"]


async def test_without_a_worker_the_run_waits_then_ends_with_no_worker(
    sdk: Callable[[str], LangGraphClient], servers: list[str], redis_url: str, prefix: str
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    tid = (await a.threads.create())["thread_id"]
    loop = asyncio.get_running_loop()
    began = loop.time()
    started = asyncio.create_task(_parts(a.runs.stream(tid, "agent", input=QUESTION)))
    async with asyncio.timeout(10):
        while not (runs := await b.runs.list(tid)):
            await asyncio.sleep(0.02)
    assert [run["status"] for run in runs] == ["pending"]  # the server runs nothing itself
    assert runs[0]["assistant_id"] == "agent"
    parts = await started
    assert HEARTBEAT_TIMEOUT <= loop.time() - began < HEARTBEAT_TIMEOUT + 5
    assert [p.event for p in parts] == ["metadata", "error"]
    assert parts[-1].data["error"] == "NoWorker"
    assert "'agent'" in parts[-1].data["message"]
    assert "rxagent worker" in parts[-1].data["message"]
    assert (await b.runs.get(tid, runs[0]["run_id"]))["status"] == "error"
    # a worker that comes later finds the run ended: it acknowledges it and runs nothing
    async with workers(redis_url, {"agent": build_demo_agent(fast=True)}, prefix):
        async with asyncio.timeout(10):
            while await _pending(redis_url, prefix):
                await asyncio.sleep(0.05)
    again = await _parts(b.runs.join_stream(tid, runs[0]["run_id"], last_event_id="-1"))
    assert [_key(p) for p in again] == [_key(p) for p in parts]


async def test_a_run_queued_behind_a_busy_worker_waits_past_the_timeout(
    sdk: Callable[[str], LangGraphClient],
    servers: list[str],
    redis_url: str,
    prefix: str,
    agents: dict[str, Any],
    gate: Gate,
) -> None:
    a = sdk(servers[0])
    tid1 = (await a.threads.create())["thread_id"]
    tid2 = (await a.threads.create())["thread_id"]
    async with workers(redis_url, agents, prefix, concurrency=1):
        busy = asyncio.create_task(_parts(a.runs.stream(tid1, "gated", input=QUESTION)))
        async with asyncio.timeout(10):  # the one worker holds the gated run, then queue
            while not gate.reached.is_set():  # (both at once: either may reach it first)
                await asyncio.sleep(0.02)
        queued = asyncio.create_task(_parts(a.runs.stream(tid2, "agent", input=QUESTION)))
        await asyncio.sleep(HEARTBEAT_TIMEOUT * 3)
        assert not queued.done()
        [run] = await a.runs.list(tid2)
        assert run["status"] == "pending"  # queued, not failed: a live worker serves it
        gate.release()
        assert (await busy)[-1].event != "error"
        parts = await queued
    assert "error" not in [p.event for p in parts]
    assert (await a.runs.get(tid2, run["run_id"]))["status"] == "success"


async def _pending(url: str, prefix: str) -> int:
    """The requests not yet acknowledged (a worker deletes a request as it acknowledges it)."""
    async with Redis.from_url(url) as redis:
        return int(await redis.xlen(requests_key(prefix)))


@pytest.fixture
def worker_process(redis_url: str, prefix: str) -> Iterator[subprocess.Popen[str]]:
    """``rxagent worker`` of the ticker agent in a process of its own (ready when it says)."""
    process = subprocess.Popen(worker_command(redis_url, prefix), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert "serving ticker" in process.stdout.readline()
    yield process
    process.kill()
    process.wait()
    process.stdout.close()


async def test_a_run_whose_worker_died_ends_with_the_error_frame(
    sdk: Callable[[str], LangGraphClient],
    servers: list[str],
    worker_process: subprocess.Popen[str],
) -> None:
    a, b = sdk(servers[0]), sdk(servers[1])
    tid = (await a.threads.create())["thread_id"]
    ticks = {"n": 1000, "delay": 0.01}
    parts: list[Any] = []
    loop = asyncio.get_running_loop()
    async for part in a.runs.stream(tid, "ticker", input=ticks, stream_mode="custom"):
        parts.append(part)
        if len(parts) == 5:
            break
    run_id = parts[0].data["run_id"]
    worker_process.kill()
    killed = loop.time()
    joined = await _parts(b.runs.join_stream(tid, run_id, last_event_id=parts[-1].id))
    assert loop.time() - killed < HEARTBEAT_TIMEOUT + 3
    assert joined[-1].event == "error"
    assert joined[-1].data["error"] == "ProducerDied"
    assert [p.data["i"] for p in parts[1:] + joined[:-1]] == list(
        range(len(parts) + len(joined) - 2)
    )
    assert (await a.runs.get(tid, run_id))["status"] == "error"
    assert (await b.threads.get(tid))["status"] == "error"
