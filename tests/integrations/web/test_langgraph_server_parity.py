"""rxagent's LangGraph-format frames beside the real LangGraph server's, on the same graphs.

``captures/langgraph_api/`` holds what ``langgraph dev`` (langgraph-api 0.16.7) sent for the
graphs of ``captures/langgraph_api/graphs.py``. Here the same graphs run in process through
``from_langgraph``, their events go through a run log into ``LangGraphEncoder``, and the
frames are compared with the captured ones: the same ``event:`` names in the same order,
and the same ``data`` once the values that differ between any two runs are normalised
(message and run ids, the task ids in namespaces and ``checkpoint_ns``) and the metadata
keys only a deployed server adds are dropped (``graph_id``, ``assistant_id``,
``langgraph_api_url``, ...).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rxagent.bridges import to_iter
from rxagent.events import Event
from rxagent.integrations.langgraph import from_langgraph
from rxagent.integrations.web._entries import Frame
from rxagent.integrations.web._langgraph_sse import LangGraphEncoder
from tests.integrations.web.captures.langgraph_api import graphs
from tests.integrations.web.logs import to_entries

CAPTURES = Path(__file__).parent / "captures" / "langgraph_api"
INPUT = {"messages": [{"role": "user", "content": "Summarise 3 records"}]}

SERVER_ONLY_METADATA = frozenset(
    {
        "created_by",
        "graph_id",
        "assistant_id",
        "run_attempt",
        "langgraph_version",
        "langgraph_api_version",
        "langgraph_plan",
        "langgraph_host",
        "langgraph_api_url",
        "thread_id",
        "run_id",
        "lc_versions",
        "ls_integration",
    }
)
"""Keys the deployed server puts into every run's config metadata (so into token metadata)."""

_UUIDISH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-\d+)?")

CASES = {
    # capture: (graph, stream_mode, subgraphs)
    "updates": ("graph", ["updates"], False),
    "tuple": ("graph", ["messages-tuple"], False),
    "messages": ("graph", ["messages"], False),
    "custom": ("graph", ["custom"], False),
    "values": ("graph", ["values"], False),
    "tasks": ("graph", ["tasks"], False),
    "multi": ("graph", ["updates", "messages-tuple", "custom"], False),
    "msgboth": ("graph", ["messages", "messages-tuple"], False),
    "error": ("failing", ["updates", "values"], False),
    "subgraphs": ("parent", ["updates", "custom"], True),
    "nosub": ("parent", ["updates", "custom"], False),
}


def read_capture(name: str) -> list[Frame]:
    """The frames of a captured SSE body (``id:`` lines dropped: the server sends them only
    for resumable runs)."""
    frames: list[Frame] = []
    for block in (CAPTURES / f"{name}.sse").read_text().replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            frames.append(Frame(data=fields["data"], event=fields["event"]))
    return frames


def rxagent_frames(graph_name: str, modes: list[str], subgraphs: bool) -> list[Frame]:
    """The frames rxagent makes of the same graph and input."""
    graph = getattr(graphs, graph_name)
    encoder = LangGraphEncoder(modes, subgraphs=subgraphs)
    events: list[Event] = []
    error: Exception | None = None
    source = from_langgraph(graph, INPUT, stream_mode=sorted(encoder.modes), subgraphs=subgraphs)
    try:
        events.extend(to_iter(source))
    except Exception as raised:
        error = raised
    frames: list[Frame] = []
    for entry in to_entries(events, run_id="run", error=error):
        frames.extend(encoder.encode(entry))
    return frames


def normalised(frame: Frame) -> tuple[str, Any]:
    """A frame with what differs between any two runs replaced by placeholders."""
    event = _UUIDISH.sub("<id>", frame.event or "")
    data = _strip(json.loads(frame.data))
    return event, json.loads(_UUIDISH.sub("<id>", json.dumps(data)))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items() if key not in SERVER_ONLY_METADATA}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


@pytest.mark.parametrize("capture", sorted(CASES))
def test_frames_equal_the_servers(capture: str) -> None:
    graph_name, modes, subgraphs = CASES[capture]
    theirs = [normalised(frame) for frame in read_capture(capture)]
    ours = [normalised(frame) for frame in rxagent_frames(graph_name, modes, subgraphs)]
    first = rxagent_frames(graph_name, modes, subgraphs)[0]
    assert (first.event, json.loads(first.data)) == ("metadata", {"run_id": "run", "attempt": 1})
    assert [name for name, _ in ours] == [name for name, _ in theirs]
    assert ours[1:] == theirs[1:]


def test_the_server_rejects_the_tools_mode_and_rxagent_serves_it() -> None:
    """LangGraph 1.2 streams ``tools``, its server's schema refuses it (the capture): rxagent
    serves it, a documented extension."""
    rejected = json.loads((CAPTURES / "tools-rejected.json").read_text())
    assert "tools" in rejected["detail"]
    frames = rxagent_frames("graph", ["tools"], False)
    assert [frame.event for frame in frames[1:]] == ["tools"] * len(frames[1:])
    assert [json.loads(frame.data)["event"] for frame in frames[1:]] == [
        "tool-started",
        "tool-finished",
    ]
