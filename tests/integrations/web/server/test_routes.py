"""Safety, the AI SDK and AG-UI routes, ``sse_response`` and ``rxagent serve``, on real uvicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rxagent._demo import build_demo_agent
from rxagent.cli import main
from rxagent.integrations.web._app import create_app
from rxagent.integrations.web._sse import sse_response
from tests.integrations.web.server.support import (
    QUESTION,
    Gate,
    parse_sse,
    serve,
    served_agents,
)

RUN = {"assistant_id": "agent", "input": QUESTION, "stream_mode": "updates"}


def detail(response: httpx.Response) -> str:
    return str(response.json()["detail"])


# ---- safety


def test_a_token_guards_every_route_but_the_page(gate: Gate) -> None:
    with (
        serve(create_app(served_agents(gate), token="s3cret")) as base,
        httpx.Client(base_url=base) as client,
    ):
        assert client.get("/").status_code == 200
        for method, path in [("GET", "/ok"), ("POST", "/threads"), ("POST", "/runs/stream")]:
            response = client.request(method, path, json={})
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
        wrong = client.get("/ok", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert client.get("/ok?token=s3cret").status_code == 401  # not in URLs
        assert client.get("/ok", headers={"Authorization": "Bearer s3cret"}).json() == {"ok": True}


def test_bodies_over_the_cap_are_413(gate: Gate) -> None:
    with (
        serve(create_app(served_agents(gate), max_body_bytes=1_000)) as base,
        httpx.Client(base_url=base) as client,
    ):
        big = {**RUN, "metadata": {"pad": "x" * 2_000}}
        response = client.post("/runs/stream", json=big)
        assert response.status_code == 413
        assert "1,000 bytes" in detail(response)

        def chunks() -> Any:  # no Content-Length: the cap holds while reading
            yield b'{"pad": "'
            yield b"x" * 2_000
            yield b'"}'

        response = client.post("/threads", content=chunks())
        assert response.status_code == 413


def test_errors_name_the_field_and_the_choices(url: str) -> None:
    with httpx.Client(base_url=url) as client:
        response = client.post("/runs/stream", json={**RUN, "assistant_id": "nobody"})
        assert response.status_code == 404
        assert "'agent'" in detail(response)
        assert "'gated'" in detail(response)
        response = client.post("/runs/stream", json={**RUN, "stream_mode": ["debug"]})
        assert response.status_code == 422
        assert "'messages-tuple'" in detail(response)
        response = client.post("/runs/stream", json={**RUN, "on_disconnect": "later"})
        assert response.status_code == 422
        assert "'cancel', 'continue'" in detail(response)
        response = client.post("/runs/stream", json={**RUN, "stream_subgraphs": "yes"})
        assert response.status_code == 422
        assert "'stream_subgraphs' must be bool" in detail(response)
        response = client.post("/runs/stream", content=b"{not json")
        assert response.status_code == 422
        assert "not valid JSON" in detail(response)
        response = client.post("/runs/stream", json={**RUN, "rxagent": {"buffer_ms": "soon"}})
        assert response.status_code == 422
        assert "buffer_ms" in detail(response)
        assert client.get(f"/threads/{uuid.uuid4()}").status_code == 404
        response = client.post(f"/threads/{uuid.uuid4()}/runs/stream", json=RUN)
        assert response.status_code == 404
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        assert uuid.UUID(thread_id).version == 4
        assert client.get(f"/threads/{thread_id}/runs/{uuid.uuid4()}").status_code == 404
        assert client.get(f"/threads/{thread_id}/runs/{uuid.uuid4()}/stream").status_code == 404


def test_a_bad_last_event_id_is_400(url: str) -> None:
    with httpx.Client(base_url=url) as client:
        response = client.post("/runs/stream", json=RUN)
        location = response.headers["location"]
        assert response.headers["content-location"] == location.removesuffix("/stream")
        bad = client.get(location, headers={"Last-Event-ID": "yesterday"})
        assert bad.status_code == 400
        assert "invalid event id 'yesterday'" in detail(bad)
        assert client.get(location, params={"format": "rss"}).status_code == 422


def test_cors_is_off_unless_asked(gate: Gate) -> None:
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with serve(create_app(served_agents(gate))) as base, httpx.Client(base_url=base) as client:
        response = client.get("/ok", headers={"Origin": "https://app.example"})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-origin" not in client.options("/ok", headers=preflight).headers
    app = create_app(served_agents(gate), token="t", cors_origins=["https://app.example"])
    with serve(app) as base, httpx.Client(base_url=base) as client:
        response = client.options("/runs/stream", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://app.example"


# ---- AI SDK


def ui_chat(chat_id: str, text: str = "Go", **extra: Any) -> dict[str, Any]:
    message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": text}]}
    return {"id": chat_id, "messages": [message], "trigger": "submit-message", **extra}


def test_ai_sdk_chat_streams_the_ui_message_stream(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/api/chat", json=ui_chat(str(uuid.uuid4())))
        assert response.status_code == 200
        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        frames, _ = parse_sse(response.text)
        parts = [json.loads(f.data) for f in frames[:-1]]
        assert frames[-1].data == "[DONE]"
        types = [part["type"] for part in parts]
        assert types[0] == "start"
        assert types[-1] == "finish"
        assert "text-delta" in types
        assert "tool-output-available" in types
        text = "".join(p["delta"] for p in parts if p["type"] == "text-delta")
        assert text.endswith(build_demo_agent(fast=True).invoke(QUESTION)["messages"][-1].text)


def test_ai_sdk_resume_is_204_when_idle_and_a_full_replay_while_running(
    url: str, gate: Gate
) -> None:
    chat_id = str(uuid.uuid4())
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get(f"/api/chat/{chat_id}/stream").status_code == 204
        body = ui_chat(chat_id, assistant_id="gated")
        with client.stream("POST", "/api/chat", json=body) as first:
            assert first.status_code == 200
            for _ in first.iter_lines():
                if gate.reached.is_set():
                    break
        # the first client went away; the run goes on and the chat can resume
        with client.stream("GET", f"/api/chat/{chat_id}/stream") as resumed:
            assert resumed.status_code == 200
            assert resumed.headers["x-vercel-ai-ui-message-stream"] == "v1"
            text = ""
            for chunk in resumed.iter_text():
                text += chunk
                if '"released"' not in text and "waiting" in text:
                    gate.release()
        frames, _ = parse_sse(text)
        assert json.loads(frames[0].data)["type"] == "start"  # from the very start
        assert frames[-1].data == "[DONE]"
        assert client.get(f"/api/chat/{chat_id}/stream").status_code == 204


def test_ai_sdk_messages_carry_the_conversation(url: str) -> None:
    assistant = {
        "id": "a1",
        "role": "assistant",
        "parts": [
            {"type": "text", "text": "Let me look."},
            {
                "type": "tool-fetch_records",
                "toolCallId": "c1",
                "state": "output-available",
                "input": {"count": 1},
                "output": {"rows": 1},
            },
        ],
    }
    body = ui_chat(str(uuid.uuid4()))
    body["messages"] = [body["messages"][0], assistant, *body["messages"]]
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/api/chat", json=body)
        assert response.status_code == 200
        bad = client.post("/api/chat", json={**body, "messages": [{"role": "robot"}]})
        assert bad.status_code == 422


# ---- AG-UI


def test_ag_ui_run_echoes_its_ids_and_can_be_joined_and_cancelled(url: str, gate: Gate) -> None:
    thread_id, run_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "threadId": thread_id,
        "runId": run_id,
        "messages": [{"id": "u1", "role": "user", "content": "Go"}],
        "state": {},
        "tools": [],
        "context": [],
        "forwardedProps": {"assistant_id": "gated", "rxagent": {"buffer_ms": 20}},
    }
    with httpx.Client(base_url=url, timeout=30) as client:
        with client.stream("POST", "/ag-ui", json=body) as response:
            assert response.status_code == 200
            text = ""
            for chunk in response.iter_text():
                text += chunk
                if gate.reached.is_set() and '"waiting"' in text:
                    break
        frames, _ = parse_sse(text)
        started = json.loads(frames[0].data)
        assert started["type"] == "RUN_STARTED"
        assert (started["threadId"], started["runId"]) == (thread_id, run_id)
        run = client.get(f"/threads/{thread_id}/runs/{run_id}").json()
        assert run["status"] == "running"
        cancel = client.post(f"/threads/{thread_id}/runs/{run_id}/cancel", params={"wait": 1})
        assert cancel.status_code == 202
        assert client.get(f"/threads/{thread_id}/runs/{run_id}").json()["status"] == "interrupted"
        joined = client.get(
            f"/threads/{thread_id}/runs/{run_id}/stream",
            params={"format": "ag-ui"},
            headers={"Last-Event-ID": str(frames[-1].id)},
        )
        last = json.loads(parse_sse(joined.text)[0][-1].data)
        assert last["type"] == "RUN_FINISHED"
        assert client.post("/ag-ui", json=body).status_code == 409  # the run id is taken


# ---- sse_response for any app, and load


def test_sse_response_serves_an_observable_from_a_plain_starlette_app() -> None:
    agent = build_demo_agent(fast=True)

    async def chat(request: Request) -> Response:
        return sse_response(agent.observe(QUESTION), format="ai-sdk")

    async def lg(request: Request) -> Response:
        return sse_response(agent.observe(QUESTION), stream_mode=["updates"])

    app = Starlette(routes=[Route("/chat", chat, methods=["POST"]), Route("/lg", lg)])
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        response = client.post("/chat")
        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        frames, _ = parse_sse(response.text)
        assert frames[-1].data == "[DONE]"
        frames, _ = parse_sse(client.get("/lg").text)
        assert [f.event for f in frames] == ["metadata", "updates", "updates", "updates"]


async def test_100_concurrent_clients_of_1000_events_each(url: str) -> None:
    import asyncio

    body = {"assistant_id": "count", "input": {}, "stream_mode": "custom"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one() -> list[int]:
            async with client.stream("POST", "/runs/stream", json=body) as response:
                text = "".join([chunk async for chunk in response.aiter_text()])
            frames, _ = parse_sse(text)
            return [json.loads(f.data)["i"] for f in frames if f.event == "custom"]

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(100)))
        elapsed = time.perf_counter() - started
    assert all(result == list(range(1000)) for result in results)
    print(f"100 x 1000 events in {elapsed:.1f} s")


# ---- rxagent serve


def test_serve_reports_bad_agent_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--agent", "no-colon"]) == 2
    assert "expected [NAME=]MODULE:ATTR" in capsys.readouterr().err
    assert main(["serve", "--agent", "x=no_such_module_here:agent"]) == 2
    assert "cannot import 'no_such_module_here'" in capsys.readouterr().err
    assert main(["serve", "--agent", "rxagent._demo:QUESTION"]) == 2
    assert "serve an rxagent graph" in capsys.readouterr().err


def test_rxagent_serve_as_a_subprocess() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rxagent", "serve", "--port", str(port), "--token", "t"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once uvicorn has started
        assert f"http://127.0.0.1:{port}/" in line, process.stderr.read() if process.stderr else ""
        headers = {"Authorization": "Bearer t"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            assert client.get("/ok").json() == {"ok": True}
            assistants = client.post("/assistants/search", json={}).json()
            assert [a["assistant_id"] for a in assistants] == ["agent"]
    finally:
        process.terminate()
        _, err = process.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in err
