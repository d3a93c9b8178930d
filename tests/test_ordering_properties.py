"""The five ordering guarantees of a run, as hypothesis properties over random agents.

Random scripted agents: random answer lengths, random numbers of parallel tool calls,
sync and async tools writing random numbers of progress events, tools that fail, and
models that fail mid-stream.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxagent import (
    CustomEvent,
    MessageEvent,
    ScriptedError,
    ScriptedModel,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
    create_agent,
    get_stream_writer,
    to_iter,
    tool,
)
from rxagent.events import EventBase
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator, ToolMessage
from tests.support import SEED_INPUT


@dataclass(frozen=True)
class Call:
    progress: int
    is_async: bool
    fails: bool


@dataclass(frozen=True)
class Scenario:
    first_words: int
    calls: tuple[Call, ...]
    answer_words: int
    model_fails_after: int | None


calls = st.builds(Call, st.integers(0, 6), st.booleans(), st.booleans())
scenarios = st.builds(
    Scenario,
    st.integers(0, 12),
    st.lists(calls, max_size=4).map(tuple),
    st.integers(1, 30),
    st.none() | st.integers(0, 5),
)


def _agent(s: Scenario) -> tuple[Any, ScriptedModel]:
    @tool
    def work_sync(index: int, progress: int, fails: bool) -> str:
        """Write progress synchronously (in a worker thread)."""
        writer = get_stream_writer()
        for step in range(progress):
            writer({"call": index, "step": step})
        if fails:
            raise RuntimeError(f"tool {index} failed")
        return f"done {index}"

    @tool
    async def work_async(index: int, progress: int, fails: bool) -> str:
        """Write progress asynchronously."""
        writer = get_stream_writer()
        for step in range(progress):
            writer({"call": index, "step": step})
            await asyncio.sleep(0)
        if fails:
            raise RuntimeError(f"tool {index} failed")
        return f"done {index}"

    tool_calls = [
        {
            "name": "work_async" if c.is_async else "work_sync",
            "args": {"index": i, "progress": c.progress, "fails": c.fails},
            "id": f"call_{i}",
        }
        for i, c in enumerate(s.calls)
    ]
    first = " ".join(f"w{i}" for i in range(s.first_words))
    final = " ".join(f"a{i}" for i in range(s.answer_words))
    responses: list[Any] = [AIMessage(content=first, tool_calls=tool_calls)]
    if tool_calls:
        if s.model_fails_after is None:
            responses.append(AIMessage(content=final))
        else:
            responses.append(
                ScriptedError(
                    RuntimeError("model failed"), after_chunks=s.model_fails_after, partial=final
                )
            )
    model = ScriptedModel(responses)
    # failing tools reach the model: not LangChain's default, where they end the run
    return create_agent(model, [work_sync, work_async], handle_tool_errors=True), model


def _run(s: Scenario) -> tuple[list[EventBase], BaseException | None]:
    agent, _ = _agent(s)
    events: list[EventBase] = []
    try:
        for event in to_iter(agent.observe(SEED_INPUT)):
            events.append(event)
    except RuntimeError as error:
        return events, error
    return events, None


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios)
def test_guarantee_1_program_order_within_a_task_and_update_last(s: Scenario) -> None:
    events, _ = _run(s)
    updated: set[str | None] = set()
    for event in events:
        if isinstance(event, MessageEvent | CustomEvent | ToolEvent):
            assert event.task_id not in updated, "an event of a task came after its update"
        if isinstance(event, UpdateEvent):
            assert event.task_id not in updated, "one update per task"
            updated.add(event.task_id)
    # tokens of one model call join to the message of its update
    by_task: dict[str | None, ChunkAccumulator] = {}
    for event in events:
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            by_task.setdefault(event.task_id, ChunkAccumulator()).add(event.data[0])
        if isinstance(event, UpdateEvent) and "model" in event.data:
            message = event.data["model"]["messages"][0]
            joined = by_task[event.task_id].to_message()
            assert (joined.text, joined.tool_calls) == (message.text, message.tool_calls)


@PROPERTY
@given(scenarios)
def test_guarantee_2_updates_per_task_values_per_step_and_step_barrier(s: Scenario) -> None:
    events, error = _run(s)
    steps = [e.step for e in events]
    assert steps == sorted(steps), "nothing of step k+1 before the last event of step k"
    values = [e for e in events if isinstance(e, ValuesEvent)]
    assert [v.step for v in values] == sorted({v.step for v in values})
    for value in values:
        same_step = [e for e in events if e.step == value.step]
        assert same_step[-1] is value, "values closes its superstep"
    tool_updates = [e for e in events if isinstance(e, UpdateEvent) and "tools" in e.data]
    if error is None or s.model_fails_after is not None:
        assert len(tool_updates) == len(s.calls), "one update per tool call task"


@PROPERTY
@given(scenarios)
def test_guarantee_3_parallel_tasks_keep_their_own_order(s: Scenario) -> None:
    events, _ = _run(s)
    per_call: dict[str | None, list[int]] = {}
    for event in events:
        if isinstance(event, CustomEvent):
            assert event.node == "tools"
            assert event.tool_call_id == f"call_{event.data['call']}"
            per_call.setdefault(event.tool_call_id, []).append(event.data["step"])
    for index, call in enumerate(s.calls):
        assert per_call.get(f"call_{index}", []) == list(range(call.progress))


@PROPERTY
@given(scenarios)
def test_guarantee_4_seq_strictly_increases(s: Scenario) -> None:
    events, _ = _run(s)
    seqs = [e.seq for e in events]
    assert all(a < b for a, b in itertools.pairwise(seqs))
    assert len({e.run_id for e in events}) == 1


@PROPERTY
@given(scenarios)
def test_guarantee_5_failing_tools_reach_the_model_and_failing_models_end_the_stream(
    s: Scenario,
) -> None:
    agent, model = _agent(s)
    events: list[EventBase] = []
    error: BaseException | None = None
    try:
        for event in to_iter(agent.observe(SEED_INPUT)):
            events.append(event)
    except RuntimeError as caught:
        error = caught
    model_fails = bool(s.calls) and s.model_fails_after is not None
    assert (error is not None) == model_fails
    if model_fails:
        assert str(error) == "model failed"
        last_tokens = [e for e in events if isinstance(e, MessageEvent) and e.step == 3]
        streamable = s.answer_words + 1  # the words, then the closing chunk
        assert len(last_tokens) == min(s.model_fails_after or 0, streamable)
    if s.calls:
        seen_by_model = model.calls[1]
        errors = [m for m in seen_by_model if isinstance(m, ToolMessage) and m.status == "error"]
        assert len(errors) == sum(c.fails for c in s.calls)
