"""The official ``langgraph-sdk`` clients against ``rxagent serve``'s app on real uvicorn."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import LangGraphClient

from rxagent._demo import build_demo_agent
from rxagent.integrations.web._langgraph_json import to_json
from tests.integrations.web.server.support import QUESTION, Gate, subgraph_agent

_UUID = re.compile(r"(run-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize(value: Any) -> Any:
    """``value`` with every UUID (message ids, run ids) replaced by ``<id>``."""
    if isinstance(value, str):
        return _UUID.sub("<id>", value)
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    return value


def expected_parts(mode: Any, *, agent: Any = None, subgraphs: bool = False) -> list[Any]:
    """What ``agent.stream(QUESTION, stream_mode=[...])`` gives, as the server's SSE parts."""
    agent = agent or build_demo_agent(fast=True)
    modes = [mode] if isinstance(mode, str) else list(mode)
    rx_modes = ["messages" if m == "messages-tuple" else m for m in modes]
    inputs = {} if subgraphs else QUESTION
    parts: list[Any] = []
    for chunk in agent.stream(inputs, stream_mode=rx_modes, subgraphs=subgraphs):
        ns, name, data = chunk if subgraphs else ((), *chunk)
        event = name if not ns else f"{name}|{'|'.join(ns)}"
        parts.append([normalize(event), normalize(to_json(data))])
    return parts


async def stream_parts(client: LangGraphClient, thread_id: str | None, **kwargs: Any) -> list[Any]:
    parts = []
    async for part in client.runs.stream(thread_id, kwargs.pop("agent", "agent"), **kwargs):
        parts.append(part)
    return parts


def data_parts(parts: list[Any]) -> list[Any]:
    return [
        [normalize(part.event), normalize(part.data)] for part in parts if part.event != "metadata"
    ]


@pytest.fixture
async def sdk_clients() -> AsyncIterator[list[LangGraphClient]]:
    clients: list[LangGraphClient] = []
    yield clients
    for client in clients:
        await client.aclose()


@pytest.fixture
def sdk(sdk_clients: list[LangGraphClient]) -> Callable[[str], LangGraphClient]:
    """Makes ``get_client(url=...)`` clients, closed at teardown."""

    def make(url: str) -> LangGraphClient:
        client = get_client(url=url, api_key=None)
        sdk_clients.append(client)
        return client

    return make


@pytest.mark.parametrize("mode", ["values", "updates", "messages-tuple", "custom"])
async def test_each_mode_streams_what_agent_stream_gives(
    sdk: Callable[[str], LangGraphClient], url: str, mode: str
) -> None:
    client = sdk(url)
    thread = await client.threads.create()
    parts = await stream_parts(client, thread["thread_id"], input=QUESTION, stream_mode=[mode])
    assert parts[0].event == "metadata"
    assert set(parts[0].data) == {"run_id", "attempt"}
    assert data_parts(parts) == expected_parts(mode)
    assert all(part.id for part in parts)  # every part can be resumed from


async def test_several_modes_at_once(sdk: Callable[[str], LangGraphClient], url: str) -> None:
    client = sdk(url)
    thread = await client.threads.create()
    modes = ["updates", "custom", "messages-tuple"]
    parts = await stream_parts(client, thread["thread_id"], input=QUESTION, stream_mode=modes)
    assert data_parts(parts) == expected_parts(modes)
    ids = [part.id for part in parts]
    assert len(set(ids)) == len(ids)


async def test_messages_mode_sends_growing_partials(
    sdk: Callable[[str], LangGraphClient], url: str
) -> None:
    client = sdk(url)
    parts = await stream_parts(client, None, input=QUESTION, stream_mode="messages")
    events = [part.event for part in parts]
    assert events[0] == "metadata"
    assert events[1] == "messages/metadata"
    assert "messages/complete" in events  # the tool's message
    partials = [part.data[0] for part in parts if part.event == "messages/partial"]
    answer = build_demo_agent(fast=True).invoke(QUESTION)["messages"][-1].text
    assert partials[-1]["content"] == answer
    assert partials[-1]["type"] == "ai"


async def test_subgraph_events_are_named_with_their_namespace(
    sdk: Callable[[str], LangGraphClient], url: str
) -> None:
    client = sdk(url)
    modes = ["custom", "updates"]
    with_subgraphs = await stream_parts(
        client, None, agent="subgraphs", input={}, stream_mode=modes, stream_subgraphs=True
    )
    expected = expected_parts(modes, agent=subgraph_agent(), subgraphs=True)
    assert data_parts(with_subgraphs) == expected
    assert any(part.event.startswith("custom|child:") for part in with_subgraphs)
    without = await stream_parts(client, None, agent="subgraphs", input={}, stream_mode=modes)
    assert not any("|" in part.event for part in without)


