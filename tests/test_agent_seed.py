"""The seed scenario: LangChain's streaming pages, reproduced event for event."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rxagent import CustomEvent, to_iter
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator, ToolMessage
from tests.support import FACES, PROGRESS, SEED_INPUT, normalize, seed_agent


def test_updates_mode_gives_exactly_three_steps() -> None:
    chunks = list(seed_agent().stream(SEED_INPUT, stream_mode="updates"))
    assert [next(iter(chunk)) for chunk in chunks] == ["model", "tools", "model"]
    first = chunks[0]["model"]["messages"][0]
    assert isinstance(first, AIMessage)
    assert first.tool_calls[0]["name"] == "get_weather"
    assert first.tool_calls[0]["args"] == {"city": "Paris"}
    tool_message = chunks[1]["tools"]["messages"][0]
    assert isinstance(tool_message, ToolMessage)
    assert (tool_message.content, tool_message.tool_call_id) == ("Sunny in Paris", "call_1")
    assert chunks[2]["model"]["messages"][0].text == "It is sunny in Paris."


def test_message_tokens_join_to_the_following_update() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode=["messages", "updates"]))
    pending = ChunkAccumulator()
    checked = 0
    for mode, chunk in items:
        if mode == "messages" and isinstance(chunk[0], AIMessageChunk):
            pending.add(chunk[0])
        elif mode == "updates" and "model" in chunk:
            message = chunk["model"]["messages"][0]
            joined = pending.to_message()
            assert joined.text == message.text
            assert joined.tool_calls == message.tool_calls
            assert joined.id == message.id
            pending = ChunkAccumulator()
            checked += 1
    assert checked == 2


def test_messages_mode_shapes_and_metadata() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode="messages"))
    tokens = [(m, md) for m, md in items if isinstance(m, AIMessageChunk)]
    wholes = [m for m, _ in items if not isinstance(m, AIMessageChunk)]
    assert [type(m) for m in wholes] == [ToolMessage], "only the ToolMessage is re-emitted whole"
    assert "".join(m.text for m, _ in tokens) == "Let me check.It is sunny in Paris."
    _message, metadata = tokens[0]
    assert metadata["langgraph_node"] == "model"
    assert metadata["langgraph_step"] == 1
    assert metadata["langgraph_triggers"] == ("branch:to:model",)
    assert metadata["langgraph_checkpoint_ns"].startswith("model:")
    assert tokens[-1][0].chunk_position == "last"
    assert len({m.id for m, md in tokens if md["langgraph_step"] == 1}) == 1
    tool_md = next(md for m, md in items if isinstance(m, ToolMessage))
    assert tool_md["langgraph_node"] == "tools"
    assert tool_md["langgraph_triggers"] == ("__pregel_push",)


def test_custom_events_in_order_with_provenance() -> None:
    agent = seed_agent()
    assert list(agent.stream(SEED_INPUT, stream_mode="custom")) == PROGRESS
    events = [e for e in to_iter(agent.observe(SEED_INPUT)) if isinstance(e, CustomEvent)]
    assert [e.data for e in events] == PROGRESS
    assert {(e.node, e.tool_call_id) for e in events} == {("tools", "call_1")}
    assert len({e.task_id for e in events}) == 1
    assert all(e.task_id for e in events)


def test_three_modes_in_langgraph_order() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode=["updates", "messages", "custom"]))
    kinds = [
        (mode, type(chunk[0]).__name__ if mode == "messages" else next(iter(chunk), None))
        if mode != "custom"
        else (mode, chunk["progress"])
        for mode, chunk in items
    ]
    expected = (
        [("messages", "AIMessageChunk")] * 6
        + [("updates", "model")]
        + [("custom", p["progress"]) for p in PROGRESS]
        + [("messages", "ToolMessage"), ("updates", "tools")]
        + [("messages", "AIMessageChunk")] * 6
        + [("updates", "model")]
    )
    assert kinds == expected


@pytest.mark.parametrize(
    ("stream_mode", "check"),
    [
        ("custom", lambda item: isinstance(item, dict)),
        (["custom"], lambda item: item[0] == "custom" and isinstance(item[1], dict)),
        (("custom",), lambda item: item[0] == "custom"),
    ],
    ids=["str", "list", "tuple-keeps-mode"],
)
def test_output_shapes(stream_mode: Any, check: Any) -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode=stream_mode))
    assert len(items) == 3
    assert all(check(item) for item in items)


def test_version_v2_dicts() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode=["custom", "updates"], version="v2"))
    assert all(set(item) == {"type", "ns", "data"} for item in items)
    assert [item["type"] for item in items] == [
        "updates",
        "custom",
        "custom",
        "custom",
        "updates",
        "updates",
    ]
    assert all(item["ns"] == () for item in items)


def test_subgraphs_flag_adds_namespace() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode="custom", subgraphs=True))
    assert items == [((), payload) for payload in PROGRESS]
    multi = list(seed_agent().stream(SEED_INPUT, stream_mode=["custom"], subgraphs=True))
    assert multi == [((), "custom", payload) for payload in PROGRESS]


def test_astream_matches_stream() -> None:
    async def collect() -> list[Any]:
        return [
            item
            async for item in seed_agent().astream(SEED_INPUT, stream_mode=["updates", "custom"])
        ]

    sync = list(seed_agent().stream(SEED_INPUT, stream_mode=["updates", "custom"]))
    got = asyncio.run(collect())
    assert [m for m, _ in got] == [m for m, _ in sync]
    assert [c for m, c in got if m == "custom"] == PROGRESS


@pytest.mark.parametrize("face", sorted(FACES))
def test_every_face_gives_the_same_events(face: str) -> None:
    modes = ["updates", "messages", "custom", "values", "tasks", "tools"]
    reference = [normalize(e) for e in FACES["iterator"](seed_agent(), SEED_INPUT, modes)]  # type: ignore[arg-type]
    got = [normalize(e) for e in FACES[face](seed_agent(), SEED_INPUT, modes)]  # type: ignore[arg-type]
    assert got == reference
    assert len(got) > 20


def test_invoke_and_ainvoke_return_final_state() -> None:
    state = seed_agent().invoke(SEED_INPUT)
    assert [m.type for m in state["messages"]] == ["human", "ai", "tool", "ai"]
    astate = asyncio.run(seed_agent().ainvoke(SEED_INPUT))
    assert [m.text for m in astate["messages"]] == [m.text for m in state["messages"]]


def test_seq_strictly_increases_and_run_id_is_shared() -> None:
    events = list(to_iter(seed_agent().observe(SEED_INPUT)))
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))
    assert len({e.run_id for e in events}) == 1


def test_tools_mode_lifecycle() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode="tools"))
    assert [i["event"] for i in items] == ["tool-started", "tool-finished"]
    assert items[0] == {
        "event": "tool-started",
        "tool_call_id": "call_1",
        "tool_name": "get_weather",
        "input": {"city": "Paris"},
    }
    assert isinstance(items[1]["output"], ToolMessage)


def test_values_mode_once_per_step() -> None:
    items = list(seed_agent().stream(SEED_INPUT, stream_mode="values"))
    assert [len(state["messages"]) for state in items] == [1, 2, 3, 4]
