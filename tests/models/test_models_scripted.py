"""ScriptedModel: LangChain-shaped chunk streams, latency, errors, exhaustion."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

import pytest

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChunkAccumulator,
    HumanMessage,
    SystemMessage,
)
from rxagent.models import ChatModel, Latency, ScriptedError, ScriptedModel, TracedModel

QUESTION: list[BaseMessage] = [
    SystemMessage("You are helpful."),
    HumanMessage("Weather in Paris?"),
]


def design_model(latency: Latency | None = None) -> ScriptedModel:
    return ScriptedModel(
        [
            AIMessage(
                "Let me check.",
                tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
            ),
            AIMessage("It is sunny in Paris."),
        ],
        latency=latency,
    )


async def collect(stream: AsyncIterator[AIMessageChunk]) -> list[AIMessageChunk]:
    return [chunk async for chunk in stream]


def joined(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    return sum(chunks, AIMessageChunk(""))


def test_is_a_chat_model() -> None:
    assert isinstance(design_model(), ChatModel)


async def test_design_example_chunk_sequence() -> None:
    model = design_model()
    first = await collect(model.astream(QUESTION))
    assert [c.content for c in first] == ["Let", " me", " check.", "", "", ""]
    assert first[3].tool_call_chunks == [
        {
            "name": "get_weather",
            "args": '{"city": ',
            "id": "call_1",
            "index": 0,
            "type": "tool_call_chunk",
        }
    ]
    assert first[4].tool_call_chunks == [
        {"name": None, "args": '"Paris"}', "id": None, "index": 0, "type": "tool_call_chunk"}
    ]
    assert [c.chunk_position for c in first] == [None] * 5 + ["last"]
    assert [c.usage_metadata is not None for c in first] == [False] * 5 + [True]
    assert first[-1].usage_metadata == {"input_tokens": 6, "output_tokens": 5, "total_tokens": 11}
    ids = {c.id for c in first}
    (run_id,) = ids
    assert run_id is not None
    assert run_id.startswith("run-")

    message = joined(first).to_message()
    assert message.content == "Let me check."
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert json.loads("".join(c.tool_call_chunks[0]["args"] or "" for c in first[3:5])) == {
        "city": "Paris"
    }

    second = await collect(model.astream([*QUESTION, message]))
    assert [c.content for c in second] == ["It", " is", " sunny", " in", " Paris.", ""]
    assert joined(second).text == "It is sunny in Paris."
    assert {c.id for c in second}.isdisjoint(ids)
    assert [len(call) for call in model.calls] == [2, 3]


@pytest.mark.parametrize(
    "content", ["", " lead", "trail \n", "a  b\tc\n\nd", "   ", "one", "x\u00a0y z"]
)
def test_whitespace_is_preserved(content: str) -> None:
    chunks = list(ScriptedModel([content]).stream([]))
    assert "".join(c.text for c in chunks) == content
    assert all(c.content for c in chunks[:-1])
    assert chunks[-1].content == ""


def test_tool_calls_without_ids_and_several_calls() -> None:
    model = ScriptedModel(
        [
            AIMessage(
                "",
                tool_calls=[
                    {"name": "a", "args": {}},
                    {"name": "b", "args": {"x": [1, {"y": "z"}], "k": None}},
                ],
            ),
            AIMessage("", tool_calls=[{"name": "c", "args": {"q": "r"}, "id": None}]),
        ]
    )
    first = model.invoke([])
    assert [(c["name"], c["id"], c["args"]) for c in first.tool_calls] == [
        ("a", "call_1", {}),
        ("b", "call_2", {"x": [1, {"y": "z"}], "k": None}),
    ]
    assert first.response_metadata["finish_reason"] == "tool_calls"
    assert [c["id"] for c in model.invoke([first]).tool_calls] == ["call_3"]


def test_invoke_returns_the_joined_message_with_the_call_id() -> None:
    model = ScriptedModel(["Hello there"])
    message = model.invoke([HumanMessage("hi")])
    assert type(message) is AIMessage
    assert message.content == "Hello there"
    assert message.id is not None
    assert message.id.startswith("run-")
    assert message.usage_metadata == {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}


async def test_ainvoke() -> None:
    model = ScriptedModel(["Hello there"], name="m")
    message = await model.ainvoke([])
    assert message.content == "Hello there"
    assert message.response_metadata == {"finish_reason": "stop", "model_name": "m"}


def test_scripted_usage_and_metadata_win() -> None:
    scripted = AIMessage(
        "x",
        usage_metadata={"input_tokens": 7, "output_tokens": 8, "total_tokens": 15},
        response_metadata={"finish_reason": "length"},
    )
    message = ScriptedModel([scripted]).invoke([])
    assert message.usage_metadata == scripted.usage_metadata
    assert message.response_metadata == {"finish_reason": "length"}


def test_list_content_streams_block_by_block() -> None:
    content: list[str | dict[str, object]] = [{"type": "text", "text": "hi"}, {"type": "image"}]
    chunks = list(ScriptedModel([AIMessage(list(content))]).stream([]))
    assert [c.content for c in chunks[:-1]] == [[block] for block in content]
    assert joined(chunks).content == content


async def test_exhausted_script_says_how_many_were_scripted() -> None:
    model = ScriptedModel(["one", "two"])
    one = await model.ainvoke([])
    two = model.invoke([one])
    assert two.text == "two"
    with pytest.raises(RuntimeError, match="exhausted: 2 responses were scripted"):
        await collect(model.astream([one, two]))
    with pytest.raises(RuntimeError, match="model turn 3"):
        model.invoke([one, two])


async def test_scripted_error_after_k_chunks() -> None:
    boom = ConnectionError("model went away")
    model = ScriptedModel([ScriptedError(boom, after_chunks=2, partial="It is sunny"), "recovered"])
    received: list[AIMessageChunk] = []

    async def drain() -> None:
        async for chunk in model.astream([]):
            received.append(chunk)

    with pytest.raises(ConnectionError) as caught:
        await drain()
    assert caught.value is boom
    assert [c.content for c in received] == ["It", " is"]
    with pytest.raises(ConnectionError):  # the same turn replays the same failure
        await model.ainvoke([])


def test_scripted_error_without_chunks_and_bad_arguments() -> None:
    model = ScriptedModel([ScriptedError(ValueError("bad request"))])
    with pytest.raises(ValueError, match="bad request"):
        list(model.stream([]))
    with pytest.raises(ValueError, match="partial"):
        ScriptedError(ValueError("x"), after_chunks=1)
    with pytest.raises(ValueError, match="after_chunks"):
        ScriptedError(ValueError("x"), after_chunks=-1)
    with pytest.raises(ValueError, match="per_token"):
        Latency(per_token=-1.0)


async def test_without_latency_the_stream_never_suspends() -> None:
    stream = design_model().astream(QUESTION)
    contents: list[str] = []
    while True:
        step = stream.__anext__()
        try:
            step.send(None)  # type: ignore[attr-defined]
        except StopIteration as done:
            contents.append(done.value.text)
        except StopAsyncIteration:
            break
        else:  # pragma: no cover - the coroutine suspended: it awaited something
            pytest.fail("the stream awaited without a latency")
    assert "".join(contents) == "Let me check."


async def test_latency_sleeps_before_each_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr("asyncio.sleep", fake_sleep)
    model = design_model(Latency(first_token=0.5, per_token=0.01))
    chunks = await collect(model.astream(QUESTION))
    assert delays == [0.5] + [0.01] * (len(chunks) - 1)


async def test_jitter_is_bounded_and_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr("asyncio.sleep", fake_sleep)
    latency = Latency(first_token=0.2, per_token=0.01, jitter=0.005, seed=7)
    await collect(design_model(latency).astream(QUESTION))
    runs = [list(delays)]
    delays.clear()
    await collect(design_model(latency).astream(QUESTION))
    runs.append(list(delays))
    assert runs[0] == runs[1]
    assert 0.2 <= runs[0][0] <= 0.205
    assert all(0.01 <= d <= 0.015 for d in runs[0][1:])
    assert len(set(runs[0][1:])) > 1


def test_sync_stream_sleeps_with_time_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    monkeypatch.setattr("time.sleep", delays.append)
    chunks = list(ScriptedModel(["a b"], latency=Latency(0.1, 0.02)).stream([]))
    assert delays == [0.1, 0.02, 0.02]
    assert len(chunks) == 3


async def test_hundred_thousand_tokens() -> None:
    content = " ".join(f"w{i}" for i in range(100_000))
    model = ScriptedModel([content, content])
    acc = ChunkAccumulator()
    count = 0
    async for chunk in model.astream([]):
        acc.add(chunk)
        count += 1
    assert count == 100_001
    message = acc.to_message()
    assert message.content == content
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 100_000
    assert model.invoke([]).content == content


async def test_concurrent_runs_each_start_from_the_first_reply() -> None:
    model = ScriptedModel(["first", "second"])
    results = await asyncio.gather(model.ainvoke([]), model.ainvoke([]))
    assert [m.text for m in results] == ["first", "first"]
    assert results[0].id != results[1].id
    assert (await model.ainvoke([results[1]])).text == "second"


def test_ls_params_are_a_deterministic_chat_models() -> None:
    model = ScriptedModel(["Hi"], name="demo")
    assert isinstance(model, TracedModel)
    assert model.ls_params() == {
        "ls_provider": "scripted",
        "ls_model_name": "demo",
        "ls_model_type": "chat",
        "ls_temperature": 0.0,
    }
