"""Fixtures and the seeds' scenario for driving real provider clients against local servers.

The scenario of the seed pages (LangChain's streaming docs): an agent with a weather tool
that reports progress through ``get_stream_writer``, streamed in ``updates``, ``messages``
and ``custom`` modes. It is run by rxagent's ``create_agent`` around
``LangChainModel(chat_model)`` and by LangChain's own ``langchain.agents.create_agent``
around the same chat model and the same server script, and the two runs are compared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

pytest.importorskip("langchain_openai")
pytest.importorskip("langchain_anthropic")

from langchain.agents import create_agent as langchain_create_agent
from langchain_core.tools import StructuredTool
from langgraph.config import get_stream_writer as langgraph_stream_writer

from rxagent import StreamMode, create_agent, get_stream_writer, tool
from rxagent.integrations import _langchain_fast
from rxagent.integrations.langchain import LangChainModel
from tests.conformance._differences import FORGOTTEN_METADATA
from tests.integrations.providers._servers import ScriptedServer
from tests.support import PROGRESS, SEED_INPUT

MODES: list[StreamMode] = ["updates", "messages", "custom"]
INPUT = SEED_INPUT
"""The user's question: the weather in Paris."""

TOOL_RESULT = "Sunny in Paris"


@pytest.fixture(params=[True, False], ids=["fast path", "langchain path"])
def server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ScriptedServer]:
    """A started ``ScriptedServer`` on an ephemeral port, stopped after the test; each test
    runs twice: through ``LangChainModel``'s fast path and through LangChain's own path."""
    monkeypatch.setattr(_langchain_fast, "_ENABLED", request.param)
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


def _weather(city: str, writer: Any) -> str:
    for payload in PROGRESS:
        writer(payload)
    return f"Sunny in {city}"


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return _weather(city, get_stream_writer())


def _langchain_weather(city: str) -> str:
    return _weather(city, langgraph_stream_writer())


langchain_get_weather = StructuredTool.from_function(
    _langchain_weather, name="get_weather", description="Get the weather for a city."
)
"""The same tool for LangChain's agent: same name, schema and progress events."""


def rxagent_run(chat_model: Any) -> list[tuple[str, Any]]:
    """The seeds' scenario run by rxagent around ``chat_model``: ``(mode, chunk)`` pairs."""
    agent = create_agent(LangChainModel(chat_model), [get_weather])
    return list(agent.stream(INPUT, stream_mode=MODES))


def langchain_run(chat_model: Any) -> list[tuple[str, Any]]:
    """The same scenario run by LangChain's ``create_agent`` (LangGraph)."""
    agent: Any = langchain_create_agent(chat_model, [langchain_get_weather])
    return list(agent.stream(INPUT, stream_mode=MODES))


def outline(items: Iterable[tuple[str, Any]]) -> list[tuple[Any, ...]]:
    """A run without random ids, comparable across rxagent and LangGraph.

    Tokens become ``(mode, type, text, node)``; an update ``(mode, node, [(type, text,
    tool calls)])``; a custom chunk stays as it is.
    """
    shown: list[tuple[Any, ...]] = []
    for mode, chunk in items:
        if mode == "messages":
            message, metadata = chunk
            shown.append((mode, message.type, message.text, metadata["langgraph_node"]))
        elif mode == "updates":
            for node, update in chunk.items():
                summary = [(m.type, m.text, _calls(m)) for m in update["messages"]]
                shown.append((mode, node, summary))
        else:
            shown.append((mode, chunk))
    return shown


def _calls(message: Any) -> list[tuple[str, dict[str, Any], str | None]]:
    return [(c["name"], c["args"], c["id"]) for c in getattr(message, "tool_calls", [])]


def token_metadata(items: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The metadata of the model's tokens (not the tool messages) of a run."""
    return [
        chunk[1]
        for mode, chunk in items
        if mode == "messages" and chunk[0].type == "AIMessageChunk"
    ]


def assert_same_token_metadata(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    """Same keys (but the deliberately forgotten ones), same values but the random ids."""
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs, strict=True):
        reference = {k: v for k, v in reference.items() if k not in FORGOTTEN_METADATA}
        assert set(mine) == set(reference)
        random = {"langgraph_checkpoint_ns", "checkpoint_ns"}
        assert {k: v for k, v in mine.items() if k not in random} == {
            k: v for k, v in reference.items() if k not in random
        }
        for key in random:
            assert mine[key].split(":")[0] == reference[key].split(":")[0] == "model"


def run_until_error(agent: Any, face: str) -> tuple[list[tuple[str, Any]], Exception | None]:
    """What ``agent.stream`` (``face="sync"``) or ``agent.astream`` (``"async"``) yields,
    then the error that ended the run, if any."""
    items: list[tuple[str, Any]] = []

    async def consume() -> None:
        async for item in agent.astream(INPUT, stream_mode=MODES):
            items.append(item)

    try:
        if face == "sync":
            items.extend(agent.stream(INPUT, stream_mode=MODES))
        else:
            asyncio.run(consume())
    except Exception as error:
        return items, error
    return items, None


def langchain_error(chat_model: Any) -> Exception:
    """The error LangChain's own ``astream`` of ``chat_model`` raises for the next reply."""

    async def consume() -> None:
        async for _ in chat_model.astream("Weather in Paris?"):
            pass

    try:
        asyncio.run(consume())
    except Exception as error:
        return error
    raise AssertionError("LangChain's stream ended without an error")


def stop_midstream(agent: Any, face: str, last_token: str) -> None:
    """Stream the model's tokens until ``last_token``, then stop: break out of
    ``agent.stream`` (``face="break"``) or ``aclose()`` ``agent.astream`` (``"aclose"``)."""

    async def consume() -> None:
        stream = agent.astream(INPUT, stream_mode="messages")
        async for message, _ in stream:
            if message.text == last_token:
                break
        await stream.aclose()

    if face == "aclose":
        asyncio.run(consume())
        return
    for message, _ in agent.stream(INPUT, stream_mode="messages"):
        if message.text == last_token:
            break


def fields(message: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named fields of a message, rxagent's or langchain-core's alike."""
    return {name: getattr(message, name) for name in names}


CHUNK_FIELDS = (
    "content",
    "tool_call_chunks",
    "usage_metadata",
    "response_metadata",
    "chunk_position",
)
MESSAGE_FIELDS = (
    "content",
    "tool_calls",
    "invalid_tool_calls",
    "usage_metadata",
    "response_metadata",
    "additional_kwargs",
)
