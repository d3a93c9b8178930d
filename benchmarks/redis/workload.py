"""The events the run-log benchmarks send: what an agent's run really produces.

Half are ``messages`` token events of a scripted model's streamed answer (each an
``AIMessageChunk`` with LangGraph's metadata dict, about 850 bytes of JSON), half are
``custom`` events that a node writes with ``get_stream_writer()`` (progress payloads, about
250 bytes), interleaved.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypedDict

from rxagent.events import EVENT_ADAPTER, Event


class _Progress(TypedDict, total=False):
    steps: int


def run_events(count: int) -> list[Event]:
    """``count`` events of one run: token events and custom events, interleaved."""
    tokens = _agent_events(count // 2 + 1)
    progress = _custom_events(count - count // 2 + 1)
    mixed = [e for pair in itertools.zip_longest(tokens, progress) for e in pair if e is not None]
    return mixed[:count]


def describe(events: Sequence[Event]) -> str:
    """The events' kinds and mean JSON size, e.g. ``'500 messages, 500 custom; 550 B'``."""
    kinds = Counter(event.mode for event in events)
    size = sum(len(EVENT_ADAPTER.dump_json(event)) for event in events) / max(len(events), 1)
    counts = ", ".join(f"{n:,} {mode}" for mode, n in kinds.most_common())
    return f"{counts}; {size:,.0f} B of JSON per event on average"


async def source(events: Sequence[Event]) -> AsyncIterator[Event]:
    """The events as a run's async iterable (no pacing: as fast as the consumer takes them)."""
    for event in events:
        yield event


def fresh(events: Sequence[Event]) -> list[Event]:
    """New objects equal to ``events`` (decoded from their JSON), as another run makes."""
    return [EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)) for event in events]


def _agent_events(minimum: int) -> list[Event]:
    from rxagent.agent import create_agent
    from rxagent.messages import AIMessage
    from rxagent.models import ScriptedModel

    answer = " ".join(f"word{i}" for i in range(minimum))
    agent = create_agent(ScriptedModel([AIMessage(answer)]), tools=[])
    observed: list[Event] = []
    inputs = {"messages": [{"role": "user", "content": "go"}]}
    agent.observe(inputs, stream_mode=["updates", "messages"]).subscribe(observed.append)
    return observed


def _custom_events(count: int) -> list[Event]:
    from rxagent import get_stream_writer
    from rxagent.graph import END, START, StateGraph

    def work(state: _Progress) -> dict[str, Any]:
        write = get_stream_writer()
        for i in range(count):
            write({"step": i, "of": count, "status": "fetching", "url": f"https://x.test/{i}"})
        return {"steps": count}

    graph = StateGraph(_Progress).add_node("work", work)
    compiled = graph.add_edge(START, "work").add_edge("work", END).compile()
    observed: list[Event] = []
    compiled.observe({}, stream_mode=["custom"]).subscribe(observed.append)
    return observed
