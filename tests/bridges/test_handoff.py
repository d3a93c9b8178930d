"""One test per invariant stated at the top of ``rxagent/_handoff.py``, and what it buys the
bridges: a woken consumer pulls its run's events before another run produces."""

from __future__ import annotations

import asyncio
import itertools
from types import SimpleNamespace
from typing import Any

import reactivex.operators as ops

from rxagent import ScriptedModel, create_agent
from rxagent._handoff import ready_queue, wake_next
from rxagent.bridges import to_aiter


async def _waiting(future: asyncio.Future[None], order: list[str], name: str) -> None:
    await future
    order.append(name)


async def test_h1_the_woken_task_runs_before_callbacks_scheduled_earlier() -> None:
    loop = asyncio.get_running_loop()
    order: list[str] = []
    future: asyncio.Future[None] = loop.create_future()
    task = loop.create_task(_waiting(future, order, "consumer"))
    await asyncio.sleep(0)  # the task now waits on the future
    loop.call_soon(order.append, "first")
    loop.call_soon(order.append, "second")
    wake_next(ready_queue(loop), future)
    await task
    await asyncio.sleep(0)
    assert order == ["consumer", "first", "second"]


async def test_h1_with_two_waiters_asyncio_s_order_is_kept() -> None:
    loop = asyncio.get_running_loop()
    order: list[str] = []
    future: asyncio.Future[None] = loop.create_future()
    tasks = [loop.create_task(_waiting(future, order, name)) for name in ("a", "b")]
    await asyncio.sleep(0)
    loop.call_soon(order.append, "earlier")
    wake_next(ready_queue(loop), future)
    await asyncio.gather(*tasks)
    assert order == ["earlier", "a", "b"]


async def test_h2_a_producer_that_keeps_waking_its_consumer_starves_no_other_task() -> None:
    """Two producer/consumer pairs and a bystander task: every round of the loop runs each."""
    loop = asyncio.get_running_loop()
    ready = ready_queue(loop)
    order: list[str] = []
    rounds = 50

    async def pair(name: str) -> None:
        waiter: asyncio.Future[None] | None = None

        async def consumer() -> None:
            nonlocal waiter
            for _ in range(rounds):
                waiter = loop.create_future()
                await waiter
                order.append(f"{name} consumer")

        task = loop.create_task(consumer())
        await asyncio.sleep(0)
        for _ in range(rounds):
            order.append(f"{name} producer")
            assert waiter is not None
            assert not waiter.done()
            wake_next(ready, waiter)
            await asyncio.sleep(0)  # pacing: the producer yields to the back of the queue
        await task

    async def bystander() -> None:
        for _ in range(rounds):
            order.append("bystander")
            await asyncio.sleep(0)

    await asyncio.gather(pair("a"), pair("b"), bystander())
    # each consumer runs right after its producer, and nobody waits more than a round
    for index, name in enumerate(order):
        if name.endswith("producer"):
            assert order[index + 1] == name.replace("producer", "consumer")
    runs = [index for index, name in enumerate(order) if name == "bystander"]
    assert max(b - a for a, b in itertools.pairwise(runs)) <= 5


def test_h3_a_loop_without_asyncio_s_ready_queue_is_woken_in_order() -> None:
    other = SimpleNamespace(_ready=[])  # a ready queue that is not asyncio's deque
    assert ready_queue(other) is None  # type: ignore[arg-type]

    async def main() -> bool:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wake_next(None, future)
        await future
        return future.done()

    assert asyncio.run(main())


async def test_a_consumer_pulls_its_events_before_another_run_produces() -> None:
    """Three runs stream at once through ``to_aiter``: when a consumer pulls an event, no
    other run has produced anything since that event was made (asyncio's order alone
    lets a whole round of the other runs produce in between)."""
    produced: list[int] = []  # the run of each event, in the order they were made
    made_at: dict[int, int] = {}  # id(event) -> its index in ``produced``
    stale: list[int] = []

    def made(run: int, event: Any) -> None:
        made_at[id(event)] = len(produced)
        produced.append(run)

    async def consume(run: int) -> int:
        agent = create_agent(ScriptedModel([" ".join(["token"] * 300)]))
        source = agent.observe(
            {"messages": [{"role": "user", "content": "hi"}]}, stream_mode="messages"
        ).pipe(ops.do_action(lambda event: made(run, event)))
        pulled = 0
        async for event in to_aiter(source):
            since = produced[made_at.pop(id(event)) + 1 :]
            stale.append(sum(1 for other in since if other != run))
            pulled += 1
        return pulled

    counts = await asyncio.gather(*(consume(run) for run in range(3)))
    assert len(set(counts)) == 1  # every run pulled all its events: its tokens and
    assert counts[0] >= 300  # the last chunk
    assert max(stale) == 0
