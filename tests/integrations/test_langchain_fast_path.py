"""``LangChainModel``'s fast path yields what LangChain's own path yields, and steps aside
whenever something would observe LangChain's per-chunk machinery."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core import messages as lc
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, GenericFakeChatModel
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.rate_limiters import InMemoryRateLimiter

from rxagent.integrations import _langchain_fast as fast
from rxagent.integrations._langchain_convert import _chunk_from_langchain
from rxagent.integrations.langchain import LangChainModel
from rxagent.messages import AIMessageChunk, HumanMessage

USAGE = {
    "input_tokens": 12,
    "output_tokens": 7,
    "total_tokens": 19,
    "input_token_details": {"cache_read": 4},
    "output_token_details": {"reasoning": 2},
}


def _script(kind: str) -> list[ChatGenerationChunk]:
    """Chunk streams as providers send them (fresh objects: LangChain mutates them)."""
    if kind == "text":
        return [ChatGenerationChunk(message=lc.AIMessageChunk(content=t)) for t in ("Hi", " there")]
    if kind == "openai":  # ids, generation_info, usage on its own chunk, no closing chunk
        meta = {"model_provider": "openai"}
        head = {"name": "get_weather", "args": '{"ci', "id": "call_1", "index": 0}
        tail = {"name": None, "args": 'ty": "Paris"}', "id": None, "index": 0}
        return [
            ChatGenerationChunk(message=lc.AIMessageChunk(content="Let", id="r1")),
            ChatGenerationChunk(
                message=lc.AIMessageChunk(content=" me", id="r1", response_metadata=meta),
                generation_info={"logprobs": None},
            ),
            ChatGenerationChunk(message=lc.AIMessageChunk(content="", tool_call_chunks=[head])),
            ChatGenerationChunk(message=lc.AIMessageChunk(content="", tool_call_chunks=[tail])),
            ChatGenerationChunk(
                message=lc.AIMessageChunk(content="", id="r1", usage_metadata=USAGE),
                generation_info={"finish_reason": "tool_calls", "model_name": "gpt-4.1-mini"},
            ),
        ]
    if kind == "anthropic":  # list content with indexed blocks, the last chunk marked
        blocks: list[Any] = [
            [{"type": "text", "text": "Let me", "index": 0}],
            [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}, "index": 1}],
            [{"type": "input_json_delta", "partial_json": '{"city": ', "index": 1}],
            [{"type": "input_json_delta", "partial_json": '"Paris"}', "index": 1}],
        ]
        chunks = [ChatGenerationChunk(message=lc.AIMessageChunk(content=b)) for b in blocks]
        last = lc.AIMessageChunk(content=[], usage_metadata=USAGE, chunk_position="last")
        return [*chunks, ChatGenerationChunk(message=last)]
    raise ValueError(kind)


def _model(kind: str, **fields: Any) -> Any:
    def _stream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self.__dict__.setdefault("calls", []).append(kwargs)
        yield from _script(kind)

    async def _astream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        self.__dict__.setdefault("calls", []).append(kwargs)
        for chunk in _script(kind):
            yield chunk

    def _generate(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        total: Any = None
        for chunk in _script(kind):
            total = chunk if total is None else total + chunk
        message = lc.AIMessage(content=total.message.content, id=total.message.id)
        return ChatResult(generations=[ChatGeneration(message=message)])

    namespace = {
        "_llm_type": property(lambda self: f"fake-{kind}"),
        "_stream": _stream,
        "_astream": _astream,
        "_generate": _generate,
    }
    return type(f"Fake{kind.title()}", (BaseChatModel,), namespace)(**fields)


def _shape(chunks: list[AIMessageChunk]) -> list[dict[str, Any]]:
    """The chunks with the per-call ``lc_run--`` id replaced by a placeholder."""
    ids = {c.id for c in chunks if c.id and c.id.startswith("lc_run--")}
    assert len(ids) <= 1, "one generated id per call"
    shaped = []
    for chunk in chunks:
        dump = chunk.model_dump()
        if dump["id"] in ids:
            dump["id"] = "lc_run--<run>"
        shaped.append(dump)
    return shaped


async def _both(kind: str, **kwargs: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """The fast path's chunks, LangChain's path's (sync and async), each from a new model."""
    fast_chunks = [c async for c in LangChainModel(_model(kind)).astream("hi", **kwargs)]
    slow_model = LangChainModel(_model(kind), fast_path=False)
    slow_chunks = [c async for c in slow_model.astream("hi", **kwargs)]
    sync_chunks = list(LangChainModel(_model(kind)).stream("hi", **kwargs))
    return fast_chunks, slow_chunks, sync_chunks


@pytest.mark.parametrize("kind", ["text", "openai", "anthropic"])
async def test_the_fast_path_yields_what_langchain_yields(kind: str) -> None:
    fast_chunks, slow_chunks, sync_chunks = await _both(kind)
    assert _shape(fast_chunks) == _shape(slow_chunks) == _shape(sync_chunks)
    direct = [_chunk_from_langchain(c) async for c in _model(kind).astream("hi")]
    assert _shape(fast_chunks) == _shape(direct)
    assert fast_chunks[-1].chunk_position == "last"


