"""Realistic run logs for the encoder tests: real agent runs wrapped into log entries.

Each run is the real runtime's events (``agent.observe(...)`` collected synchronously), in
every stream mode, wrapped as a server would log them: a ``metadata`` entry, one ``event``
entry per event, then one terminal entry, with ids from an :class:`IdClock` on a fixed
clock so that two calls give the same ids.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, TypedDict

from hypothesis import strategies as st
from reactivex.testing import ReactiveTest, TestScheduler

from rxagent import CompiledStateGraph, ScriptedModel, create_agent, get_stream_writer
from rxagent import operators as ops
from rxagent._demo import build_demo_agent, demo_inputs
from rxagent._types import STREAM_MODES, StreamMode
from rxagent.events import Event
from rxagent.graph import START, StateGraph
from rxagent.integrations.web._entries import Entry, EntryKind, Frame, error_data
from rxagent.integrations.web._ids import IdClock
from rxagent.messages import AIMessage, AnyMessage, add_messages
from rxagent.tools import tool
from tests.support import MODEL_FAILED, SEED_INPUT, failing_agent, parallel_agent

THREAD_ID = "thread-1"
"""The thread every log here belongs to."""
T0 = 1_700_000_000_000
"""The fixed clock of the logs' ids (ms)."""


def collect(graph: CompiledStateGraph, inputs: Any) -> tuple[list[Event], Exception | None]:
    """All events of one run in every mode, and the error it ended with, if any."""
    seen: list[Event] = []
    errors: list[Exception] = []
    graph.observe(inputs).subscribe(seen.append, errors.append)
    return seen, errors[0] if errors else None


def to_entries(
    events: Iterable[Event],
    *,
    run_id: str,
    terminal: EntryKind = "end",
    error: BaseException | None = None,
) -> list[Entry]:
    """``events`` as a run's log: metadata, the events, then ``terminal`` (``error`` if given)."""
    clock = IdClock(now_ms=lambda: T0)
    log = [
        Entry(
            clock.next(),
            "metadata",
            data={"run_id": run_id, "attempt": 1, "thread_id": THREAD_ID},
        )
    ]
    log.extend(Entry(clock.next(), "event", event) for event in events)
    if error is not None:
        log.append(Entry(clock.next(), "error", data=error_data(error)))
    else:
        log.append(Entry(clock.next(), terminal))
    return log


def events_of(log: Sequence[Entry]) -> list[Event]:
    """The events of a log."""
    return [entry.event for entry in log if entry.event is not None]


def run_id_of(events: Sequence[Event]) -> str:
    """The run id the events carry."""
    return events[0].run_id if events else "run-0"


@functools.cache
def _demo() -> tuple[Event, ...]:
    events, error = collect(build_demo_agent(fast=True, reports=4), demo_inputs())
    assert error is None
    return tuple(events)


def demo_log(modes: Sequence[StreamMode] = STREAM_MODES) -> list[Entry]:
    """The ``rxagent demo`` run (a sentence, a tool call with 4 progress payloads, an answer)."""
    events = [event for event in _demo() if event.mode in modes]
    return to_entries(events, run_id=run_id_of(_demo()))


@functools.cache
def _parallel() -> tuple[Event, ...]:
    events, error = collect(parallel_agent(), {"messages": [("user", "look both up")]})
    assert error is None
    return tuple(events)


def parallel_log() -> list[Entry]:
    """Two tools called at once, each writing progress, then an answer."""
    return to_entries(_parallel(), run_id=run_id_of(_parallel()))


class Chat(TypedDict):
    """The parent graph's state."""

    messages: Annotated[list[AnyMessage], add_messages]


def _subgraph_agent() -> CompiledStateGraph:
    @tool
    def lookup(topic: str) -> str:
        """Look a topic up."""
        writer = get_stream_writer()
        for pct in (50, 100):
            writer({"type": "progress", "pct": pct})
        return f"{topic}: found"

    call = {"name": "lookup", "args": {"topic": "rx"}, "id": "call_lookup"}
    inner = create_agent(
        ScriptedModel([AIMessage("Looking it up.", tool_calls=[call]), "It is found."]),
        [lookup],
        name="researcher",
    )

    def pre(state: dict[str, Any]) -> dict[str, Any]:
        get_stream_writer()({"type": "status", "text": "routing"})
        return {"messages": [{"role": "assistant", "content": "routing", "id": "m-pre"}]}

    graph = StateGraph(Chat)
    graph.add_node("pre", pre)
    graph.add_node("researcher", inner)
    graph.add_edge(START, "pre")
    graph.add_edge("pre", "researcher")
    return graph.compile()


@functools.cache
def _subgraph() -> tuple[Event, ...]:
    events, error = collect(_subgraph_agent(), {"messages": [("user", "research rx")]})
    assert error is None
    return tuple(events)


