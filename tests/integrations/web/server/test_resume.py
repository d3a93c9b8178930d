"""Drop and resume: a client dropped after k frames and back with ``Last-Event-ID`` gets
frames k+1... exactly once, in every format; plus the SSE writer's own framing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxagent.integrations.web._app import create_app
from rxagent.integrations.web._entries import Frame
from rxagent.integrations.web._ids import EventId
from rxagent.integrations.web._sse import frame_text
from tests.integrations.web.server.support import (
    QUESTION,
    Gate,
    Sse,
    parse_sse,
    serve,
    served_agents,
)

MODES = ["messages-tuple", "custom", "updates"]
FORMATS = ["langgraph", "ai-sdk", "ag-ui"]


@pytest.fixture(scope="module")
def shared_url() -> Iterator[str]:
    gate = Gate()
    with serve(create_app(served_agents(gate))) as base:
        yield base
    gate.release()


def start(client: httpx.Client, format: str) -> httpx.Response:
    """A request that starts a run of the demo agent in ``format`` (not yet sent)."""
    if format == "langgraph":
        body: dict[str, Any] = {"assistant_id": "agent", "input": QUESTION, "stream_mode": MODES}
        return client.send(client.build_request("POST", "/runs/stream", json=body), stream=True)
    if format == "ai-sdk":
        message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Go"}]}
        body = {"id": _uuid(), "messages": [message], "trigger": "submit-message"}
        return client.send(client.build_request("POST", "/api/chat", json=body), stream=True)
    body = {
        "threadId": _uuid(),
        "runId": _uuid(),
        "messages": [{"id": "u1", "role": "user", "content": "Go"}],
        "state": {},
        "tools": [],
        "context": [],
        "forwardedProps": {},
    }
    return client.send(client.build_request("POST", "/ag-ui", json=body), stream=True)


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def read(response: httpx.Response, limit: int | None = None) -> list[Sse]:
    frames: list[Sse] = []
    buffer = ""
    for text in response.iter_text():
        buffer += text
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            frames.extend(parse_sse(block + "\n\n")[0])
            if limit is not None and len(frames) >= limit:
                return frames[:limit]
    return frames


def join(client: httpx.Client, location: str, format: str, last_id: str) -> list[Sse]:
    params: dict[str, Any] = {"format": format, "stream_mode": MODES}
    with client.stream(
        "GET", location, params=params, headers={"Last-Event-ID": last_id}
    ) as response:
        assert response.status_code == 200, response.read()
        return read(response)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(format=st.sampled_from(FORMATS), k=st.integers(min_value=1, max_value=120))
def test_drop_after_k_frames_and_resume(shared_url: str, format: str, k: int) -> None:
    with httpx.Client(base_url=shared_url, timeout=30) as client:
        response = start(client, format)
        try:
            assert response.status_code == 200
            location = response.headers["location"]
            first = read(response, limit=k)
        finally:
            response.close()  # the client drops
        resumed = join(client, location, format, str(first[-1].id))
        everything = join(client, location, format, "-")
    assert len(everything) >= len(first)
    assert [f.key for f in first + resumed] == [f.key for f in everything]
    ids = [EventId.parse(str(f.id)) for f in everything]
    assert ids == sorted(set(ids))  # strictly increasing


@pytest.mark.parametrize("format", FORMATS)
def test_a_finished_run_replays_whole_and_ends(shared_url: str, format: str) -> None:
    with httpx.Client(base_url=shared_url, timeout=30) as client:
        response = start(client, format)
        try:
            whole = read(response)
        finally:
            response.close()
        location = response.headers["location"]
        assert [f.key for f in join(client, location, format, "0-0")] == [f.key for f in whole]
        assert join(client, location, format, str(whole[-1].id)) == []
    if format == "ai-sdk":
        assert json.loads(whole[0].data)["type"] == "start"
        assert whole[-1].data == "[DONE]"
    if format == "ag-ui":
        assert json.loads(whole[0].data)["type"] == "RUN_STARTED"
        assert json.loads(whole[-1].data)["type"] == "RUN_FINISHED"


def test_retry_comes_first_and_keep_alives_fill_silence(gate: Gate) -> None:
    with (
        serve(create_app(served_agents(gate), keepalive=0.005)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        body = {"assistant_id": "gated", "input": QUESTION, "stream_mode": "custom"}
        with client.stream("POST", "/runs/stream", json=body) as response:
            text = ""
            for chunk in response.iter_text():
                text += chunk
                if text.count(": keep-alive") >= 2:
                    break
        assert text.startswith("retry: 3000\n\n")
        frames, others = parse_sse(text)
        assert [f.event for f in frames] == ["metadata", "custom"]  # held at the gate
        assert others[0] == "retry: 3000"
        assert ": keep-alive" in others


def test_frames_split_multiline_data_and_number_later_frames() -> None:
    text = frame_text(Frame("a\nb", "x"), EventId(3, 4, 2))
    assert text == "id: 3-4.2\nevent: x\ndata: a\ndata: b\n\n"
    assert frame_text(Frame("[DONE]"), None) == "data: [DONE]\n\n"
