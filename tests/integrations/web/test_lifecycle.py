"""The framer: its parts are always well nested, and they tell the run as it happened."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from rxagent._demo import ANSWER, INTRO
from rxagent.events import CustomEvent, Event, MessageEvent, TaskEvent, ToolEvent, UpdateEvent
from rxagent.integrations.web._entries import Entry
from rxagent.integrations.web._lifecycle import Framer
from rxagent.integrations.web._lifecycle_parts import (
    Custom,
    Part,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    SubagentFinished,
    SubagentStarted,
    TaskFinished,
    TaskStarted,
    TextDelta,
    TextEnded,
    TextStarted,
    ToolCallArgs,
    ToolCallEnded,
    ToolCallStarted,
    ToolResult,
    Usage,
)
from rxagent.messages import AIMessage, AIMessageChunk, ToolMessage
from tests.integrations.web.logs import (
    LOGS,
    demo_log,
    events_of,
    log_of,
    realistic_events,
    subgraph_log,
    through_operators,
    to_entries,
)


def parts_of(log: Sequence[Entry]) -> list[Part]:
    framer = Framer()
    return [part for entry in log for part in framer.feed(entry)]


def check_parts(parts: Sequence[Part]) -> None:
    """The framer's promises: starts before deltas and ends, no double start while open,
    one start and one result per tool call, nothing open at a step's end or the run's end."""
    assert isinstance(parts[0], RunStarted)
    assert isinstance(parts[-1], RunFinished)
    assert not any(isinstance(p, RunStarted | RunFinished) for p in parts[1:-1])
    checker = _Checker()
    for part in parts:
        getattr(checker, type(part).__name__, lambda part: None)(part)
    checker.nothing_open()
    assert checker.step is None


class _Checker:
    """One method per part type, named after it."""

    def __init__(self) -> None:
        self.texts: set[str] = set()
        self.calls: set[str] = set()
        self.started: set[str] = set()
        self.ended: set[str] = set()
        self.results: set[str] = set()
        self.tasks: list[tuple[Any, ...]] = []
        self.subagents: set[str] = set()
        self.step: int | None = None

    def nothing_open(self) -> None:
        assert not self.texts
        assert not self.calls
        assert not self.tasks
        assert not self.subagents

    def TextStarted(self, part: TextStarted) -> None:
        assert part.message_id not in self.texts
        self.texts.add(part.message_id)

    def TextDelta(self, part: TextDelta) -> None:
        assert part.message_id in self.texts
        assert part.delta

    def TextEnded(self, part: TextEnded) -> None:
        self.texts.remove(part.message_id)

    def ToolCallStarted(self, part: ToolCallStarted) -> None:
        assert part.tool_call_id not in self.started
        self.started.add(part.tool_call_id)
        self.calls.add(part.tool_call_id)

    def ToolCallArgs(self, part: ToolCallArgs) -> None:
        assert part.tool_call_id in self.calls

    def ToolCallEnded(self, part: ToolCallEnded) -> None:
        self.calls.remove(part.tool_call_id)
        self.ended.add(part.tool_call_id)

    def ToolResult(self, part: ToolResult) -> None:
        assert part.tool_call_id in self.ended
        assert part.tool_call_id not in self.results
        self.results.add(part.tool_call_id)

    def TaskStarted(self, part: TaskStarted) -> None:
        key = (part.origin.ns, part.name, part.origin.task_id)
        assert key not in self.tasks
        self.tasks.append(key)

    def TaskFinished(self, part: TaskFinished) -> None:
        self.tasks.remove((part.origin.ns, part.name, part.origin.task_id))

    def SubagentStarted(self, part: SubagentStarted) -> None:
        assert part.subagent_id not in self.subagents
        assert part.parent_id is None or part.parent_id in self.subagents
        self.subagents.add(part.subagent_id)

    def SubagentFinished(self, part: SubagentFinished) -> None:
        inner = [s for s in self.subagents if s.startswith(part.subagent_id + "|")]
        assert not inner, "inner subagents finish first"
        self.subagents.remove(part.subagent_id)

    def StepStarted(self, part: StepStarted) -> None:
        assert self.step is None
        self.step = part.step

    def StepFinished(self, part: StepFinished) -> None:
        assert self.step == part.step
        self.nothing_open()
        self.step = None


def _text(parts: Sequence[Part], message_id: str) -> str:
    return "".join(
        p.delta for p in parts if isinstance(p, TextDelta) and p.message_id == message_id
    )


@pytest.mark.parametrize("name", sorted(LOGS))
def test_every_real_log_frames_well(name: str) -> None:
    check_parts(parts_of(LOGS[name]()))


def test_the_demo_run_as_parts() -> None:
    log = demo_log()
    parts = parts_of(log)
    started = [p for p in parts if isinstance(p, TextStarted)]
    assert [_text(parts, p.message_id) for p in started] == [INTRO, ANSWER]
    (call,) = [p for p in parts if isinstance(p, ToolCallStarted)]
    assert (call.tool_call_id, call.name) == ("call_fetch_records", "fetch_records")
    assert call.parent_message_id == started[0].message_id
    (end,) = [p for p in parts if isinstance(p, ToolCallEnded)]
    assert (end.args, end.input) == ('{"count": 100}', {"count": 100})
    (result,) = [p for p in parts if isinstance(p, ToolResult)]
    assert result.content.startswith("Fetched 100 records")
    assert not result.error
    customs = [p for p in parts if isinstance(p, Custom)]
    assert [c.payload["done"] for c in customs] == [25, 50, 75, 100]
    assert {c.origin.tool_call_id for c in customs} == {"call_fetch_records"}
    assert {c.origin.node for c in customs} == {"tools"}
    steps = [p.step for p in parts if isinstance(p, StepStarted)]
    assert steps == [1, 2, 3]
    tasks = [p.name for p in parts if isinstance(p, TaskStarted)]
    assert tasks == ["model", "tools", "model"]
    finished = parts[-1]
    assert isinstance(finished, RunFinished)
    assert finished.outcome == "success"
    assert finished.usage == (
        Usage("scripted", "scripted-demo", input_tokens=43, output_tokens=73, total_tokens=116),
    )
    assert isinstance(parts[0], RunStarted)
    assert parts[0].run_id == log[0].data["run_id"]
    assert parts[0].thread_id == "thread-1"


def test_a_subagent_nests_in_its_parent_task_and_ends_with_it() -> None:
    parts = parts_of(subgraph_log())
    names = [type(p).__name__ for p in parts]
    (sub,) = [p for p in parts if isinstance(p, SubagentStarted)]
    assert sub.name == "researcher"
    assert sub.subagent_id.startswith("researcher:")
    assert sub.parent_id is None
    opened = names.index("SubagentStarted")
    assert parts[opened - 1] == TaskStarted("researcher", parts[opened - 1].origin)  # type: ignore[union-attr]
    closed = names.index("SubagentFinished")
    assert isinstance(parts[closed + 1], TaskFinished)
    inside = parts[opened + 1 : closed]
    texts = [p for p in inside if isinstance(p, TextStarted)]
    assert [p.origin.subagent for p in texts] == [sub.subagent_id] * 2
    custom = [p for p in inside if isinstance(p, Custom)]
    assert [c.payload["pct"] for c in custom] == [50, 100]
    assert [p.tool_call_id for p in inside if isinstance(p, ToolResult)] == ["call_lookup"]
    outside = parts[:opened] + parts[closed:]
    assert [p.message_id for p in outside if isinstance(p, TextStarted)] == ["m-pre"]


# --- the rules, one by one, on small hand-made streams -------------------------------------

SRC = {"run_id": "r", "node": "model", "task_id": "t1", "step": 1}


def _chunk(text: str, id: str = "m1", seq: int = 0, **fields: Any) -> MessageEvent:
    chunk = AIMessageChunk(text, id=id, **fields)
    return MessageEvent(data=(chunk, {"langgraph_node": "model"}), seq=seq, **SRC)


def _names(events: Sequence[Event], terminal: str = "end") -> list[str]:
    log = to_entries(events, run_id="r", terminal=terminal)  # type: ignore[arg-type]
    parts = parts_of(log)
    check_parts(parts)
    return [type(p).__name__ for p in parts]


def _kinds(events: Sequence[Event], *wanted: type) -> list[str]:
    parts = parts_of(to_entries(events, run_id="r"))
    check_parts(parts)
    return [type(p).__name__ for p in parts if isinstance(p, wanted)]


def test_a_message_ends_on_its_last_chunk() -> None:
    events: list[Event] = [
        _chunk("a"),
        _chunk("b", chunk_position="last"),
        CustomEvent(data=1, **SRC),
    ]
    assert _kinds(events, TextStarted, TextDelta, TextEnded, Custom) == [
        "TextStarted", "TextDelta", "TextDelta", "TextEnded", "Custom",
    ]  # fmt: skip


def test_a_message_ends_when_its_source_starts_another() -> None:
    events: list[Event] = [_chunk("a", "m1"), _chunk("b", "m2"), CustomEvent(data=1, **SRC)]
    parts = parts_of(to_entries(events, run_id="r"))
    order = [(type(p).__name__, getattr(p, "message_id", "")) for p in parts]
    assert order.index(("TextEnded", "m1")) < order.index(("TextStarted", "m2"))
    assert order.index(("TextEnded", "m2")) > order.index(("Custom", ""))


def test_a_message_ends_with_its_sources_update_not_another_sources_event() -> None:
    other = {**SRC, "task_id": "t2", "node": "other"}
    events: list[Event] = [
        _chunk("a"),
        CustomEvent(data=1, **other),
        UpdateEvent(data={"model": {"messages": []}}, **SRC),
        CustomEvent(data=2, **other),
    ]
    assert _kinds(events, TextEnded, Custom) == ["Custom", "TextEnded", "Custom"]


def test_a_message_still_open_at_the_end_is_closed_before_the_run_finishes() -> None:
    names = _names([_chunk("a")], terminal="cancelled")
    assert names[-4:] == ["TextEnded", "TaskFinished", "StepFinished", "RunFinished"]


def test_tool_call_chunks_join_by_index_and_start_when_id_and_name_are_known() -> None:
    pieces = [
        [{"name": "f", "args": '{"a"', "id": "c1", "index": 0}],
        [{"name": None, "args": None, "id": "c2", "index": 1}],
        [{"name": None, "args": ": 1}", "id": None, "index": 0}],
        [{"name": "g", "args": "{}", "id": None, "index": 1}],
    ]
    events = [_chunk("" if i else "Hi", tool_call_chunks=p) for i, p in enumerate(pieces)]
    parts = parts_of(to_entries(events, run_id="r"))
    check_parts(parts)
    calls = [
        (type(p).__name__, p.tool_call_id, getattr(p, "delta", ""))
        for p in parts
        if isinstance(p, ToolCallStarted | ToolCallArgs)
    ]
    assert calls == [
        ("ToolCallStarted", "c1", ""), ("ToolCallArgs", "c1", '{"a"'),
        ("ToolCallArgs", "c1", ": 1}"),
        ("ToolCallStarted", "c2", ""), ("ToolCallArgs", "c2", "{}"),
    ]  # fmt: skip
    ended = {p.tool_call_id: (p.name, p.input) for p in parts if isinstance(p, ToolCallEnded)}
    assert ended == {"c1": ("f", {"a": 1}), "c2": ("g", {})}
    names = [type(p).__name__ for p in parts]
    assert names.index("TextEnded") < names.index("ToolCallStarted"), "text ends before a call"


def test_a_whole_ai_message_gives_its_text_and_calls() -> None:
    message = AIMessage("Checking.", id="w1", tool_calls=[{"name": "f", "args": {}, "id": "c9"}])
    events = [MessageEvent(data=(message, {}), **SRC)]
    assert _kinds(events, TextStarted, TextDelta, TextEnded, ToolCallStarted, ToolCallEnded) == [
        "TextStarted", "TextDelta", "TextEnded", "ToolCallStarted", "ToolCallEnded",
    ]  # fmt: skip


def test_an_update_shows_what_was_not_streamed_and_nothing_twice() -> None:
    streamed = AIMessage("Hi", id="m1", tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}])
    events: list[Event] = [
        _chunk("Hi", chunk_position="last"),
        UpdateEvent(data={"model": {"messages": [streamed]}}, **SRC),
    ]
    parts = parts_of(to_entries(events, run_id="r"))
    check_parts(parts)
    assert _text(parts, "m1") == "Hi"
    (end,) = [p for p in parts if isinstance(p, ToolCallEnded)]
    assert (end.tool_call_id, end.input) == ("c1", {"x": 1})


def test_each_tool_result_once_whatever_carries_it() -> None:
    tool = {**SRC, "node": "tools", "task_id": "t2", "step": 2, "tool_call_id": "c1"}
    message = ToolMessage("done", tool_call_id="c1", id="tm1", name="f")
    events: list[Event] = [
        _chunk("", tool_call_chunks=[{"name": "f", "args": "{}", "id": "c1", "index": 0}]),
        ToolEvent(data={"event": "tool-started", "tool_call_id": "c1", "tool_name": "f"}, **tool),
        ToolEvent(data={"event": "tool-finished", "tool_call_id": "c1", "output": message}, **tool),
        MessageEvent(data=(message, {}), **tool),
        UpdateEvent(data={"tools": {"messages": [message]}}, **tool),
    ]
    parts = parts_of(to_entries(events, run_id="r"))
    check_parts(parts)
    (result,) = [p for p in parts if isinstance(p, ToolResult)]
    assert (result.content, result.message_id, result.error) == ("done", "tm1", False)
    assert [type(p).__name__ for p in parts].count("ToolCallStarted") == 1


def test_a_result_for_an_unseen_call_starts_and_ends_it_first() -> None:
    message = ToolMessage("boom", tool_call_id="c7", id="tm7", name="f", status="error")
    parts = parts_of(to_entries([MessageEvent(data=(message, {}), **SRC)], run_id="r"))
    check_parts(parts)
    kinds = [
        type(p).__name__
        for p in parts
        if isinstance(p, ToolCallStarted | ToolCallEnded | ToolResult)
    ]
    assert kinds == ["ToolCallStarted", "ToolCallEnded", "ToolResult"]
    (result,) = [p for p in parts if isinstance(p, ToolResult)]
    assert result.error


def test_tools_mode_alone_shows_the_call_with_its_input_and_error() -> None:
    tool = {**SRC, "node": "tools", "tool_call_id": "c1"}
    started = {"event": "tool-started", "tool_call_id": "c1", "tool_name": "f", "input": {"q": 1}}
    failed = {"event": "tool-error", "tool_call_id": "c1", "message": "bad input"}
    parts = parts_of(
        to_entries([ToolEvent(data=started, **tool), ToolEvent(data=failed, **tool)], run_id="r")
    )
    check_parts(parts)
    (end,) = [p for p in parts if isinstance(p, ToolCallEnded)]
    assert (end.name, end.args, end.input) == ("f", '{"q": 1}', {"q": 1})
    (result,) = [p for p in parts if isinstance(p, ToolResult)]
    assert (result.content, result.error) == ("bad input", True)


def test_nested_subagents_close_innermost_first_with_their_parent_task() -> None:
    outer, inner = "a:t1", "b:t2"
    events: list[Event] = [
        CustomEvent(data=1, ns=(outer, inner), node="n", task_id="t3", run_id="r"),
        _chunk("x", id="deep").model_copy(
            update={"ns": (outer, inner), "node": "n", "task_id": "t3"}
        ),
        TaskEvent(
            data={"id": "t1", "name": "a", "result": {}, "error": None},
            node="a",
            task_id="t1",
            run_id="r",
            step=1,
        ),
        CustomEvent(data=2, node="z", task_id="t9", run_id="r", step=1),
    ]
    parts = parts_of(to_entries(events, run_id="r"))
    check_parts(parts)
    lifecycle = [
        (type(p).__name__, getattr(p, "subagent_id", getattr(p, "name", "")))
        for p in parts
        if isinstance(p, SubagentStarted | SubagentFinished | TaskStarted | TaskFinished)
    ]
    assert lifecycle[:5] == [
        ("TaskStarted", "a"), ("SubagentStarted", outer), ("TaskStarted", "b"),
        ("SubagentStarted", f"{outer}|{inner}"), ("TaskStarted", "n"),
    ]  # fmt: skip
    closing = lifecycle[lifecycle.index(("TaskStarted", "n")) + 1 :]
    assert closing[:5] == [
        ("TaskFinished", "n"), ("SubagentFinished", f"{outer}|{inner}"), ("TaskFinished", "b"),
        ("SubagentFinished", outer), ("TaskFinished", "a"),
    ]  # fmt: skip
    assert closing[5] == ("TaskStarted", "z")


def test_error_and_cancel_close_everything_then_say_how_the_run_ended() -> None:
    log = to_entries([_chunk("a")], run_id="r", error=ValueError("no"))
    parts = parts_of(log)
    check_parts(parts)
    assert parts[-1] == RunFinished("error", "ValueError", "no", ())
    assert [type(p).__name__ for p in parts][-4:-1] == ["TextEnded", "TaskFinished", "StepFinished"]
    cancelled = parts_of(to_entries([_chunk("a")], run_id="r", terminal="cancelled"))
    assert cancelled[-1] == RunFinished("cancelled")


def test_nothing_after_the_terminal_entry_and_a_late_metadata_is_ignored() -> None:
    framer = Framer()
    log = to_entries([_chunk("a")], run_id="r")
    for entry in log:
        framer.feed(entry)
    assert framer.feed(log[1]) == []
    assert framer.feed(log[0]) == []


def test_usage_counts_a_streamed_message_once() -> None:
    usage = {"input_tokens": 4, "output_tokens": 2, "total_tokens": 6}
    whole = AIMessage("a", id="m1", usage_metadata=usage)
    meta = {"ls_provider": "p", "ls_model_name": "m"}
    events: list[Event] = [
        MessageEvent(data=(AIMessageChunk("a", id="m1", usage_metadata=usage), meta), **SRC),
        UpdateEvent(data={"model": {"messages": [whole]}}, **SRC),
        MessageEvent(data=(AIMessage("b", id="m2", usage_metadata=usage), meta), **SRC),
    ]
    finished = parts_of(to_entries(events, run_id="r"))[-1]
    assert isinstance(finished, RunFinished)
    assert finished.usage == (Usage("p", "m", 8, 4, 12),)


def test_a_fresh_framer_makes_the_same_parts() -> None:
    for make in LOGS.values():
        log = make()
        assert parts_of(log) == parts_of(log)


# --- reshaped streams: filtered, buffered, throttled, or with events lost ------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(realistic_events())
def test_reshaped_real_streams_still_frame_well(
    case: tuple[str, list[Event], BaseException | None],
) -> None:
    name, events, error = case
    check_parts(parts_of(log_of(name, events, error)))


def test_buffered_tokens_give_the_same_text_and_calls() -> None:
    events = events_of(demo_log())
    buffered = through_operators(events, [3] * len(events), max_delay=20, interval=25)
    assert len(buffered) < len(events)
    whole = parts_of(to_entries(events, run_id="r"))
    joined = parts_of(to_entries(buffered, run_id="r"))
    check_parts(joined)
    for parts in (whole, joined):
        assert [_text(parts, p.message_id) for p in parts if isinstance(p, TextStarted)] == [
            INTRO, ANSWER,
        ]  # fmt: skip
    ends = [
        [json.dumps(p.input) for p in ps if isinstance(p, ToolCallEnded)] for ps in (whole, joined)
    ]
    assert ends[0] == ends[1] == ['{"count": 100}']