def subgraph_log() -> list[Entry]:
    """A parent graph whose node ``researcher`` is an agent (events under ``researcher:<t>``)."""
    return to_entries(_subgraph(), run_id=run_id_of(_subgraph()))


@functools.cache
def _failing() -> tuple[tuple[Event, ...], Exception | None]:
    events, error = collect(failing_agent(), SEED_INPUT)
    return tuple(events), error


def failing_log() -> list[Entry]:
    """The seed agent whose second model call fails after two tokens: an ``error`` entry."""
    events, error = _failing()
    assert error is not None
    assert str(error) == str(MODEL_FAILED)
    return to_entries(events, run_id=run_id_of(events), error=error)


def cancelled_log() -> list[Entry]:
    """The demo run cut in the middle of the tool's progress, then ``cancelled``."""
    events = list(_demo())
    cut = next(i for i, e in enumerate(events) if e.mode == "custom") + 2
    return to_entries(events[:cut], run_id=run_id_of(events), terminal="cancelled")


LOGS: dict[str, Callable[[], list[Entry]]] = {
    "demo": demo_log,
    "parallel": parallel_log,
    "subgraph": subgraph_log,
    "failing": failing_log,
    "cancelled": cancelled_log,
}
"""Every realistic log, by name (for ``pytest.mark.parametrize``)."""


def frames_of(encoder: Any, log: Iterable[Entry]) -> list[Frame]:
    """Every frame ``encoder`` makes of ``log``, in order."""
    frames: list[Frame] = []
    for entry in log:
        frames.extend(encoder.encode(entry))
    return frames


# --- streams reshaped as operators (or a lossy network) would ------------------------------


def through_operators(
    events: Sequence[Event],
    gaps: Sequence[int],
    *,
    modes: Iterable[StreamMode] = STREAM_MODES,
    max_delay: float | None = None,
    interval: float | None = None,
) -> list[Event]:
    """``events`` at ticks 210 + the gaps, through ``filter_mode(*modes)``, then
    ``buffer_tokens(max_delay=...)`` and ``throttle_custom(interval)`` when given, in
    virtual time."""
    scheduler = TestScheduler()
    ticks = list(itertools.accumulate((210, *gaps)))[: len(events)]
    end = (ticks[-1] if ticks else 210) + 1
    hot = scheduler.create_hot_observable(
        *[ReactiveTest.on_next(t, e) for t, e in zip(ticks, events, strict=True)],
        ReactiveTest.on_completed(end),
    )
    stages: list[Any] = [ops.filter_mode(*modes)]
    if max_delay is not None:
        stages.append(ops.buffer_tokens(max_delay=max_delay, scheduler=scheduler))
    if interval is not None:
        stages.append(ops.throttle_custom(interval, scheduler=scheduler))
    results = scheduler.start(lambda: hot.pipe(*stages), disposed=end + 10_000)
    notes: list[Any] = [m.value for m in results.messages]
    return [note.value for note in notes if note.kind == "N"]


@st.composite
def reshaped(draw: st.DrawFn, events: Sequence[Event]) -> list[Event]:
    """``events`` as a client might get them: a random subsequence, or filtered by mode,
    tokens buffered and progress throttled in virtual time with random timing."""
    if draw(st.booleans()):
        keep = draw(st.lists(st.booleans(), min_size=len(events), max_size=len(events)))
        return [event for event, kept in zip(events, keep, strict=True) if kept]
    modes = draw(st.sets(st.sampled_from(STREAM_MODES), min_size=1))
    gaps = draw(st.lists(st.integers(0, 40), min_size=len(events), max_size=len(events)))
    max_delay = draw(st.sampled_from([None, 1, 15, 100]))
    interval = draw(st.sampled_from([None, 1, 25, 500]))
    return through_operators(events, gaps, modes=modes, max_delay=max_delay, interval=interval)


def realistic_events() -> st.SearchStrategy[tuple[str, list[Event], BaseException | None]]:
    """One real log's events, reshaped; with the error it ended with, if any."""

    def pick(name: str) -> st.SearchStrategy[tuple[str, list[Event], BaseException | None]]:
        log = LOGS[name]()
        error = RuntimeError(log[-1].data["message"]) if log[-1].kind == "error" else None
        return reshaped(events_of(log)).map(lambda events: (name, events, error))

    return st.sampled_from(sorted(LOGS)).flatmap(pick)


def log_of(name: str, events: Sequence[Event], error: BaseException | None) -> list[Entry]:
    """A log of reshaped ``events`` from the log ``name``, with its terminal entry."""
    terminal: EntryKind = "cancelled" if name == "cancelled" else "end"
    return to_entries(events, run_id=f"run-{name}", terminal=terminal, error=error)
