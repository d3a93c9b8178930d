"""The AI SDK UI message stream: every chunk against ``ai`` 7's schema and the client's state
machine (``aisdk_check``), and, where ``tests/js/node_modules`` is installed, through the real
``ai`` package's parser under node."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from rxagent._demo import ANSWER, INTRO
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.integrations.web._aisdk import AISdkEncoder
from rxagent.integrations.web._entries import Entry, Frame
from rxagent.messages import AIMessageChunk
from tests.integrations.web.aisdk_check import StreamError, chunks_of, read_stream
from tests.integrations.web.logs import (
    LOGS,
    cancelled_log,
    demo_log,
    events_of,
    failing_log,
    frames_of,
    log_of,
    parallel_log,
    realistic_events,
    subgraph_log,
    to_entries,
)

JS = Path(__file__).parents[2] / "js"


def aisdk(log: Sequence[Entry], **options: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The chunks of ``log`` and the message the client state machine builds of them."""
    chunks = chunks_of(frames_of(AISdkEncoder(**options), log))
    return chunks, read_stream(chunks)


def _texts(message: dict[str, Any]) -> list[str]:
    return [part["text"] for part in message["parts"] if part["type"] == "text"]


def _tools(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [part for part in message["parts"] if part["type"] == "dynamic-tool"]


@pytest.mark.parametrize("name", sorted(LOGS))
def test_every_real_log_is_a_valid_stream(name: str) -> None:
    aisdk(LOGS[name]())


def test_the_demo_run() -> None:
    log = demo_log()
    chunks, message = aisdk(log)
    assert chunks[0] == {"type": "start", "messageId": f"msg-{log[0].data['run_id']}"}
    assert message["id"] == chunks[0]["messageId"]
    assert _texts(message) == [INTRO, ANSWER]
    (tool,) = _tools(message)
    assert tool["toolName"] == "fetch_records"
    assert tool["input"] == {"count": 100}
    assert tool["state"] == "output-available"
    assert tool["output"].startswith("Fetched 100 records")
    assert json.loads(tool["text"]) == {"count": 100}
    types = [c["type"] for c in chunks]
    assert types.count("start-step") == types.count("finish-step") == 3
    progress = [c for c in chunks if c["type"].startswith("data-")]
    assert {c["type"] for c in progress} == {"data-custom"}
    assert {c["id"] for c in progress} == {"call_fetch_records"}, "in place per tool call"
    assert "transient" not in progress[0]
    (data,) = [p for p in message["parts"] if p["type"] == "data-custom"]
    assert data["data"] == {"progress": "Fetched 100/100 records", "done": 100, "total": 100}
    starts = [c for c in chunks if c["type"] == "tool-input-start"]
    assert starts[0]["dynamic"] is True
    assert starts[0]["providerMetadata"] == {
        "rxagent": {"node": "model", "taskId": starts[0]["providerMetadata"]["rxagent"]["taskId"]}
    }
    assert chunks[-1] == {
        "type": "finish",
        "finishReason": "stop",
        "messageMetadata": {
            "usage": {
                "inputTokens": 43,
                "outputTokens": 73,
                "totalTokens": 116,
                "byModel": [{"provider": "scripted", "model": "scripted-demo", "totalTokens": 116}],
            }
        },
    }


def test_the_message_id_can_be_given_and_is_stable_across_replays() -> None:
    log = demo_log()
    chunks, _ = aisdk(log, message_id="assistant-1")
    assert chunks[0] == {"type": "start", "messageId": "assistant-1"}
    assert aisdk(log)[0][0] == aisdk(log)[0][0]


def test_parallel_tool_calls() -> None:
    _, message = aisdk(parallel_log())
    tools = {t["toolCallId"]: (t["toolName"], t["input"], t["output"]) for t in _tools(message)}
    assert tools == {
        "call_s": ("search", {"query": "rx"}, "found rx"),
        "call_f": ("fetch", {"url": "https://example.org"}, "fetched https://example.org"),
    }
    data = {p["id"]: p["data"] for p in message["parts"] if p["type"] == "data-custom"}
    assert data == {"call_s": {"tool": "search", "step": 2}, "call_f": {"tool": "fetch", "step": 3}}


def test_subgraph_parts_carry_their_namespace() -> None:
    chunks, message = aisdk(subgraph_log())
    assert _texts(message) == ["routing", "Looking it up.", "It is found."]
    progress = [p for p in message["parts"] if p["type"] == "data-progress"]
    assert [(p["id"], p["data"]["pct"]) for p in progress] == [("call_lookup", 100)]
    starts = [c for c in chunks if c["type"] == "text-start"]
    namespaces = [c["providerMetadata"]["rxagent"].get("ns") for c in starts]
    assert namespaces[0] is None
    assert all(ns.startswith("researcher:") for ns in namespaces[1:])
    (status,) = [c for c in chunks if c["type"] == "data-status"]
    pre_task = next(e.task_id for e in events_of(subgraph_log()) if e.node == "pre")
    assert status["id"] == pre_task, "no tool call: the task id keeps it in place"
    assert "transient" not in status


def test_a_payload_id_wins_and_no_id_makes_the_part_transient() -> None:
    events = [
        CustomEvent(
            data={"type": "progress", "id": "job-1", "pct": 1}, tool_call_id="c1", run_id="r"
        ),
        CustomEvent(data={"type": "log", "line": "x"}, run_id="r"),
    ]
    chunks, message = aisdk(to_entries(events, run_id="r"))
    data = [c for c in chunks if c["type"].startswith("data-")]
    assert data == [
        {
            "type": "data-progress",
            "id": "job-1",
            "data": {"type": "progress", "id": "job-1", "pct": 1},
        },
        {"type": "data-log", "data": {"type": "log", "line": "x"}, "transient": True},
    ]
    assert [p["type"] for p in message["parts"]] == ["step-start", "data-progress"]


def test_an_error_is_an_error_chunk_then_done_and_no_finish() -> None:
    chunks, message = aisdk(failing_log())
    assert chunks[-1] == {"type": "error", "errorText": "RuntimeError: model failed"}
    assert "finish" not in [c["type"] for c in chunks]
    assert _texts(message)[0] == "Let me check."
    assert [c["type"] for c in chunks][-2] == "finish-step"


def test_a_cancelled_run_is_an_abort() -> None:
    chunks, message = aisdk(cancelled_log())
    assert chunks[-1] == {"type": "abort", "reason": "cancelled"}
    assert _tools(message)[0]["state"] == "input-available"


def test_invalid_tool_arguments_are_a_tool_input_error() -> None:
    pieces = [{"name": "f", "args": "[1, 2]", "id": "c1", "index": 0}]
    chunk = AIMessageChunk("", id="m1", tool_call_chunks=pieces, chunk_position="last")
    events: list[Event] = [MessageEvent(data=(chunk, {}), node="model", task_id="t", run_id="r")]
    chunks, message = aisdk(to_entries(events, run_id="r"))
    (error,) = [c for c in chunks if c["type"] == "tool-input-error"]
    assert (error["input"], error["toolName"]) == ("[1, 2]", "f")
    assert _tools(message)[0]["state"] == "output-error"


def test_headers_and_modes() -> None:
    encoder = AISdkEncoder()
    assert dict(encoder.headers) == {
        "x-vercel-ai-ui-message-stream": "v1",
        "x-accel-buffering": "no",
    }
    assert encoder.modes == {"messages", "updates", "custom", "tools", "tasks"}


def test_the_checker_catches_what_the_client_rejects() -> None:
    start, done = {"type": "start"}, {"type": "finish"}
    bad: list[list[dict[str, Any]]] = [
        [start, {"type": "text-delta", "id": "a", "delta": "x"}, done],
        [start, {"type": "tool-input-delta", "toolCallId": "c", "inputTextDelta": "{"}, done],
        [start, {"type": "tool-output-available", "toolCallId": "c", "output": 1}, done],
        [start, {"type": "start-step"}, {"type": "text-start", "id": "a"}, {"type": "finish-step"}],
        [start, {"type": "text-start", "id": "a"}, {"type": "text-start", "id": "a"}],
        [start, {"type": "text-start", "id": "a", "bogus": 1}],
        [start, {"type": "finish", "finishReason": "done"}],
        [{"type": "text-start", "id": "a"}],
        [start],
    ]
    for chunks in bad:
        with pytest.raises((StreamError, ValueError)):
            read_stream(chunks)
    with pytest.raises(StreamError, match="after"):
        chunks_of([Frame("[DONE]"), Frame('{"type":"start"}')])


@pytest.mark.parametrize("name", sorted(LOGS))
def test_a_fresh_encoder_replays_the_same_frames(name: str) -> None:
    log = LOGS[name]()
    assert frames_of(AISdkEncoder(), log) == frames_of(AISdkEncoder(), log)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(realistic_events())
def test_reshaped_real_streams_are_still_valid(
    case: tuple[str, list[Event], BaseException | None],
) -> None:
    aisdk(log_of(*case))


# --- the real client, under node -----------------------------------------------------------

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (JS / "node_modules" / "ai").is_dir(),
    reason="the JS conformance check needs node and `npm ci --prefix tests/js`",
)


