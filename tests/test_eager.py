"""``start_task``: a coroutine's first step runs inside the call, as in its own task."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from rxagent._eager import start_task

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="caller")


async def test_the_first_step_runs_before_start_task_returns_and_the_rest_in_the_task() -> None:
    log: list[str] = []

    async def job() -> str:
        log.append("first step")
        await asyncio.sleep(0)
        log.append("rest")
        return "done"

    task = start_task(asyncio.get_running_loop(), job())
    log.append("returned")
    assert await task == "done"
    assert log == ["first step", "returned", "rest"]


async def test_the_first_step_runs_as_the_task_in_its_own_context() -> None:
    caller = asyncio.current_task()
    seen: dict[str, Any] = {}

    async def job() -> None:
        seen["task"] = asyncio.current_task()
        VAR.set("job")
        async with asyncio.timeout(5):  # needs the current task to be the job's
            await asyncio.sleep(0)
        seen["later"] = VAR.get()

    task = start_task(asyncio.get_running_loop(), job())
    assert seen["task"] is task
    assert asyncio.current_task() is caller
    assert VAR.get() == "caller"  # the job's context is its own
    await task
    assert seen["later"] == "job"


async def test_nested_starts_restore_each_current_task() -> None:
    loop = asyncio.get_running_loop()
    outer_seen: list[Any] = []

    async def inner() -> None:
        await asyncio.sleep(0)

    async def outer() -> None:
        child = start_task(loop, inner())
        outer_seen.append(asyncio.current_task())
        await child

    task = start_task(loop, outer())
    assert outer_seen == [task]
    await task


async def test_a_coroutine_that_ends_in_its_first_step_gives_its_result() -> None:
    async def job() -> int:
        return 42

    assert await start_task(asyncio.get_running_loop(), job()) == 42


async def test_an_error_in_the_first_step_ends_the_task_not_the_caller() -> None:
    async def job() -> None:
        raise ValueError("boom")

    task = start_task(asyncio.get_running_loop(), job())
    with pytest.raises(ValueError, match="boom"):
        await task


async def test_cancelled_before_its_first_turn_the_coroutine_sees_it_where_it_waits() -> None:
    loop = asyncio.get_running_loop()
    children: list[asyncio.Future[None]] = []
    cleaned: list[str] = []

    async def job() -> None:
        children.extend([loop.create_future(), loop.create_future()])
        try:
            await asyncio.gather(*children)
        finally:
            cleaned.append("finally")

    task = start_task(loop, job())
    task.cancel("stop")
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["finally"]
    assert all(child.cancelled() for child in children)  # the gather cancelled them


async def test_cancelled_after_ending_in_its_first_step_keeps_its_result() -> None:
    async def job() -> str:
        return "kept"

    task = start_task(asyncio.get_running_loop(), job())
    task.cancel()
    assert await task == "kept"


def test_off_the_loop_it_is_a_plain_task() -> None:
    loop = asyncio.new_event_loop()
    log: list[str] = []

    async def job() -> None:
        log.append("ran")

    try:
        task = start_task(loop, job())
        assert log == []  # the loop does not run: nothing ran yet
        loop.run_until_complete(task)
        assert log == ["ran"]
    finally:
        loop.close()
