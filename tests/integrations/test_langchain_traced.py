"""``LangChainModel``'s traced path: what a callback handler records equals what it records
under LangChain's own ``astream``, chunk for chunk, for handlers called in line or not."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core import messages as lc
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.tracers.context import collect_runs

from rxagent.integrations import _langchain_traced as traced
from rxagent.integrations.langchain import LangChainModel
from tests.integrations.test_langchain_fast_path import _model, _shape


class Recorder(BaseCallbackHandler):
    """Every chat-model callback with its arguments (run ids as first seen, numbered)."""

    def __init__(self, *, inline: bool = True, fail_tokens: bool = False) -> None:
        self.run_inline = inline
        self.fail_tokens = fail_tokens
        self.events: list[Any] = []
        self._ids: dict[Any, int] = {}

    def _id(self, value: Any) -> Any:
        return None if value is None else self._ids.setdefault(value, len(self._ids))

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        kinds = [[(m.type, m.content) for m in batch] for batch in messages]
        rest = {k: v for k, v in kwargs.items() if k not in ("run_id", "parent_run_id")}
        self.events.append(("start", serialized, kinds, rest, self._id(kwargs["run_id"])))

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        if self.fail_tokens:
            raise RuntimeError("handler failed")
        dump = chunk.message.model_dump()
        dump["id"] = "<id>" if str(dump["id"]).startswith("lc_run--") else dump["id"]
        run = self._id(kwargs["run_id"])
        self.events.append(("token", token, dump, chunk.generation_info, run, kwargs["tags"]))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        message = response.generations[0][0].message
        dump = message.model_dump()
        dump["id"] = "<id>" if str(dump["id"]).startswith("lc_run--") else dump["id"]
        self.events.append(("end", dump, self._id(kwargs["run_id"])))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        response = kwargs.get("response")
        count = len(response.generations) if response is not None else None
        self.events.append(("error", repr(error), count, self._id(kwargs["run_id"])))


async def _run(model: Any, handler: Any, *, fast_path: bool, **kwargs: Any) -> list[Any]:
    config = {"callbacks": [handler], "tags": ["nightly"], "metadata": {"user": "ada"}}
    wrapped = LangChainModel(model, fast_path=fast_path)
    return [chunk async for chunk in wrapped.astream("hi", config, **kwargs)]


@pytest.mark.parametrize("inline", [True, False], ids=["in line", "through the manager"])
@pytest.mark.parametrize("kind", ["text", "openai", "anthropic"])
async def test_a_handler_records_what_it_records_under_langchain(
    kind: str, inline: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[Any] = []
    hand_over = traced._token
    monkeypatch.setattr(traced, "_token", lambda *args: handed.append(hand_over(*args)))
    ours, theirs = Recorder(inline=inline), Recorder(inline=inline)
    chunks = await _run(_model(kind), ours, fast_path=True, stop=["\n"])
    expected = await _run(_model(kind), theirs, fast_path=False, stop=["\n"])
    assert ours.events == theirs.events
    tokens = [event for event in ours.events if event[0] == "token"]
    assert len(handed) == (len(tokens) if inline else 0)  # in line: called directly
    assert ours.events[0][0] == "start"
    assert ours.events[-1][0] == "end"
    assert _shape(chunks) == _shape(expected)


async def test_the_traced_path_is_taken_with_a_handler_and_steps_aside_otherwise() -> None:
    config = {"callbacks": [Recorder()]}
    assert traced.traced_astream(_model("text"), "hi", config, {}) is not None
    assert traced.traced_astream(_model("text", output_version="v1"), "hi", config, {}) is None
    bound = _model("text").with_config(tags=["x"])
    assert traced.traced_astream(bound, "hi", config, {}) is None


async def test_collected_runs_are_langchains() -> None:
    """``collect_runs()`` (a tracer, as LangSmith's) keeps the same run on both paths."""
    runs = []
    for fast_path in (True, False):
        with collect_runs() as collector:
            await _run(_model("openai"), Recorder(), fast_path=fast_path)
        (run,) = collector.traced_runs
        generation = run.outputs["generations"][0][0] if run.outputs else None
        runs.append(
            (
                run.name,
                run.run_type,
                run.tags,
                {k: v for k, v in run.extra.items() if k != "metadata"},
                run.extra["metadata"],
                [event["name"] for event in run.events],
                [str(event["kwargs"].get("token")) for event in run.events if "kwargs" in event],
                generation["message"]["kwargs"]["content"] if generation else None,
                run.error,
            )
        )
    assert runs[0] == runs[1]


@pytest.mark.parametrize("raise_error", [False, True])
async def test_a_failing_handler_is_reported_as_langchain_reports_it(
    raise_error: bool, caplog: pytest.LogCaptureFixture
) -> None:
    outcomes = []
    for fast_path in (True, False):
        handler = Recorder(fail_tokens=True)
        handler.raise_error = raise_error
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="langchain_core.callbacks.manager"):
            try:
                chunks = await _run(_model("text"), handler, fast_path=fast_path)
                outcome: Any = [c.text for c in chunks]
            except RuntimeError as error:
                outcome = repr(error)
        outcomes.append((outcome, handler.events, [r.getMessage() for r in caplog.records]))
    assert outcomes[0] == outcomes[1]
    assert "handler failed" in str(outcomes[0])


async def test_an_error_mid_stream_ends_the_callback_run_as_langchains() -> None:
    async def _astream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        yield ChatGenerationChunk(message=lc.AIMessageChunk(content="partial"))
        raise ConnectionError("the provider went away")

    records = []
    for fast_path in (True, False):
        model = _model("text")
        type(model)._astream = _astream
        handler = Recorder()
        with pytest.raises(ConnectionError, match="went away"):
            await _run(model, handler, fast_path=fast_path)
        records.append(handler.events)
    assert records[0] == records[1]
    assert records[0][-1][:3] == ("error", "ConnectionError('the provider went away')", 2)
