"""Time-based operators in a running asyncio program use the loop, never threads."""

from __future__ import annotations

import asyncio
import threading

from rxagent import ScriptedModel, create_agent, to_aiter, to_iter
from rxagent import operators as ops
from rxagent.events import Event, MessageEvent
from tests.support import SEED_INPUT, seed_agent


def _threads() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def _timer_threads(before: set[str]) -> set[str]:
    """New threads named as reactivex's TimeoutScheduler timers are (``Thread-N``)."""
    return {name for name in _threads() - before if name.startswith("Thread-")}


def test_async_pipeline_with_timers_starts_no_thread() -> None:
    agent = create_agent(ScriptedModel(["one two three four five six"]))
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
            assert not _timer_threads(before), "no scheduler thread while streaming"
        return seen

    events = asyncio.run(main())
    text = "".join(e.data[0].text for e in events if isinstance(e, MessageEvent))
    assert text == "one two three four five six"
    assert not _timer_threads(before)


def test_sync_pipeline_with_timers_starts_no_scheduler_thread() -> None:
    before = _threads()
    pipeline = (
        seed_agent()
        .observe(SEED_INPUT)
        .pipe(ops.buffer_tokens(max_delay=0.05), ops.throttle_custom(0.05))
    )
    events = list(to_iter(pipeline))
    assert [e.data for e in events if e.mode == "custom"][-1]["pct"] == 100
    # worker threads of sync tools ("asyncio_N", "rxagent-...") are the run's own
    assert not _timer_threads(before), "no TimeoutScheduler thread left behind"
