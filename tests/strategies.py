"""Shared hypothesis strategies: interleaved multi-source event streams with random ticks.

A *stream* is a list of ``(tick, event)`` pairs in emission order: several sources
(``run_id, ns, node, task_id``), each emitting token chunks of one or more messages (text
and tool-call chunks, sometimes a closing ``chunk_position="last"``), custom progress
events with a key, whole messages and an update, interleaved at random, at strictly
increasing virtual times (ticks > 200, after ``TestScheduler``'s subscription, and below
1,000, before its default disposal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent, ValuesEvent
from rxagent.messages import AIMessageChunk, ToolMessage

TEXT = st.text(alphabet="ab .!?\n", min_size=0, max_size=6)
"""Token texts: letters, spaces, sentence ends and newlines, sometimes empty."""


@dataclass(frozen=True)
class Source:
    """Where events come from."""

    run_id: str
    ns: tuple[str, ...]
    node: str
    task_id: str

    def fields(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "ns": self.ns, "node": self.node, "task_id": self.task_id}


SOURCES = [
    Source("r1", (), "model", "t1"),
    Source("r1", (), "tools", "t2"),
    Source("r1", ("agent:x",), "model", "t3"),
    Source("r2", (), "model", "t4"),
]


@st.composite
def _token_chunks(draw: st.DrawFn, message_id: str) -> list[AIMessageChunk]:
    texts = draw(st.lists(TEXT, min_size=1, max_size=12))
    chunks = [AIMessageChunk(content=t, id=message_id) for t in texts]
    if draw(st.booleans()):
        head = draw(st.sampled_from(['{"q": ', '{"city": "Pa']))
        tail = draw(st.sampled_from(['"x"}', 'ris"}']))
        chunks.append(
            AIMessageChunk(
                content="",
                id=message_id,
                tool_call_chunks=[{"name": "t", "args": head, "id": "c1", "index": 0}],
            )
        )
        chunks.append(
            AIMessageChunk(
                content="",
                id=message_id,
                tool_call_chunks=[{"name": None, "args": tail, "id": None, "index": 0}],
            )
        )
    if draw(st.booleans()):
        chunks.append(AIMessageChunk(content="", id=message_id, chunk_position="last"))
    return chunks


@st.composite
def _source_script(draw: st.DrawFn, source: Source, index: int) -> list[tuple[str, Any]]:
    """What one source emits, in order: ("token", chunk) | ("custom", payload) | ..."""
    items: list[tuple[str, Any]] = []
    for m in range(draw(st.integers(0, 2))):
        for chunk in draw(_token_chunks(f"{source.task_id}-m{m}")):
            items.append(("token", chunk))
        if draw(st.booleans()):
            items.insert(draw(st.integers(0, len(items))), ("custom", None))
    for _ in range(draw(st.integers(0, 5))):
        items.insert(draw(st.integers(0, len(items))), ("custom", None))
    if draw(st.booleans()):
        items.append(
            (
                "message",
                ToolMessage(content="result", tool_call_id="c1", id=f"{source.task_id}-tool"),
            )
        )
    if draw(st.booleans()):
        items.append(("update", {source.node: {"done": index}}))
    counter = 0
    numbered: list[tuple[str, Any]] = []
    for kind, payload in items:
        if kind == "custom":
            key = draw(st.sampled_from(["a", "b"]))
            payload = {"key": key, "n": counter, "source": source.task_id}
            counter += 1
        numbered.append((kind, payload))
    return numbered


def _event(kind: str, payload: Any, source: Source, seq: int) -> Event:
    fields = {**source.fields(), "seq": seq}
    if kind == "token":
        return MessageEvent(data=(payload, {"langgraph_node": source.node}), **fields)
    if kind == "message":
        return MessageEvent(data=(payload, {"langgraph_node": source.node}), **fields)
    if kind == "custom":
        return CustomEvent(data=payload, **fields)
    if kind == "values":
        return ValuesEvent(data=payload, **fields)
    return UpdateEvent(data=payload, **fields)


@st.composite
def streams(draw: st.DrawFn, max_sources: int = 3) -> list[tuple[int, Event]]:
    """An interleaved multi-source stream of ``(tick, event)`` with strictly rising ticks."""
    count = draw(st.integers(1, max_sources))
    sources = draw(st.permutations(SOURCES))[:count]
    scripts = [draw(_source_script(source, i)) for i, source in enumerate(sources)]
    cursors = [0] * count
    out: list[tuple[int, Event]] = []
    tick = 200
    while any(cursors[i] < len(scripts[i]) for i in range(count)):
        live = [i for i in range(count) if cursors[i] < len(scripts[i])]
        i = draw(st.sampled_from(live))
        kind, payload = scripts[i][cursors[i]]
        cursors[i] += 1
        tick += draw(st.integers(1, 6))
        out.append((tick, _event(kind, payload, sources[i], len(out) + 1)))
    return out


def events_of(stream: list[tuple[int, Event]]) -> list[Event]:
    """The events of a stream, without their ticks."""
    return [event for _, event in stream]
