"""The bridges: the same events through every face, explicit overflow, disposal on close."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from reactivex.disposable import Disposable

from rxagent import BufferOverflowError, ScriptedModel, create_agent, to_aiter, to_iter, tool
from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent
from rxagent.messages import AIMessage, AIMessageChunk, ChunkAccumulator
from tests.strategies import events_of, streams
from tests.support import SEED_INPUT


async def _collect(source: rx.Observable[Any], **kwargs: Any) -> list[Any]:
    return [item async for item in to_aiter(source, **kwargs)]


@given(streams())
def test_iterator_async_iterator_and_observable_agree(stream: list[Any]) -> None:
    events = events_of(stream)
    pushed: list[Event] = []
    rx.from_iterable(events).subscribe(pushed.append)
    assert list(to_iter(rx.from_iterable(events))) == pushed
    assert asyncio.run(_collect(rx.from_iterable(events))) == pushed
    assert pushed == events


def _chatty_agent(words: int, progress: int) -> Any:
    @tool
    def fetch(n: int) -> str:
        """Fetch records, reporting progress."""
        from rxagent import get_stream_writer

        writer = get_stream_writer()
        for i in range(1, n + 1):
            writer({"done": i, "total": n})
        return f"fetched {n}"

    text = " ".join(f"word{i}" for i in range(words))
    model = ScriptedModel(
        [
            AIMessage(
                content="Fetching.",
                tool_calls=[{"name": "fetch", "args": {"n": progress}, "id": "f1"}],
            ),
            AIMessage(content=text),
        ]
    )
    return create_agent(model, [fetch]), text


def _check_lossless(events: list[Event], text: str, progress: int) -> None:
    answers: dict[str | None, ChunkAccumulator] = {}
    for event in events:
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            answers.setdefault(event.data[0].id, ChunkAccumulator()).add(event.data[0])
    assert sorted(a.text for a in answers.values()) == sorted(["Fetching.", text])
    updates = [e for e in events if isinstance(e, UpdateEvent)]
    assert [next(iter(u.data)) for u in updates] == ["model", "tools", "model"]
    customs = [e.data for e in events if isinstance(e, CustomEvent)]
    assert customs[-1] == {"done": progress, "total": progress}, "the final progress is kept"
    assert [c["done"] for c in customs] == sorted(c["done"] for c in customs)


def test_coalesce_with_a_slow_sync_consumer_loses_no_text_and_no_update() -> None:
    agent, text = _chatty_agent(words=5000, progress=2000)
    events = list(to_iter(agent.observe(SEED_INPUT), maxsize=8, overflow="coalesce"))
    _check_lossless(events, text, 2000)
    assert len(events) < 5000 + 2000, "the lagging consumer saw fewer, joined events"


def test_coalesce_with_a_slow_async_consumer_loses_no_text_and_no_update() -> None:
    agent, text = _chatty_agent(words=3000, progress=500)

    async def slow() -> list[Event]:
        out: list[Event] = []
        async for event in to_aiter(agent.observe(SEED_INPUT), maxsize=4, overflow="coalesce"):
            out.append(event)
            for _ in range(20):  # a consumer that lets the producer run ahead
                await asyncio.sleep(0)
        return out

    events = asyncio.run(slow())
    _check_lossless(events, text, 500)
    assert len(events) < 3000 + 500


def test_coalesce_shapes_stream_output_too() -> None:
    agent, text = _chatty_agent(words=2000, progress=100)
    items = list(
        agent.stream(
            SEED_INPUT, stream_mode=["messages", "updates"], maxsize=4, overflow="coalesce"
        )
    )
    joined = "".join(c[0].text for m, c in items if m == "messages" and c[1]["langgraph_step"] == 3)
    assert joined == text


def test_block_keeps_every_event() -> None:
    agent, _ = _chatty_agent(words=3000, progress=300)
    events = list(to_iter(agent.observe(SEED_INPUT), maxsize=16, overflow="block"))
    tokens = [e for e in events if isinstance(e, MessageEvent)]
    assert len(tokens) >= 3000
    assert len([e for e in events if isinstance(e, CustomEvent)]) == 300


def test_error_overflow_names_the_limit() -> None:
    with pytest.raises(BufferOverflowError, match="maxsize=2"):
        list(to_iter(rx.from_iterable(range(10)), maxsize=2, overflow="error"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"overflow": "drop"}, "Unknown overflow 'drop'; valid choices: block, coalesce, error"),
        ({"maxsize": 0}, "maxsize must be a positive int"),
    ],
)
def test_bad_bridge_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_iter(rx.of(1), **kwargs)
    with pytest.raises(ValueError, match=message):
        to_aiter(rx.of(1), **kwargs)


def _never_ending() -> tuple[rx.Observable[int], list[str]]:
    log: list[str] = []

    def subscribe(observer: Any, scheduler: Any = None) -> Disposable:
        observer.on_next(1)
        observer.on_next(2)
        return Disposable(lambda: log.append("disposed"))

    return rx.create(subscribe), log


def test_closing_the_iterator_disposes_the_subscription() -> None:
    source, log = _never_ending()
    iterator = to_iter(source)
    assert next(iterator) == 1
    iterator.close()
    assert log == ["disposed"]


def test_closing_the_async_iterator_disposes_the_subscription() -> None:
    source, log = _never_ending()

    async def main() -> None:
        iterator = to_aiter(source)
        assert await anext(iterator) == 1
        await iterator.aclose()

    asyncio.run(main())
    assert log == ["disposed"]


def test_sync_faces_inside_a_running_loop_run_on_a_helper_thread() -> None:
    agent = create_agent(ScriptedModel(["hi there"]))
    expected = list(agent.stream(SEED_INPUT, stream_mode=["updates", "messages"]))

    async def main() -> tuple[list[Any], str, list[Any]]:
        chunks = list(agent.stream(SEED_INPUT, stream_mode=["updates", "messages"]))
        final = agent.invoke(SEED_INPUT)["messages"][-1].text
        events = list(to_iter(agent.observe(SEED_INPUT)))
        return chunks, final, events

    chunks, final, events = asyncio.run(main())
    assert _normalised(chunks) == _normalised(expected)
    assert final == "hi there"
    assert [e.mode for e in events] == [e.mode for e in to_iter(agent.observe(SEED_INPUT))]


def _normalised(chunks: list[Any]) -> list[Any]:
    """Chunks with the random ids (message ids) left out."""
    out: list[Any] = []
    for mode, chunk in chunks:
        if mode == "messages":
            out.append((mode, chunk[0].text, chunk[1]["langgraph_node"]))
        else:
            out.append((mode, sorted(chunk)))
    return out
