"""Invoking tools: validation, sync and async, injected writer and tool_call_id."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from rxagent._context import DONE, Done, current_writer, get_stream_writer
from rxagent._types import StreamWriter
from rxagent.tools import Tool, ToolInvocationError, as_tool, tool


@pytest.fixture
def written() -> Iterator[list[Any]]:
    """What the tools write, collected by setting ``current_writer`` to a list's append."""
    payloads: list[Any] = []

    def write(payload: Any) -> Done:
        payloads.append(payload)
        return DONE

    token = current_writer.set(write)
    yield payloads
    current_writer.reset(token)


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    get_stream_writer()({"progress": f"Looking up {city}", "thread": threading.get_ident()})
    return f"Sunny in {city}"


@tool
async def aget_weather(city: str, days: int = 1) -> str:
    """Get the weather for a city, asynchronously."""
    await asyncio.sleep(0)
    get_stream_writer()({"progress": f"Looking up {city}"})
    return f"Sunny in {city} for {days} days"


def test_invoke_sync_tool(written: list[Any]) -> None:
    assert get_weather.invoke({"city": "Paris"}) == "Sunny in Paris"
    assert [p["progress"] for p in written] == ["Looking up Paris"]
    assert written[0]["thread"] == threading.get_ident()


def test_invoke_outside_a_run_uses_the_noop_writer() -> None:
    assert get_weather.invoke({"city": "Rome"}) == "Sunny in Rome"


def test_invoke_coerces_and_fills_defaults() -> None:
    assert aget_weather.is_async
    assert not get_weather.is_async
    assert asyncio.run(aget_weather.ainvoke({"city": "Oslo", "days": "3"})) == (
        "Sunny in Oslo for 3 days"
    )


def test_invoke_an_async_tool_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"'aget_weather' is async: use .*ainvoke"):
        aget_weather.invoke({"city": "Paris"})


async def test_ainvoke_async_tool(written: list[Any]) -> None:
    assert await aget_weather.ainvoke({"city": "Paris"}) == "Sunny in Paris for 1 days"
    assert written == [{"progress": "Looking up Paris"}]


async def test_ainvoke_sync_tool_runs_in_a_thread_with_the_writer(written: list[Any]) -> None:
    assert await get_weather.ainvoke({"city": "Paris"}) == "Sunny in Paris"
    assert [p["progress"] for p in written] == ["Looking up Paris"]
    assert written[0]["thread"] != threading.get_ident()


async def test_injected_writer_and_tool_call_id(written: list[Any]) -> None:
    @tool
    def sync_tool(city: str, writer: StreamWriter, tool_call_id: str | None) -> str:
        """Look a city up."""
        writer({"city": city, "id": tool_call_id})
        return city

    @tool
    async def async_tool(city: str, tool_call_id: str, writer: StreamWriter) -> str:
        """Look a city up."""
        writer({"city": city, "id": tool_call_id})
        return city

    assert sync_tool.invoke({"city": "A"}, tool_call_id="call_1") == "A"
    assert await sync_tool.ainvoke({"city": "B"}, tool_call_id="call_2") == "B"
    assert await async_tool.ainvoke({"city": "C"}, tool_call_id="call_3") == "C"
    assert sync_tool.invoke({"city": "D"}) == "D"
    assert written == [
        {"city": "A", "id": "call_1"},
        {"city": "B", "id": "call_2"},
        {"city": "C", "id": "call_3"},
        {"city": "D", "id": None},
    ]


def test_model_cannot_set_injected_parameters(written: list[Any]) -> None:
    @tool
    def lookup(city: str, tool_call_id: str | None = None) -> str | None:
        """Look a city up."""
        return tool_call_id

    assert lookup.invoke({"city": "A", "tool_call_id": "forged"}, tool_call_id="real") == "real"


def test_validation_error_names_tool_and_field() -> None:
    with pytest.raises(ToolInvocationError) as info:
        get_weather.invoke({"town": "Paris"})
    error = info.value
    assert isinstance(error, ValueError)
    assert error.tool_name == "get_weather"
    assert "'get_weather'" in str(error)
    assert "city" in error.details
    assert "Field required" in error.details


async def test_async_validation_error_names_the_bad_field() -> None:
    with pytest.raises(ToolInvocationError, match=r"(?s)'aget_weather'.*days.*valid integer"):
        await aget_weather.ainvoke({"city": "Paris", "days": "many"})


def test_string_args() -> None:
    assert get_weather.invoke("Paris") == "Sunny in Paris"
    assert asyncio.run(aget_weather.ainvoke('{"city": "Rome", "days": 2}')) == (
        "Sunny in Rome for 2 days"
    )
    with pytest.raises(ToolInvocationError, match="JSON object"):
        asyncio.run(aget_weather.ainvoke("Rome"))


def test_no_args_for_a_tool_without_parameters() -> None:
    @tool
    def now() -> str:
        """The time."""
        return "12:00"

    assert now.invoke() == now.invoke(None) == now.invoke({}) == "12:00"


def test_positional_only_parameters() -> None:
    @tool
    def power(base: int, /, exp: int = 2) -> int:
        """Raise a number to a power."""
        return int(base**exp)

    assert power.invoke({"base": 3}) == 9


def test_call_calls_the_function_directly() -> None:
    assert get_weather("Paris") == "Sunny in Paris"
    assert asyncio.run(aget_weather("Paris", days=2)) == "Sunny in Paris for 2 days"


def test_as_tool() -> None:
    def get_time(city: str) -> str:
        """Get the local time in a city."""
        return f"12:00 in {city}"

    made = as_tool(get_time)
    assert isinstance(made, Tool)
    assert made.name == "get_time"
    assert made.description == "Get the local time in a city."
    assert made.invoke({"city": "Paris"}) == "12:00 in Paris"
    assert as_tool(get_weather) is get_weather


def test_as_tool_errors() -> None:
    def undocumented(city: str) -> str:
        return city

    with pytest.raises(ValueError, match="undocumented"):
        as_tool(undocumented)
    with pytest.raises(TypeError, match="int"):
        as_tool(42)


async def test_async_callable_object_is_async() -> None:
    class Lookup:
        """Look things up."""

        async def __call__(self, key: str) -> str:
            return key.upper()

    made = Tool(Lookup(), name="lookup")
    assert made.is_async
    assert made.description == "Look things up."
    assert await made.ainvoke({"key": "a"}) == "A"


def test_invalid_arguments_are_a_value_error_a_direct_caller_can_catch() -> None:
    # a deliberate difference from LangChain (tests/conformance/_differences.py, 5.)
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    with pytest.raises(ValueError, match="add"):
        add.invoke({"a": "not a number", "b": 1})
    assert issubclass(ToolInvocationError, ValueError)
