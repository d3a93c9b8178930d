"""Capture one run in each wire format from `rxagent serve`'s app (docs/wire-formats.md).

The same scripted run (one tool call with progress, then the answer) is requested from
the LangGraph route, the AI SDK route and the AG-UI route, and the raw SSE text is printed
with the values that change from run to run (ids, timestamps) replaced by stable ones.
`python docs/examples/wire_formats.py --write` rewrites `docs/examples/wire/*.txt`, which
the docs show; a test checks that they still match what the server sends.
"""

import re
import sys
import uuid
from pathlib import Path

import httpx

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.integrations.web import create_app, serve_in_thread
from rxagent.messages import AIMessage

OUT = Path(__file__).parent / "wire"


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    writer = get_stream_writer()
    writer({"done": 1, "total": 2})
    writer({"done": 2, "total": 2})
    return f"Sunny in {city}"


def agent() -> object:
    call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
    script = [AIMessage("Let me check.", tool_calls=[call]), AIMessage("It is sunny.")]
    return create_agent(model=ScriptedModel(script), tools=[get_weather])


QUESTION = "Weather in Paris?"
REQUESTS = {
    "langgraph": (
        "/runs/stream",
        {
            "assistant_id": "agent",
            "input": {"messages": [{"role": "user", "content": QUESTION}]},
            "stream_mode": ["updates", "messages-tuple", "custom"],
        },
    ),
    "ai-sdk": (
        "/api/chat",
        {
            "id": "chat-1",
            "messages": [
                {"id": "m1", "role": "user", "parts": [{"type": "text", "text": QUESTION}]}
            ],
            "trigger": "submit-message",
        },
    ),
    "ag-ui": (
        "/ag-ui",
        {
            "threadId": "thread-1",
            "runId": "run-1",
            "messages": [{"id": "m1", "role": "user", "content": QUESTION}],
            "state": {},
            "tools": [],
            "context": [],
            "forwardedProps": {},
        },
    ),
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ID_LINE = re.compile(r"^id: (\d+)-(\d+)((?:\.\d+)?)$", re.MULTILINE)
_TIMESTAMP = re.compile(r'"timestamp":\d+')


def stable(text: str) -> str:
    """``text`` with uuids numbered in order of appearance, and the log's entry ids as if
    every entry had been appended within one millisecond (their order, and the ``.n`` of an
    entry's later frames, are kept)."""
    names: dict[str, str] = {}
    text = _UUID.sub(lambda m: names.setdefault(m.group(), f"uuid-{len(names) + 1}"), text)
    entries: dict[tuple[str, str], int] = {}

    def entry_id(match: re.Match[str]) -> str:
        seq = entries.setdefault((match.group(1), match.group(2)), len(entries))
        return f"id: 1764000000000-{seq}{match.group(3)}"

    return _TIMESTAMP.sub('"timestamp":0', _ID_LINE.sub(entry_id, text))


def capture() -> dict[str, str]:
    """The SSE text of the run in each format."""
    texts: dict[str, str] = {}
    with serve_in_thread(create_app({"agent": agent()})) as url:
        for name, (path, body) in REQUESTS.items():
            response = httpx.post(url + path, json=body, timeout=30)
            texts[name] = stable(response.text.replace("\r\n", "\n"))
    return texts


if __name__ == "__main__":
    assert uuid  # the ids the server makes are uuid4s: `stable` numbers them
    captured = capture()
    for name, text in captured.items():
        if "--write" in sys.argv:
            OUT.mkdir(exist_ok=True)
            (OUT / f"{name}.txt").write_text(text)
        print(f"== {name}: {text.count(chr(10) * 2)} frames")
