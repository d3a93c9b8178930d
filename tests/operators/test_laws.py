"""Laws across operators, and virtual-time examples of the selection operators."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent import operators as ops
from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent
from rxagent.messages import AIMessageChunk
from rxagent.operators import Operator, source_of
from tests.marbles import recorded, values
from tests.strategies import streams

on_next, on_completed = ReactiveTest.on_next, ReactiveTest.on_completed


def _run(stream: list[tuple[int, Any]], *operators: Operator) -> list[tuple[float, str, Any]]:
    scheduler = TestScheduler()
    end = max((tick for tick, _ in stream), default=200) + 1
    source = scheduler.create_hot_observable(
        *[on_next(tick, event) for tick, event in stream], on_completed(end)
    )
    return recorded(scheduler.start(lambda: source.pipe(*operators), disposed=10**9))


def _final_messages(out: list[tuple[float, str, Any]]) -> dict[Any, tuple[Any, ...]]:
    last: dict[Any, tuple[Any, ...]] = {}
    for _, kind, event in out:
        if kind == "N" and isinstance(event, MessageEvent):
            chunk = event.data[0]
            if isinstance(chunk, AIMessageChunk):
                args = [(c.get("index"), c.get("args")) for c in chunk.tool_call_chunks]
                last[(source_of(event), chunk.id)] = (chunk.text, args, chunk.tool_calls)
    # a message made only of empty chunks has nothing to show: buffer_tokens drops it
    return {key: final for key, final in last.items() if final != ("", [], [])}


@given(
    streams(),
    st.none() | st.integers(1, 12),
    st.none() | st.integers(1, 30),
    st.none() | st.sampled_from(["word", "sentence", "line"]),
)
def test_law_buffer_tokens_then_accumulate_equals_accumulate_alone(
    stream: list[tuple[int, Event]],
    max_chars: int | None,
    max_delay: int | None,
    boundary: Any,
) -> None:
    buffered = _run(
        stream,
        ops.buffer_tokens(max_chars=max_chars, max_delay=max_delay, boundary=boundary),
        ops.accumulate_messages(),
    )
    alone = _run(stream, ops.accumulate_messages())
    assert _final_messages(buffered) == _final_messages(alone)


def _token(text: str, message: str = "m1", node: str = "model", **fields: Any) -> MessageEvent:
    metadata = {"langgraph_node": node, **fields.pop("metadata", {})}
    return MessageEvent(
        data=(AIMessageChunk(content=text, id=message), metadata),
        node=node,
        task_id=node,
        **fields,
    )


def test_selection_in_virtual_time() -> None:
    a, b = _token("a"), _token("b", node="other", ns=("agent:1",))
    progress = CustomEvent(data={"p": 1}, node="tools", task_id="t")
    tagged = _token("x", metadata={"tags": ["internal"]})
    update = UpdateEvent(data={"model": None}, node="model", task_id="model")
    stream = [(210, a), (220, progress), (230, b), (240, tagged), (250, update)]
    assert [(t, v) for t, k, v in _run(stream, ops.filter_mode("custom")) if k == "N"] == [
        (220, progress)
    ]
    assert [t for t, k, _ in _run(stream, ops.filter_node("model")) if k == "N"] == [210, 240, 250]
    assert [t for t, k, _ in _run(stream, ops.filter_ns("agent")) if k == "N"] == [230]
    kept = _run(stream, ops.exclude_tags("internal"))
    assert [t for t, k, _ in kept if k == "N"] == [210, 220, 230, 250]
    assert kept[-1][:2] == (251, "C")


def test_final_answer_in_virtual_time() -> None:
    call = AIMessageChunk(
        content="", id="m1", tool_call_chunks=[{"name": "t", "args": "{}", "id": "c", "index": 0}]
    )
    stream: list[tuple[int, Event]] = [
        (210, _token("Let me check.")),
        (220, MessageEvent(data=(call, {}), node="model", task_id="model")),
        (230, UpdateEvent(data={"model": None}, node="model", task_id="model")),
        (240, _token("It", message="m2")),
        (250, _token(" is sunny.", message="m2")),
        (260, UpdateEvent(data={"model": None}, node="model", task_id="model")),
    ]
    held = [(t, v.data[0].text) for t, k, v in _run(stream, ops.final_answer()) if k == "N"]
    assert held == [(260, "It"), (260, " is sunny.")], "released at the call's update"
    eager = [
        (t, v.data[0].text) for t, k, v in _run(stream, ops.final_answer(eager=True)) if k == "N"
    ]
    assert eager == [(210, "Let me check."), (240, "It"), (250, " is sunny.")]


def test_merge_in_virtual_time() -> None:
    scheduler = TestScheduler()
    left = scheduler.create_hot_observable(on_next(210, _token("a")), on_completed(300))
    right = scheduler.create_hot_observable(on_next(220, _token("b")), on_completed(250))
    out = scheduler.start(lambda: ops.merge(left, named=right))
    assert [(e.ns, e.data[0].text) for e in values(out)] == [((), "a"), (("named",), "b")]
    assert recorded(out)[-1][:2] == (300, "C")
