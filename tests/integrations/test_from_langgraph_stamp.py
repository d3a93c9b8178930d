"""The stamper of ``from_langgraph`` on hand-written LangGraph parts: what it attributes,
and where it refuses to guess."""

from __future__ import annotations

from typing import Any

from rxagent._types import STREAM_MODES, StreamMode
from rxagent.events import Event
from rxagent.integrations._langgraph_stamp import Stamper

Part = tuple[tuple[str, ...], str, Any]


def start(task_id: str, name: str, step: int, input: Any = None) -> Part:
    payload = {"id": task_id, "name": name, "input": input, "triggers": ()}
    return ((), "debug", {"step": step, "type": "task", "payload": payload})


def result(task_id: str, name: str, step: int, ns: tuple[str, ...] = ()) -> Part:
    payload: dict[str, Any] = {"id": task_id, "name": name, "error": None, "result": {}}
    return (ns, "debug", {"step": step, "type": "task_result", "payload": payload})


def tool(event: str, call_id: str) -> Part:
    return ((), "tools", {"event": event, "tool_call_id": call_id})


def stamp(parts: list[Part], modes: tuple[StreamMode, ...] = STREAM_MODES) -> list[Event]:
    stamper = Stamper("run", frozenset(modes))
    events: list[Event] = []
    for ns, mode, payload in parts:
        stamper.feed(ns, mode, payload, events.append)
    stamper.flush(events.append)
    return events


def fields(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(e.mode, e.node, e.task_id, e.tool_call_id, e.step) for e in events]


def call(call_id: str) -> list[dict[str, Any]]:
    return [{"name": "f", "args": {}, "id": call_id, "type": "tool_call"}]


def test_an_update_of_parallel_tasks_takes_the_task_whose_result_follows_it() -> None:
    events = stamp(
        [
            start("t1", "tools", 2),
            start("t2", "tools", 2),
            ((), "updates", {"tools": {"n": 2}}),  # ambiguous: held for one part
            result("t2", "tools", 2),
            ((), "updates", {"tools": {"n": 1}}),  # only t1 runs now
            result("t1", "tools", 2),
        ],
        ("updates",),
    )
    assert fields(events) == [
        ("updates", "tools", "t2", None, 2),
        ("updates", "tools", "t1", None, 2),
    ]


def test_a_held_update_is_never_reordered_nor_guessed() -> None:
    events = stamp(
        [
            start("t1", "tools", 2),
            start("t2", "tools", 2),
            ((), "updates", {"tools": {"n": 1}}),
            ((), "custom", "from a thread"),  # not its result: the update goes unattributed
            ((), "updates", {"tools": {"n": 2}}),  # held until the end of the stream
        ],
        ("updates", "custom"),
    )
    assert fields(events) == [
        ("updates", "tools", None, None, 2),
        ("custom", None, None, None, 2),
        ("updates", "tools", None, None, 2),
    ]
    assert [event.seq for event in events] == [1, 2, 3]


def test_a_cached_update_has_no_task() -> None:
    events = stamp([start("t1", "a", 1), ((), "updates", {"a": 1, "__metadata__": {}})])
    assert fields(events)[-1] == ("updates", "a", None, None, 1)


def test_an_interrupt_is_the_update_of_the_interrupted_task() -> None:
    events = stamp([start("t1", "ask", 1), ((), "updates", {"__interrupt__": ()})])
    assert fields(events)[-1] == ("updates", "ask", "t1", None, 1)


def test_custom_events_are_attributed_only_when_one_task_runs() -> None:
    events = stamp(
        [
            start("t1", "tools", 2, call("c1")),
            start("t2", "tools", 2, call("c2")),
            tool("tool-started", "c1"),
            tool("tool-started", "c2"),
            ((), "custom", "both run"),
            tool("tool-finished", "c1"),
            result("t1", "tools", 2),
            ((), "custom", "only t2 runs"),
        ],
        ("custom", "tools"),
    )
    assert fields(events) == [
        ("tools", "tools", "t1", "c1", 2),  # its task is the one whose input is the call
        ("tools", "tools", "t2", "c2", 2),
        ("custom", None, None, None, 2),
        ("tools", "tools", "t1", "c1", 2),
        ("custom", "tools", "t2", "c2", 2),
    ]


def test_tools_parts_attribute_custom_events_even_when_not_asked_for() -> None:
    events = stamp(
        [start("t1", "n", 1), tool("tool-started", "c1"), ((), "custom", "x")], ("custom",)
    )
    assert fields(events) == [("custom", "n", "t1", "c1", 1)]


def test_a_tool_call_left_unfinished_ends_with_its_step() -> None:
    events = stamp(
        [
            start("t1", "n", 1),
            tool("tool-started", "c1"),  # interrupted: no tool-finished
            result("t1", "n", 1),
            start("t2", "m", 2),
            ((), "custom", "x"),
        ],
        ("custom",),
    )
    assert fields(events) == [("custom", "m", "t2", None, 2)]


def test_values_carry_the_superstep_of_their_namespace() -> None:
    inner = ("sub:t1",)
    events = stamp(
        [
            ((), "values", {}),
            start("t1", "sub", 1),
            (inner, "values", {}),
            (inner, "debug", {"step": 1, "type": "task", "payload": {"id": "i", "name": "x"}}),
            result("i", "x", 1, inner),
            (inner, "values", {}),
            result("t1", "sub", 1),
            ((), "values", {}),
        ],
        ("values",),
    )
    assert [(event.ns, event.step) for event in events] == [
        ((), 0),
        (inner, 0),
        (inner, 1),
        ((), 1),
    ]


def test_tasks_events_are_the_debug_parts_payloads() -> None:
    parts = [start("t1", "a", 3), result("t1", "a", 3)]
    events = stamp(parts, ("tasks",))
    assert [event.data for event in events] == [part[2]["payload"] for part in parts]
    assert fields(events) == [("tasks", "a", "t1", None, 3)] * 2
