"""Cancellation that finishes: closing waits for the run's cleanup, never for a blocked
thread; abandoned iterators end their runs quietly; interpreter exit and Ctrl-C never wait.

No timing is asserted: a sync tool blocks on an event that the test sets only at the end,
so a ``close()`` that returned did not wait for it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import reactivex as rx
from reactivex.subject import Subject

from rxagent import (
    ScriptedModel,
    create_agent,
    get_stream_writer,
    is_cancelled,
    to_aiter,
    to_iter,
    tool,
)
from rxagent.graph import CompiledStateGraph, RunCancelledError
from rxagent.messages import AIMessage
from tests.support import SEED_INPUT

GUARD = 30.0
"""Seconds after which a wait counts as a hang (a failure, not a measurement)."""


def _calling(name: str) -> ScriptedModel:
    return ScriptedModel(
        [
            AIMessage(content="", tool_calls=[{"name": name, "args": {}, "id": "call_1"}]),
            AIMessage(content="done"),
        ]
    )


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event that blocked tools wait on; set when the test ends, whatever happens."""
    event = threading.Event()
    yield event
    event.set()


def _blocking_agent(started: threading.Event, release: threading.Event) -> CompiledStateGraph:
    @tool
    def block() -> str:
        """Wait for the test, writing nothing meanwhile."""
        started.set()
        release.wait(GUARD)
        return "released"

    return create_agent(_calling("block"), [block])


def _cleaning_agent(log: list[str], started: threading.Event | None = None) -> CompiledStateGraph:
    @tool
    async def slow() -> str:
        """Work until cancelled, then clean up (which itself awaits)."""
        log.append("started")
        if started is not None:
            started.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            log.append("cleaned up")
        return "never"

    return create_agent(_calling("slow"), [slow])


async def _until_started(iterator: Any, log: list[str]) -> None:
    async for _ in iterator:
        if log:
            return


def test_aclose_returns_after_an_async_tools_cleanup() -> None:
    log: list[str] = []
    agent = _cleaning_agent(log)

    async def main() -> list[str]:
        iterator = agent.astream(SEED_INPUT, stream_mode=["updates", "tools"])
        await _until_started(iterator, log)
        await iterator.aclose()
        return list(log)  # what had happened when aclose() returned

    assert asyncio.run(main()) == ["started", "cleaned up"]


def test_aclose_of_to_aiter_waits_the_same_way() -> None:
    log: list[str] = []
    agent = _cleaning_agent(log)

    async def main() -> list[str]:
        iterator = to_aiter(agent.observe(SEED_INPUT))
        await _until_started(iterator, log)
        await iterator.aclose()
        return list(log)

    assert asyncio.run(main()) == ["started", "cleaned up"]


def test_close_returns_after_an_async_tools_cleanup() -> None:
    log: list[str] = []
    agent = _cleaning_agent(log)
    iterator = agent.stream(SEED_INPUT, stream_mode="tools")
    for _ in iterator:
        if log:
            break
    iterator.close()
    assert log == ["started", "cleaned up"]


