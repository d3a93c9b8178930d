"""Time-based operators in a running asyncio program use the loop, never threads."""

from __future__ import annotations

import asyncio
import threading

from rxagent import Latency, ScriptedModel, create_agent, to_aiter, to_iter
from rxagent import operators as ops
from rxagent.events import Event, MessageEvent
from tests.support import SEED_INPUT, seed_agent


def _threads() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def test_async_pipeline_with_timers_starts_no_thread() -> None:
    model = ScriptedModel(["one two three four five six"], latency=Latency(per_token=0.001))
    agent = create_agent(model)
    before = _threads()

    async def main() -> list[Event]:
        pipeline = agent.observe(SEED_INPUT).pipe(
            ops.filter_mode("messages", "custom"),
            ops.buffer_tokens(max_delay=0.002),
            ops.throttle_custom(0.002),
        )
        seen: list[Event] = []
        async for event in to_aiter(pipeline):
            seen.append(event)
            assert _threads() == before, "no scheduler thread while streaming"
        return seen

    events = asyncio.run(main())
    text = "".join(e.data[0].text for e in events if isinstance(e, MessageEvent))
    assert text == "one two three four five six"
    assert _threads() == before


def test_sync_pipeline_with_timers_starts_no_scheduler_thread() -> None:
    before = _threads()
    pipeline = seed_agent().observe(SEED_INPUT).pipe(
        ops.buffer_tokens(max_delay=0.05), ops.throttle_custom(0.05)
    )
    events = list(to_iter(pipeline))
    assert [e.data for e in events if e.mode == "custom"][-1]["pct"] == 100
    # reactivex's TimeoutScheduler would leave threading.Timer threads ("Thread-N");
    # worker threads of sync tools ("asyncio_N", "rxagent-...") are the run's own
    timers = {name for name in _threads() - before if name.startswith("Thread-")}
    assert not timers, f"scheduler threads left behind: {timers}"
