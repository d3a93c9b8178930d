"""A cancellation that redis-py swallows mid-command is never lost.

redis-py can catch a ``CancelledError`` that lands inside a command and return normally
(seen under load: a cancelled publisher's heartbeat beat on forever, so its ``stop()`` never
returned). These tests stand in for such a command with a coroutine that swallows the
cancellation, and check that every loop still ends.
"""

from __future__ import annotations

import asyncio

import pytest

from rxagent.integrations.redis._connect import Backoff, cancel_and_wait, retrying
from rxagent.integrations.redis._heartbeat import Heartbeat

pytestmark = pytest.mark.timeout(30)


async def _swallowing(result: object) -> object:
    """A command that swallows a cancellation and returns as if it had run."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        return result
    return result


async def test_retrying_raises_a_cancellation_the_command_swallowed() -> None:
    started = asyncio.Event()

    async def attempt() -> object:
        started.set()
        return await _swallowing("ran")

    task = asyncio.create_task(
        retrying(attempt, Backoff(1.0), "appending", lambda message: RuntimeError(message))
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_heartbeat_whose_beat_swallows_the_cancellation_still_stops() -> None:
    beats = 0
    in_beat = asyncio.Event()

    async def beat() -> bool:
        nonlocal beats
        beats += 1
        in_beat.set()
        await _swallowing(True)
        return True

    heartbeat = Heartbeat(beat, 0.01, "test heartbeat")
    heartbeat.start()
    await in_beat.wait()
    await asyncio.wait_for(heartbeat.stop(), 5)  # returned: the loop ended
    ended_at = beats
    await asyncio.sleep(0.05)
    assert beats == ended_at  # and beats no more


async def test_cancel_and_wait_cancels_again_until_the_task_ends() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed == 2:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait(task, "stubborn", timeout=0.05)
    assert task.cancelled()
    assert swallowed == 2
