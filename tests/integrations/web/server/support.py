"""Agents, a served app and an SSE reader for the server's tests (real uvicorn, real httpx)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypedDict

import httpx
from starlette.applications import Starlette

from rxagent import END, START, StateGraph, create_agent, get_stream_writer, tool
from rxagent._demo import build_demo_agent
from rxagent.graph import CompiledStateGraph
from rxagent.integrations.web import serve_in_thread
from rxagent.messages import AIMessage
from rxagent.models import ScriptedError, ScriptedModel

QUESTION: Any = {"messages": [{"role": "user", "content": "Go"}]}


class Gate:
    """Holds runs at a tool until the test releases it: async, so a cancelled run stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.reached = threading.Event()
        """Set when a run reaches the gate (its earlier events are in the log)."""

    async def wait(self) -> None:
        event = asyncio.Event()
        with self._lock:
            if self._released:
                return
            self._waiters.append((asyncio.get_running_loop(), event))
        self.reached.set()
        try:
            await event.wait()
        finally:  # a cancelled run leaves no waiter behind
            with self._lock:
                self._waiters = [w for w in self._waiters if w[1] is not event]

    def release(self) -> None:
        with self._lock:
            self._released = True
            waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


def gated_agent(gate: Gate) -> CompiledStateGraph:
    """Streams ``Working on it.``, calls ``wait_for_gate`` (progress, then the gate), then
    streams ``Done now.``."""

    @tool
    async def wait_for_gate() -> str:
        """Wait until the test releases the gate."""
        writer = get_stream_writer()
        writer({"progress": "waiting", "done": 0, "total": 1})
        await gate.wait()
        writer({"progress": "released", "done": 1, "total": 1})
        return "released"

    call = {"name": "wait_for_gate", "args": {}, "id": "call_gate"}
    model = ScriptedModel([AIMessage("Working on it.", tool_calls=[call]), AIMessage("Done now.")])
    return create_agent(model, [wait_for_gate], name="gated")


def failing_agent() -> CompiledStateGraph:
    """Streams a few tokens, then its model fails."""
    failure = ScriptedError(RuntimeError("boom"), after_chunks=2, partial="This will not end")
    model = ScriptedModel([failure])
    return create_agent(model, [], name="failing")


class Empty(TypedDict, total=False):
    n: int


def counting_graph(count: int) -> CompiledStateGraph:
    """One node that writes ``count`` custom events ``{"i": 0..count-1}``."""

    def node(state: Empty) -> dict[str, Any]:
        writer = get_stream_writer()
        for index in range(count):
            writer({"i": index})
        return {"n": count}

    return StateGraph(Empty).add_node("count", node).add_edge(START, "count").compile()


def payload_graph(payload: Any) -> CompiledStateGraph:
    """One node that writes ``payload`` as a custom event (bytes, a huge string...)."""

    def node(state: Empty) -> dict[str, Any]:
        get_stream_writer()({"ok": True})
        get_stream_writer()(payload)
        return {"n": 1}

    return StateGraph(Empty).add_node("write", node).add_edge(START, "write").compile()


def subgraph_agent() -> CompiledStateGraph:
    """A parent whose node ``child`` is a subgraph writing custom events and an update."""

    def inner(state: Empty) -> dict[str, Any]:
        get_stream_writer()({"from": "inner"})
        return {"n": 1}

    child = StateGraph(Empty).add_node("inner", inner).add_edge(START, "inner").compile()
    graph = StateGraph(Empty)
    graph.add_node("child", child)
    graph.add_node("after", lambda state: {"n": state.get("n", 0) + 1})
    graph.add_edge(START, "child")
    graph.add_edge("child", "after")
    graph.add_edge("after", END)
    return graph.compile()


def served_agents(gate: Gate) -> dict[str, Any]:
    """The agents every served app of these tests has."""
    return {
        "agent": build_demo_agent(fast=True),
        "gated": gated_agent(gate),
        "failing": failing_agent(),
        "subgraphs": subgraph_agent(),
        "count": counting_graph(1000),
        "bytes": payload_graph({"blob": b"\x00"}),
        "big": payload_graph({"text": "x" * 5000}),
    }


def serve(app: Starlette) -> AbstractContextManager[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its URL."""
    return serve_in_thread(app)


@dataclass(frozen=True)
class Sse:
    """One SSE frame as a client sees it."""

    id: str | None
    event: str | None
    data: str

    @property
    def key(self) -> tuple[str | None, str | None, str]:
        return (self.id, self.event, self.data)


def parse_sse(text: str) -> tuple[list[Sse], list[str]]:
    """The frames of an SSE text, and its comment lines (``: keep-alive``) and retries."""
    frames: list[Sse] = []
    others: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if line.startswith(":") or line.startswith("retry:"):
                others.append(line)
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))
        if "data" in fields:
            frames.append(
                Sse(
                    fields.get("id", [None])[-1],
                    fields.get("event", [None])[-1],
                    "\n".join(fields["data"]),
                )
            )
    return frames, others


async def read_frames(response: httpx.Response, limit: int | None = None) -> AsyncIterator[Sse]:
    """The frames of a streaming response as they come; stop after ``limit``."""
    buffer = ""
    count = 0
    async for text in response.aiter_text():
        buffer += text.replace("\r\n", "\n")
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            frames, _ = parse_sse(block + "\n\n")
            for frame in frames:
                yield frame
                count += 1
                if limit is not None and count >= limit:
                    return


def auth(token: str | None) -> Mapping[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}