async def test_the_fast_path_passes_the_call_keywords_and_bound_ones() -> None:
    model = _model("text")
    wrapped = LangChainModel(model.bind(temperature=0.5))
    assert [c.text async for c in wrapped.astream("hi", stop=["."])] == ["Hi", " there", ""]
    assert model.calls == [{"temperature": 0.5, "stop": ["."]}]


async def test_the_fast_path_is_taken_when_nothing_observes() -> None:
    assert fast.raw_astream(_model("text"), "hi", None, {}) is not None
    assert fast.raw_stream(_model("text"), "hi", None, {}) is not None


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.events.append("start")

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.events.append("token")

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.events.append("end")


FALLBACKS: dict[str, Any] = {
    "a callback handler in the config": lambda: (_model("text"), {"callbacks": [_Recorder()]}),
    "a callback handler on the model": lambda: (_model("text", callbacks=[_Recorder()]), None),
    "a rate limiter": lambda: (
        _model("text", rate_limiter=InMemoryRateLimiter(requests_per_second=1e6)),
        None,
    ),
    "output_version v1": lambda: (_model("text", output_version="v1"), None),
    "streaming disabled": lambda: (_model("text", disable_streaming=True), None),
    "a binding with a config": lambda: (_model("text").with_config(tags=["x"]), None),
    "no native _astream": lambda: (GenericFakeChatModel(messages=iter(["a b"])), None),
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
async def test_langchains_path_is_taken_when_something_would_observe_it(case: str) -> None:
    model, config = FALLBACKS[case]()
    assert fast.raw_astream(model, "hi", config, {}) is None
    chunks = [c async for c in LangChainModel(model).astream("hi", config)]
    model, config = FALLBACKS[case]()
    slow = [c async for c in LangChainModel(model, fast_path=False).astream("hi", config)]
    assert "".join(c.text for c in chunks) == "".join(c.text for c in slow)


async def test_a_handler_sees_the_whole_chat_model_run() -> None:
    handler = _Recorder()
    model = LangChainModel(_model("text"))
    chunks = [c async for c in model.astream("hi", {"callbacks": [handler]})]
    assert handler.events == ["start", "token", "token", "token", "end"]
    assert len(chunks) == 3


def test_a_langchain_core_outside_the_tested_range_takes_langchains_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert fast.in_tested_range("1.8.3")
    assert not fast.in_tested_range("1.9.0")
    assert not fast.in_tested_range("0.3.70")
    monkeypatch.setattr(fast, "_ENABLED", False)
    assert fast.raw_stream(_model("text"), "hi", None, {}) is None
    assert [c.text for c in LangChainModel(_model("text")).stream("hi")] == ["Hi", " there", ""]


def test_the_tested_range_is_the_installed_one() -> None:
    from langchain_core import __version__

    assert fast.in_tested_range(__version__), (
        f"langchain-core {__version__} is outside the fast path's tested range {fast.TESTED}: "
        "run this file's tests on it and move TESTED (and the langchain extra's pin)"
    )


async def test_an_empty_stream_is_langchains_error() -> None:
    def _astream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        return _empty()

    async def _empty() -> AsyncIterator[Any]:
        return
        yield

    model = _model("text")
    type(model)._astream = _astream
    with pytest.raises(ValueError, match="No generation chunks were returned"):
        [c async for c in LangChainModel(model).astream("hi")]
    with pytest.raises(ValueError, match="No generation chunks were returned"):
        [c async for c in LangChainModel(model, fast_path=False).astream("hi")]


async def test_closing_the_stream_closes_the_providers_stream() -> None:
    closed: list[str] = []

    async def _astream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            for token in ("a", "b", "c"):
                yield ChatGenerationChunk(message=lc.AIMessageChunk(content=token))
        finally:
            closed.append("closed")

    for fast_path in (True, False):
        model = _model("text")
        type(model)._astream = _astream
        stream = LangChainModel(model, fast_path=fast_path).astream([HumanMessage("hi")])
        assert (await anext(stream)).text == "a"
        await stream.aclose()  # type: ignore[attr-defined]
        assert closed == ["closed"], f"fast_path={fast_path}"
        closed.clear()


def test_ids_look_like_langchains() -> None:
    chunks = list(LangChainModel(_model("text")).stream("hi"))
    assert re.fullmatch(r"lc_run--[0-9a-f-]{36}", chunks[0].id or "")


async def test_a_handler_langchains_configure_step_adds_is_seen() -> None:
    """``collect_runs()`` adds its collector in ``configure`` (as env tracing adds LangSmith's
    tracer): the fast path steps aside and the collector gets the chat-model run."""
    from langchain_core.tracers.context import collect_runs

    model = _model("text")
    assert fast.raw_astream(model, "hi", None, {}) is not None
    with collect_runs() as collector:
        assert fast.raw_astream(model, "hi", None, {}) is None
        chunks = [c async for c in LangChainModel(model).astream("hi")]
    assert "".join(c.text for c in chunks) == "Hi there"
    assert [run.run_type for run in collector.traced_runs] == ["llm"]
