"""AG-UI 1.0: every event validates with ``ag_ui.core`` and the order passes the client's
verifier (see ``agui_check``), on real runs and on reshaped ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from rxagent._demo import ANSWER, INTRO
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.integrations.web._agui import AGUIEncoder
from rxagent.integrations.web._entries import Entry
from rxagent.messages import AIMessageChunk
from tests.integrations.web.agui_check import AGUIViolation, Verifier, check_agui, events_of
from tests.integrations.web.logs import (
    LOGS,
    cancelled_log,
    demo_log,
    failing_log,
    frames_of,
    log_of,
    parallel_log,
    realistic_events,
    subgraph_log,
    to_entries,
)


def agui(log: Sequence[Entry]) -> list[dict[str, Any]]:
    events = events_of(frames_of(AGUIEncoder(thread_id="thread-1", run_id="client-run"), log))
    check_agui(events)
    return events


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def _text(events: list[dict[str, Any]], message_id: str) -> str:
    return "".join(
        e["delta"]
        for e in events
        if e["type"] == "TEXT_MESSAGE_CONTENT" and e["messageId"] == message_id
    )


@pytest.mark.parametrize("name", sorted(LOGS))
def test_every_real_log_validates_and_verifies(name: str) -> None:
    agui(LOGS[name]())


def test_the_demo_run() -> None:
    events = agui(demo_log())
    assert events[0] == {
        "type": "RUN_STARTED",
        "threadId": "thread-1",
        "runId": "client-run",
        "protocolVersion": "1.0",
        "metadata": {"rxagent": {"runId": demo_log()[0].data["run_id"]}},
    }
    starts = [e for e in events if e["type"] == "TEXT_MESSAGE_START"]
    assert [e["role"] for e in starts] == ["assistant", "assistant"]
    assert [_text(events, e["messageId"]) for e in starts] == [INTRO, ANSWER]
    (call,) = [e for e in events if e["type"] == "TOOL_CALL_START"]
    assert call["toolCallId"] == "call_fetch_records"
    assert call["toolCallName"] == "fetch_records"
    assert call["parentMessageId"] == starts[0]["messageId"]
    args = "".join(e["delta"] for e in events if e["type"] == "TOOL_CALL_ARGS")
    assert json.loads(args) == {"count": 100}
    (result,) = [e for e in events if e["type"] == "TOOL_CALL_RESULT"]
    assert result["role"] == "tool"
    assert result["content"].startswith("Fetched 100 records")
    customs = [e for e in events if e["type"] == "CUSTOM"]
    assert [c["name"] for c in customs] == ["custom"] * 4
    assert [c["value"]["done"] for c in customs] == [25, 50, 75, 100]
    attribution = customs[0]["metadata"]["rxagent"]
    assert attribution["node"] == "tools"
    assert attribution["toolCallId"] == "call_fetch_records"
    assert {"taskId", "seq"} <= attribution.keys()
    steps = [(e["type"], e["stepName"]) for e in events if e["type"].startswith("STEP_")]
    assert steps == [
        ("STEP_STARTED", "model"), ("STEP_FINISHED", "model"),
        ("STEP_STARTED", "tools"), ("STEP_FINISHED", "tools"),
        ("STEP_STARTED", "model"), ("STEP_FINISHED", "model"),
    ]  # fmt: skip
    assert events[-1] == {
        "type": "RUN_FINISHED",
        "threadId": "thread-1",
        "runId": "client-run",
        "outcome": {"type": "success"},
        "usage": [
            {
                "provider": "scripted",
                "model": "scripted-demo",
                "inputTokens": 43,
                "outputTokens": 73,
                "totalTokens": 116,
            }
        ],
    }


def test_parallel_tool_calls_each_get_their_result_and_progress() -> None:
    events = agui(parallel_log())
    calls = {e["toolCallId"]: e["toolCallName"] for e in events if e["type"] == "TOOL_CALL_START"}
    assert calls == {"call_s": "search", "call_f": "fetch"}
    results = {e["toolCallId"] for e in events if e["type"] == "TOOL_CALL_RESULT"}
    assert results == {"call_s", "call_f"}
    by_call: dict[str, int] = {}
    for e in events:
        if e["type"] == "CUSTOM":
            call_id = e["metadata"]["rxagent"]["toolCallId"]
            by_call[call_id] = by_call.get(call_id, 0) + 1
    assert by_call == {"call_s": 3, "call_f": 4}


def test_a_subgraph_is_a_subagent_and_its_events_carry_its_id() -> None:
    events = agui(subgraph_log())
    (started,) = [e for e in events if e["type"] == "SUBAGENT_STARTED"]
    sid = started["subagentRunId"]
    assert started["name"] == "researcher"
    assert sid.startswith("researcher:")
    assert "parentSubagentRunId" not in started
    inside = events[events.index(started) + 1 : _types(events).index("SUBAGENT_FINISHED")]
    stamped = [e for e in inside if e["type"] not in ("SUBAGENT_STARTED", "SUBAGENT_FINISHED")]
    assert stamped
    assert all(e.get("subagentRunId") == sid for e in stamped)
    assert {e["metadata"]["rxagent"]["ns"][0] for e in stamped} == {sid}
    progress = [e for e in inside if e["type"] == "CUSTOM"]
    assert [(e["name"], e["value"]["pct"]) for e in progress] == [
        ("progress", 50),
        ("progress", 100),
    ]
    outside = events[: events.index(started)]
    status = [e for e in outside if e["type"] == "CUSTOM"]
    assert [(e["name"], "subagentRunId" in e) for e in status] == [("status", False)]
    researcher = [e for e in events if e.get("stepName") == "researcher"]
    assert [e["type"] for e in researcher] == ["STEP_STARTED", "STEP_FINISHED"]
    assert not any("subagentRunId" in e for e in researcher)


def test_a_failing_run_closes_what_is_open_then_sends_run_error() -> None:
    events = agui(failing_log())
    assert events[-1] == {
        "type": "RUN_ERROR",
        "message": "model failed",
        "code": "RuntimeError",
        "usage": events[-1]["usage"],
    }
    assert "RUN_FINISHED" not in _types(events)
    last_text = [e for e in events if e["type"] == "TEXT_MESSAGE_START"][-1]["messageId"]
    assert _text(events, last_text)  # the tokens before the failure were sent
    assert _types(events)[-2] == "STEP_FINISHED"


def test_a_subagent_open_when_the_run_fails_ends_with_subagent_error() -> None:
    ns = ("researcher:t1",)
    chunk = AIMessageChunk("partial", id="m1")
    events: list[Event] = [
        MessageEvent(data=(chunk, {}), ns=ns, node="model", task_id="t2", run_id="r"),
    ]
    log = to_entries(events, run_id="r", error=ValueError("boom"))
    out = agui(log)
    assert _types(out)[-5:] == [
        "TEXT_MESSAGE_END", "STEP_FINISHED", "SUBAGENT_ERROR", "STEP_FINISHED", "RUN_ERROR",
    ]  # fmt: skip
    assert out[-3]["subagentRunId"] == "researcher:t1"


def test_a_cancelled_log_finishes_with_the_cancelled_outcome() -> None:
    events = agui(cancelled_log())
    assert events[-1]["type"] == "RUN_FINISHED"
    assert events[-1]["outcome"] == {"type": "cancelled"}
    assert _types(events)[-2] == "STEP_FINISHED"
    assert "TOOL_CALL_RESULT" not in _types(events), "the run was cut before the tool returned"


def test_parallel_tasks_of_one_node_share_one_active_step() -> None:
    def custom(task: str) -> CustomEvent:
        return CustomEvent(data={"task": task}, node="tools", task_id=task, run_id="r", step=2)

    events = agui(to_entries([custom("t1"), custom("t2"), custom("t1")], run_id="r"))
    steps = [(e["type"], e["stepName"]) for e in events if e["type"].startswith("STEP_")]
    assert steps == [("STEP_STARTED", "tools"), ("STEP_FINISHED", "tools")]


def test_custom_names_come_from_the_payload_type() -> None:
    payloads: list[Any] = [{"type": "progress", "pct": 1}, {"type": 3}, "plain", [1, 2]]
    log = to_entries(
        [CustomEvent(data=p, node="n", task_id="t", run_id="r") for p in payloads], run_id="r"
    )
    customs = [e for e in agui(log) if e["type"] == "CUSTOM"]
    assert [(c["name"], c["value"]) for c in customs] == [
        ("progress", {"type": "progress", "pct": 1}), ("custom", {"type": 3}),
        ("custom", "plain"), ("custom", [1, 2]),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(LOGS))
def test_a_fresh_encoder_replays_the_same_frames(name: str) -> None:
    log = LOGS[name]()
    first = frames_of(AGUIEncoder(thread_id="t", run_id="r"), log)
    assert first == frames_of(AGUIEncoder(thread_id="t", run_id="r"), log)


def test_the_encoder_reads_the_modes_it_maps() -> None:
    encoder = AGUIEncoder(thread_id="t", run_id="r")
    assert encoder.modes == {"messages", "updates", "custom", "tools", "tasks"}
    assert dict(encoder.headers) == {}


def test_the_checker_catches_what_the_client_rejects() -> None:
    start = {"type": "RUN_STARTED", "threadId": "t", "runId": "r"}
    finished = {"type": "RUN_FINISHED", "threadId": "t", "runId": "r"}
    text = {"type": "TEXT_MESSAGE_START", "messageId": "m"}
    bad: list[list[dict[str, Any]]] = [
        [text, finished],
        [start, {"type": "TEXT_MESSAGE_CONTENT", "messageId": "m", "delta": "x"}, finished],
        [start, text, text, finished],
        [start, text, finished],
        [
            start,
            {"type": "STEP_STARTED", "stepName": "a"},
            {"type": "STEP_STARTED", "stepName": "a"},
        ],
        [start, finished, {"type": "CUSTOM", "name": "x", "value": 1}],
        [start, {**text, "subagentRunId": None}],
        [start, {"type": "SUBAGENT_FINISHED", "subagentRunId": "s"}],
        [start, {"type": "TEXT_MESSAGE_START", "messageId": "m", "bogus": 1}, finished],
        [start],
    ]
    for events in bad:
        with pytest.raises(AGUIViolation):
            check_agui(events)
    check_agui([start, text, {"type": "TEXT_MESSAGE_END", "messageId": "m"}, finished])
    verifier = Verifier()
    verifier.feed(start)
    verifier.feed({**text, "subagentRunId": "s1"})
    with pytest.raises(AGUIViolation, match=r"tag .s2."):
        verifier.feed(
            {"type": "TEXT_MESSAGE_CONTENT", "messageId": "m", "delta": "x", "subagentRunId": "s2"}
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(realistic_events())
def test_reshaped_real_streams_still_validate_and_verify(
    case: tuple[str, list[Event], BaseException | None],
) -> None:
    agui(log_of(*case))