def test_disposing_from_another_thread_waits_for_the_cleanup() -> None:
    log: list[str] = []
    started = threading.Event()
    agent = _cleaning_agent(log, started)
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        subscription = agent.observe(SEED_INPUT).subscribe(scheduler=_scheduler(loop))
        assert started.wait(GUARD)
        subscription.dispose()  # from this thread: waits for the run's tasks
        assert log == ["started", "cleaned up"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(GUARD)
        loop.close()


def _scheduler(loop: asyncio.AbstractEventLoop) -> Any:
    from reactivex.scheduler.eventloop import AsyncIOThreadSafeScheduler

    return AsyncIOThreadSafeScheduler(loop)


def test_close_does_not_wait_for_a_blocked_sync_tool(release: threading.Event) -> None:
    started = threading.Event()
    agent = _blocking_agent(started, release)
    iterator = agent.stream(SEED_INPUT, stream_mode="tools")
    for _ in iterator:
        if started.is_set():
            break
    iterator.close()
    assert not release.is_set()  # close() returned while the tool still blocks


def test_aclose_does_not_wait_for_a_blocked_sync_tool(release: threading.Event) -> None:
    started = threading.Event()
    agent = _blocking_agent(started, release)

    async def main() -> None:
        iterator = agent.astream(SEED_INPUT, stream_mode="tools")
        async for _ in iterator:
            if started.is_set():
                break
        await iterator.aclose()

    asyncio.run(main())  # asyncio.run's shutdown does not wait for the thread either
    assert not release.is_set()


def test_a_cancelled_sync_tool_sees_is_cancelled_and_its_writer_raises() -> None:
    seen: list[str] = []
    started = threading.Event()
    ended = threading.Event()

    @tool
    def poll() -> str:
        """Poll until cancelled, then try to write."""
        started.set()
        try:
            while not is_cancelled():
                threading.Event().wait(0.001)
            seen.append("is_cancelled")
            get_stream_writer()({"late": True})
        except RunCancelledError:
            seen.append("writer raised")
        finally:
            ended.set()
        return "stopped"

    agent = create_agent(_calling("poll"), [poll])
    for _ in agent.stream(SEED_INPUT, stream_mode=["tools", "custom"]):
        if started.is_set():
            break
    assert ended.wait(GUARD)
    assert seen == ["is_cancelled", "writer raised"]
    assert not is_cancelled()  # outside a run


def test_dropping_an_iterator_cancels_its_run() -> None:
    log: list[str] = []
    agent = _cleaning_agent(log)
    iterator = agent.stream(SEED_INPUT, stream_mode="tools")
    for _ in iterator:
        if log:
            break
    del iterator  # no close(): dropping it ends the run
    gc.collect()
    assert log == ["started", "cleaned up"]


def _fed_from_a_thread(count: int) -> rx.Observable[int]:
    """A Subject that a plain thread feeds once the bridge has subscribed."""

    def subscribe(observer: Any, scheduler: Any = None) -> Any:
        subject: Subject[int] = Subject()
        subscription = subject.subscribe(observer)

        def feed() -> None:
            for i in range(count):
                subject.on_next(i)
            subject.on_completed()

        threading.Thread(target=feed, daemon=True).start()
        return subscription

    return rx.create(subscribe)


def test_a_subject_fed_from_a_plain_thread_into_to_aiter() -> None:
    async def main() -> list[int]:
        iterator = to_aiter(_fed_from_a_thread(1000), maxsize=16)
        async with asyncio.timeout(GUARD):  # a stall is a failure, not a wait
            items = [item async for item in iterator]
        assert iterator.statistics().high_water <= 16 + 64
        return items

    assert asyncio.run(main()) == list(range(1000))


def test_a_subject_fed_from_a_plain_thread_into_to_iter() -> None:
    iterator = to_iter(_fed_from_a_thread(1000), maxsize=16)
    assert list(iterator) == list(range(1000))
    assert iterator.statistics().high_water <= 16 + 64


SCRIPT_HEAD = """
import asyncio, signal, sys, threading
# Ctrl-C as in a terminal, even when the tests run in the background (`cmd &` starts with
# SIGINT ignored, which a child process inherits: Python then installs no handler)
signal.signal(signal.SIGINT, signal.default_int_handler)
from rxagent import ScriptedModel, create_agent, tool
from rxagent.messages import AIMessage

release = threading.Event()

@tool
def block() -> str:
    '''Block until the process ends.'''
    print("started", flush=True)
    release.wait()
    return "released"

model = ScriptedModel([
    AIMessage(content="", tool_calls=[{"name": "block", "args": {}, "id": "call_1"}]),
    AIMessage(content="done"),
])
agent = create_agent(model, [block])
inputs = {"messages": [{"role": "user", "content": "go"}]}

@tool
async def slow() -> str:
    '''Sleep on the loop.'''
    await asyncio.sleep(3600)
    return "slept"

slow_model = ScriptedModel([
    AIMessage(content="", tool_calls=[{"name": "slow", "args": {}, "id": "call_1"}]),
    AIMessage(content="done"),
])
slow_agent = create_agent(slow_model, [slow])
"""


def _python(script: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT_HEAD + textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the process hung; stdout={out!r} stderr={err!r}")
    return out, err


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(
            """
            it = agent.stream(inputs, stream_mode="updates")
            next(it)  # the model's update; the tool then blocks
            print("left open", flush=True)
            """,
            id="sync-iterator-left-open",
        ),
        pytest.param(
            """
            async def main():
                it = agent.astream(inputs, stream_mode=["updates", "tools"])
                async for mode, chunk in it:
                    if mode == "tools":
                        break
                print("left open", flush=True)
            asyncio.run(main())
            """,
            id="async-iterator-left-open",
        ),
        pytest.param(
            """
            it = slow_agent.stream(inputs, stream_mode=["updates", "tools"])
            for mode, chunk in it:
                if mode == "tools":
                    break  # it stays referenced, unclosed, until exit
            print("left open", flush=True)
            """,
            id="sync-iterator-left-open-with-an-async-tool-running",
        ),
        pytest.param(
            """
            for mode, chunk in agent.stream(inputs, stream_mode=["updates", "tools"]):
                if mode == "tools":
                    break
            print("left open", flush=True)
            """,
            id="break-while-a-sync-tool-blocks",
        ),
    ],
)
def test_exit_is_quiet_and_never_waits_for_a_blocked_tool(script: str) -> None:
    out, err = _finish(_python(script))
    assert "left open" in out
    assert err == ""  # no "Task was destroyed but it is pending!", no warning


def test_ctrl_c_in_asyncio_run_does_not_wait_for_a_blocked_tool() -> None:
    process = _python(
        """
        async def main():
            async for chunk in agent.astream(inputs, stream_mode="custom"):
                pass
        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    process.send_signal(signal.SIGINT)
    out, err = _finish(process)
    assert "interrupted" in out
    assert err == ""