def _node_reads(frames: Sequence[Frame]) -> dict[str, Any]:
    body = "".join(f"data: {frame.data}\n\n" for frame in frames)
    done = subprocess.run(
        ["node", str(JS / "read_ui_stream.mjs")],
        input=body.encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@needs_node
@pytest.mark.parametrize("name", sorted(LOGS))
def test_the_ai_package_reads_the_same_message(name: str) -> None:
    log = LOGS[name]()
    frames = frames_of(AISdkEncoder(), log)
    mine = read_stream(chunks_of(frames))
    theirs = _node_reads(frames)
    assert theirs["invalid"] == []
    expected_errors = ["RuntimeError: model failed"] if name == "failing" else []
    assert theirs["errors"] == expected_errors
    message = theirs["message"]
    assert message["id"] == mine["id"]
    assert _texts(message) == _texts(mine)
    tools = [
        {k: t.get(k) for k in ("toolCallId", "toolName", "state", "input", "output")}
        for t in _tools(message)
    ]
    assert tools == [
        {k: t.get(k) for k in ("toolCallId", "toolName", "state", "input", "output")}
        for t in _tools(mine)
    ]
    data = [
        (p["type"], p.get("id"), p["data"])
        for p in message["parts"]
        if p["type"].startswith("data-")
    ]
    assert data == [
        (p["type"], p.get("id"), p["data"]) for p in mine["parts"] if p["type"].startswith("data-")
    ]
    assert [p["type"] for p in message["parts"]] == [p["type"] for p in mine["parts"]]


@needs_node
def test_the_ai_package_rejects_what_the_checker_rejects() -> None:
    frames = [
        Frame('{"type":"start"}'),
        Frame('{"type":"text-delta","id":"a","delta":"x"}'),
        Frame("[DONE]"),
    ]
    assert "missing text part" in _node_reads(frames)["errors"][0]
