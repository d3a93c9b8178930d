"""The official JS client (``Client`` of ``@langchain/langgraph-sdk``, under node) against
``rxagent serve``'s app on real uvicorn: what it hands to user code is what the Python client
and ``agent.stream(...)`` give.

``tests/js/langgraph_sdk_client.mjs`` runs one scenario per test and prints every part and
every value the client returns as a JSON line; these tests read them. They skip when node or
``tests/js/node_modules/@langchain/langgraph-sdk`` is missing (``make`` runs ``npm ci
--prefix tests/js``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from tests.integrations.web.server.support import QUESTION, Gate
from tests.integrations.web.server.test_langgraph_sdk import expected_parts, normalize

JS = Path(__file__).resolve().parents[3] / "js"
SCRIPT = JS / "langgraph_sdk_client.mjs"
SDK = JS / "node_modules" / "@langchain" / "langgraph-sdk"
TIMEOUT = 60.0
"""Seconds a scenario may take before the test kills node (each takes well under one)."""

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not SDK.is_dir(),
    reason="the JS SDK check needs node and `npm ci --prefix tests/js` (@langchain/langgraph-sdk)",
)

Steps = dict[str, list[dict[str, Any]]]


def node_client(url: str, scenario: str, gate: Gate | None = None) -> Steps:
    """Run a scenario of the JS client; its output lines grouped by step, in order.

    A ``wait`` line asks the test to release ``gate``; the script goes on when it reads ``go``.
    """
    process = subprocess.Popen(
        ["node", str(SCRIPT), url, scenario, json.dumps(QUESTION)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    watchdog = threading.Timer(TIMEOUT, process.kill)
    watchdog.start()
    steps: Steps = defaultdict(list)
    try:
        for line in process.stdout:
            item = json.loads(line)
            if item["step"] == "wait":
                assert gate is not None
                assert item["value"] == "gate"
                gate.release()
                process.stdin.write("go\n")
                process.stdin.flush()
                continue
            steps[item.pop("step")].append(item)
        _, errors = process.communicate()
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode == 0, f"node failed ({process.returncode}):\n{errors}"
    return dict(steps)


def value(steps: Steps, step: str) -> Any:
    (item,) = steps[step]
    return item["value"]


def data_parts(parts: list[dict[str, Any]]) -> list[Any]:
    """``[event, data]`` of the parts after ``metadata``, ids normalized."""
    return [
        [normalize(part["event"]), normalize(part["data"])]
        for part in parts
        if part["event"] != "metadata"
    ]


def keys(parts: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    return [(part["id"], part["event"], part["data"]) for part in parts]


MODES = ["updates", "messages-tuple", "custom", "values"]


def test_each_mode_streams_what_agent_stream_gives(url: str) -> None:
    steps = node_client(url, "modes")
    for mode in MODES:
        parts = steps[f"stream:{mode}"]
        assert parts[0]["event"] == "metadata"
        assert set(parts[0]["data"]) == {"run_id", "attempt"}
        assert data_parts(parts) == expected_parts(mode), mode
        assert all(part["id"] for part in parts)  # every part can be resumed from
    together = steps["stream:all"]
    assert data_parts(together) == expected_parts(MODES)
    assert len({part["id"] for part in together}) == len(together)


def test_a_stateless_run(url: str) -> None:
    parts = node_client(url, "stateless")["stream"]
    assert parts[0]["event"] == "metadata"
    assert data_parts(parts) == expected_parts("updates")


def test_join_from_minus_one_replays_the_whole_run_as_the_python_client_sees_it(
    url: str,
) -> None:
    steps = node_client(url, "replay")
    streamed = steps["stream"]
    run_id = streamed[0]["data"]["run_id"]
    created = value(steps, "created")  # read from the Content-Location header
    assert created["run_id"] == run_id
    assert data_parts(streamed) == expected_parts(["updates", "messages-tuple", "custom"])
    # "-1", what useStream sends on purpose to rejoin, replays every part, metadata included
    assert keys(steps["replay"]) == keys(streamed)
    assert keys(steps["rejoin"]) == keys(streamed)  # the run's own modes by default
    assert steps.get("tail", []) == []  # no Last-Event-ID: only what comes next; it is over
    with get_sync_client(url=url, api_key=None) as client:
        python = list(
            client.runs.join_stream(
                created["thread_id"],
                run_id,
                stream_mode=["updates", "messages-tuple", "custom"],
                last_event_id="-1",
            )
        )
    assert [(part.id, part.event, part.data) for part in python] == keys(streamed)


def test_join_mid_run_gets_exactly_the_rest(url: str, gate: Gate) -> None:
    steps = node_client(url, "join", gate)
    seen, missing, everything = steps["seen"], steps["missing"], steps["everything"]
    cut = len(seen) // 2
    assert seen[-1]["data"]["progress"] == "waiting"
    assert keys(everything[: len(seen)]) == keys(seen)
    assert keys(missing) == keys(everything[cut:])
    # the join was served before the gate opened, and followed the run to its end
    assert {"progress": "released", "done": 1, "total": 1} in [p["data"] for p in missing]
    assert everything[-1]["event"] == "updates"
    gated = data_parts(everything)
    assert [event for event, _ in gated].count("custom") == 2


def test_cancel_a_waiting_run(url: str) -> None:
    steps = node_client(url, "cancel")
    assert steps["seen"][-1]["data"]["progress"] == "waiting"
    assert steps.get("rest", []) == []  # the stream closed, without an error part
    assert value(steps, "run")["status"] == "interrupted"
    assert value(steps, "thread")["status"] == "idle"


def test_a_failing_run_yields_an_error_part(url: str) -> None:
    parts = node_client(url, "error")["stream"]
    assert parts[-1]["event"] == "error"
    assert parts[-1]["data"] == {"error": "RuntimeError", "message": "boom"}
    with get_sync_client(url=url, api_key=None) as client:
        python = list(client.runs.stream(None, "failing", input=QUESTION, stream_mode="values"))
    assert data_parts(parts) == [
        [normalize(part.event), normalize(part.data)] for part in python if part.event != "metadata"
    ]


def test_thread_state_and_history_as_use_stream_reads_them(url: str) -> None:
    steps = node_client(url, "state")
    thread_id = value(steps, "thread")
    empty = value(steps, "state:empty")
    assert empty["values"] == {}
    assert empty["checkpoint"] is None  # useStream (getState path): no state to show yet
    assert value(steps, "history:empty") == []
    # the demo agent has two scripted replies: the second run on the thread fails after its
    # first values part, which the thread keeps as its state
    assert [p["event"] for p in steps["stream:2"]] == ["metadata", "values", "error"]
    ids = []
    for round in ("1", "2"):
        state = value(steps, f"state:{round}")
        final = [part for part in steps[f"stream:{round}"] if part["event"] == "values"][-1]
        assert state["values"] == final["data"]  # the thread's state: its last run's values
        assert [state[key] for key in ("next", "tasks", "interrupts")] == [[], [], []]
        assert state["parent_checkpoint"] is None
        checkpoint = state["checkpoint"]
        assert checkpoint["thread_id"] == thread_id
        assert checkpoint["checkpoint_ns"] == ""
        ids.append(checkpoint["checkpoint_id"])
        assert value(steps, f"history:{round}") == [state]
    assert len(set(ids)) == 2  # a run that changes the values makes a new checkpoint id
    messages = value(steps, "state:2")["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai", "human"]
    # the Python client reads the same state, with the same checkpoint id
    with get_sync_client(url=url, api_key=None) as client:
        assert client.threads.get_state(thread_id) == value(steps, "state:2")
        assert client.threads.get_history(thread_id) == value(steps, "history:2")
