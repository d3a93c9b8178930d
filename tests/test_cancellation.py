"""Breaking out of a stream, closing it or disposing a subscription cancels the run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from rxagent import ScriptedModel, create_agent, tool
from rxagent.messages import AIMessage, AIMessageChunk, BaseMessage, text_chunk
from tests.support import SEED_INPUT


class HangingModel:
    """Streams one token, then waits forever; records how its stream ended."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def astream(
        self, messages: Sequence[BaseMessage], *, tools: Sequence[Any] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        try:
            yield text_chunk("first", "hang-1")
            self.log.append("waiting")
            await asyncio.Event().wait()
            yield text_chunk("never", "hang-1")
        except asyncio.CancelledError:
            self.log.append("cancelled")
            raise
        except GeneratorExit:
            self.log.append("closed")
            raise
        finally:
            self.log.append("finally")


def test_breaking_out_of_stream_cancels_the_model() -> None:
    model = HangingModel()
    agent = create_agent(model)
    for chunk, _ in agent.stream(SEED_INPUT, stream_mode="messages"):
        assert chunk.text == "first"
        break
    assert model.log[-1] == "finally"
    assert "cancelled" in model.log or "closed" in model.log


def test_closing_astream_cancels_the_model_and_waits_for_it() -> None:
    model = HangingModel()
    agent = create_agent(model)

    async def main() -> None:
        stream = agent.astream(SEED_INPUT, stream_mode="messages")
        first = await anext(stream)
        assert first[0].text == "first"
        await stream.aclose()
        assert model.log[-1] == "finally"

    asyncio.run(main())


def test_disposing_the_observable_cancels_a_running_tool() -> None:
    log: list[str] = []

    @tool
    async def forever() -> str:
        """Never finishes."""
        try:
            log.append("started")
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            log.append("cancelled")
            raise
        return "unreachable"

    model = ScriptedModel(
        [AIMessage(content="", tool_calls=[{"name": "forever", "args": {}, "id": "f"}])]
    )
    agent = create_agent(model, [forever])

    async def main() -> None:
        started = asyncio.Event()

        def on_next(event: Any) -> None:
            if event.mode == "tools":
                started.set()

        subscription = agent.observe(SEED_INPUT).subscribe(on_next)
        await asyncio.wait_for(started.wait(), timeout=10)
        await asyncio.sleep(0)
        subscription.dispose()
        for _ in range(10):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert log == ["started", "cancelled"]


def test_parallel_tool_calls_run_concurrently() -> None:
    order: list[str] = []
    gate = {"a": asyncio.Event(), "b": asyncio.Event()}

    @tool
    async def wait_for(name: str, other: str) -> str:
        """Wait for the other call to start."""
        order.append(f"start {name}")
        gate[name].set()
        await gate[other].wait()
        order.append(f"end {name}")
        return name

    model = ScriptedModel(
        [
            AIMessage(
                content="",
                tool_calls=[
                    {"name": "wait_for", "args": {"name": "a", "other": "b"}, "id": "a"},
                    {"name": "wait_for", "args": {"name": "b", "other": "a"}, "id": "b"},
                ],
            ),
            "both done",
        ]
    )
    updates = list(create_agent(model, [wait_for]).stream(SEED_INPUT, stream_mode="updates"))
    assert order[:2] == ["start a", "start b"]
    assert len([u for u in updates if "tools" in u]) == 2