async def test_stateless_run_and_thread_state(
    sdk: Callable[[str], LangGraphClient], url: str
) -> None:
    client = sdk(url)
    parts = await stream_parts(client, None, input=QUESTION, stream_mode="updates")
    assert data_parts(parts) == expected_parts("updates")
    # a thread keeps its last run's values; the next run's messages follow them
    thread = await client.threads.create()
    await stream_parts(client, thread["thread_id"], input=QUESTION, stream_mode="values")
    state: Any = await client.threads.get(thread["thread_id"])
    assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai", "tool", "ai"]
    again = {"messages": [{"role": "user", "content": "And now?"}]}
    values = await stream_parts(client, thread["thread_id"], input=again, stream_mode="values")
    first = values[1].data["messages"]
    assert [m["type"] for m in first] == ["human", "ai", "tool", "ai", "human"]


def test_the_sync_client(url: str) -> None:
    with get_sync_client(url=url, api_key=None) as client:
        thread = client.threads.create()
        parts = list(client.runs.stream(thread["thread_id"], "agent", input=QUESTION))
        runs = client.runs.list(thread["thread_id"])
    assert data_parts(parts) == expected_parts("values")
    assert [run["status"] for run in runs] == ["success"]


async def until_gate(client: LangGraphClient, gate: Gate, thread_id: str, modes: Any) -> Any:
    """Start a gated run; read its stream up to the gate; return (parts so far, the stream)."""
    stream = client.runs.stream(thread_id, "gated", input=QUESTION, stream_mode=modes)
    parts = []
    async for part in stream:
        parts.append(part)
        if part.event == "custom" and part.data["progress"] == "waiting":
            break
    return parts, stream


async def test_join_mid_run_gets_exactly_the_missing_events(
    sdk: Callable[[str], LangGraphClient], url: str, gate: Gate
) -> None:
    client = sdk(url)
    thread_id = (await client.threads.create())["thread_id"]
    modes: Any = ["custom", "updates", "messages-tuple"]
    seen, stream = await until_gate(client, gate, thread_id, modes)
    await stream.aclose()  # the client drops; the run goes on (on_disconnect="continue")
    run_id = seen[0].data["run_id"]
    cut = len(seen) // 2
    last_id = seen[cut - 1].id

    async def join() -> list[Any]:
        return [
            part
            async for part in client.runs.join_stream(
                thread_id, run_id, stream_mode=modes, last_event_id=last_id
            )
        ]

    joined = asyncio.ensure_future(join())
    await asyncio.sleep(0.05)
    assert not joined.done()  # the run is still held at the gate
    gate.release()
    missing = await asyncio.wait_for(joined, 30)
    everything = [
        part
        async for part in client.runs.join_stream(
            thread_id, run_id, stream_mode=modes, last_event_id="-"
        )
    ]
    assert [p.id for p in everything[:cut]] == [p.id for p in seen[:cut]]
    assert [(p.id, p.event, p.data) for p in missing] == [
        (p.id, p.event, p.data) for p in everything[cut:]
    ]
    assert everything[-1].event == "updates"
    # a join without a last id, of a finished run, ends at once
    assert [p async for p in client.runs.join_stream(thread_id, run_id)] == []


async def test_cancel_a_running_run(
    sdk: Callable[[str], LangGraphClient], url: str, gate: Gate
) -> None:
    client = sdk(url)
    thread_id = (await client.threads.create())["thread_id"]
    seen, stream = await until_gate(client, gate, thread_id, ["custom"])
    run_id = seen[0].data["run_id"]
    assert (await client.runs.get(thread_id, run_id))["status"] == "running"
    rest = asyncio.ensure_future(_drain(stream))
    await client.runs.cancel(thread_id, run_id, wait=True)
    assert await asyncio.wait_for(rest, 10) == []  # the stream closed, no error part
    assert (await client.runs.get(thread_id, run_id))["status"] == "interrupted"
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"


async def _drain(stream: Any) -> list[Any]:
    return [part async for part in stream]


async def test_a_failing_run_sends_an_error_part_then_ends(
    sdk: Callable[[str], LangGraphClient], url: str
) -> None:
    client = sdk(url)
    parts = await stream_parts(client, None, agent="failing", input=QUESTION, stream_mode="values")
    assert parts[-1].event == "error"
    assert parts[-1].data == {"error": "RuntimeError", "message": "boom"}


@pytest.mark.parametrize(
    ("agent", "error", "words"),
    [("bytes", "EventEncodeError", "is of type bytes"), ("big", "EventTooLarge", "413")],
)
async def test_an_unsendable_event_ends_the_run_with_an_error(
    sdk: Callable[[str], LangGraphClient], url: str, agent: str, error: str, words: str
) -> None:
    client = sdk(url)
    parts = await stream_parts(client, None, agent=agent, input={}, stream_mode="custom")
    assert [part.event for part in parts] == ["metadata", "custom", "error"]
    assert parts[-1].data["error"] == error
    assert words in parts[-1].data["message"]
    # the server goes on
    again = await stream_parts(client, None, input=QUESTION, stream_mode="updates")
    assert again[-1].event == "updates"
