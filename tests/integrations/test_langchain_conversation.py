"""``LangChainModel`` converts each message of the conversation once per run, not per call."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core import messages as lc
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models._utils import _normalize_messages as normalise
from langchain_core.outputs import ChatGenerationChunk

from rxagent import create_agent, tool
from rxagent.integrations import langchain as adapter
from rxagent.integrations.langchain import LangChainModel

ROUNDS = 6


async def _astream(self: Any, messages: list[Any], *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    """A tool call per round until ``ROUNDS`` tool results are in, then the answer."""
    done = sum(message.type == "tool" for message in messages)
    self.__dict__.setdefault("seen", []).append([message.type for message in messages])
    if done < ROUNDS:
        call = {"name": "step", "args": f'{{"n": {done}}}', "id": f"call_{done}", "index": 0}
        yield ChatGenerationChunk(message=lc.AIMessageChunk(content="", tool_call_chunks=[call]))
    else:
        yield ChatGenerationChunk(message=lc.AIMessageChunk(content="done"))


_Looping = type(
    "_Looping",
    (BaseChatModel,),
    {
        "_llm_type": property(lambda self: "looping"),
        "_astream": _astream,
        "_generate": lambda self, *a, **k: None,
        "bind_tools": lambda self, tools, **kw: self,
    },
)


@tool
def step(n: int) -> str:
    """Take step ``n``."""
    return f"step {n} taken"


def test_each_message_is_converted_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    converted: list[str] = []
    original = adapter.to_langchain

    def counting(message: Any) -> Any:
        converted.append(message.type)
        return original(message)

    monkeypatch.setattr(adapter, "to_langchain", counting)
    chat = _Looping()
    model = LangChainModel(chat)
    agent = create_agent(model, [step], system_prompt="Be brief.")
    state = agent.invoke({"messages": [{"role": "user", "content": "go"}]})
    assert state["messages"][-1].text == "done"
    assert len(chat.seen) == ROUNDS + 1
    assert chat.seen[-1] == ["system", "human", *["ai", "tool"] * ROUNDS]
    # the system prompt, the question, and each round's reply and tool result: once each
    assert sorted(converted) == sorted(["system", "human", *["ai", "tool"] * ROUNDS])
    gc.collect()
    assert len(model._converted) == 0, "the run's conversions are dropped with the run"


async def test_outside_a_run_nothing_is_kept() -> None:
    from rxagent.messages import HumanMessage

    model = LangChainModel(_Looping())
    chunks = [chunk async for chunk in model.astream([HumanMessage("go")])]
    assert chunks[0].tool_call_chunks[0]["name"] == "step"
    assert len(model._converted) == 0


def test_a_call_reads_only_the_new_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from rxagent.integrations import _langchain_fast as fast

    looked_up: list[str] = []
    normalised: list[int] = []
    original = adapter._cached

    def counting(cache: Any, message: Any) -> Any:
        looked_up.append(message.type)
        return original(cache, message)

    def counting_normalise(messages: Any) -> Any:
        normalised.append(len(messages))
        return normalise(messages)

    monkeypatch.setattr(adapter, "_cached", counting)
    monkeypatch.setattr(fast, "_normalize_messages", counting_normalise)
    chat = _Looping()
    agent = create_agent(LangChainModel(chat), [step], system_prompt="Be brief.")
    agent.invoke({"messages": [{"role": "user", "content": "go"}]})
    assert chat.seen[-1] == ["system", "human", *["ai", "tool"] * ROUNDS]
    # not once per message per call (2 + 4 + ... + 14 = 56): once per message
    assert sorted(looked_up) == sorted(["system", "human", *["ai", "tool"] * ROUNDS])
    assert normalised == [], "str contents: LangChain's normalisation would change nothing"


async def test_list_contents_still_go_through_langchains_normalisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rxagent.integrations import _langchain_fast as fast
    from rxagent.messages import HumanMessage

    normalised: list[int] = []

    def counting_normalise(messages: Any) -> Any:
        normalised.append(len(messages))
        return normalise(messages)

    monkeypatch.setattr(fast, "_normalize_messages", counting_normalise)
    blocks: list[str | dict[str, Any]] = [{"type": "text", "text": "go"}]
    agent = create_agent(LangChainModel(_Looping()), [step])
    await agent.ainvoke({"messages": [HumanMessage(blocks)]})
    assert normalised
    assert normalised[-1] == 1 + 2 * ROUNDS
