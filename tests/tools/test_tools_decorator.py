"""The ``@tool`` decorator: bare and with arguments, and its errors."""

from __future__ import annotations

import functools

import pytest

import rxagent.tools
from rxagent.tools import Tool, tool


def test_all_is_a_sorted_tuple_of_public_names() -> None:
    names = rxagent.tools.__all__
    assert isinstance(names, tuple)
    assert list(names) == sorted(names)
    assert all(hasattr(rxagent.tools, name) for name in names)


def test_bare() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    assert isinstance(ping, Tool)
    assert (ping.name, ping.description, ping.return_direct) == ("ping", "Ping.", False)


def test_with_a_positional_name_and_options() -> None:
    @tool("weather", description="Weather now.", return_direct=True)
    def get_weather(city: str) -> str:
        return city

    assert (get_weather.name, get_weather.description) == ("weather", "Weather now.")
    assert get_weather.return_direct
    assert get_weather.tool_call_schema()["name"] == "weather"


def test_with_keyword_name_and_empty_call() -> None:
    @tool(name="lookup")
    async def find(key: str) -> str:
        """Find a key."""
        return key

    @tool()
    def other() -> None:
        """Other."""

    assert find.name == "lookup"
    assert find.is_async
    assert other.name == "other"


def test_explicit_description_overrides_the_docstring() -> None:
    @tool(description="Short.")
    def f() -> None:
        """Long docstring."""

    assert f.description == "Short."


def test_no_docstring_and_no_description_names_the_function() -> None:
    with pytest.raises(ValueError, match=r"test_no_docstring.*\.undocumented has no docstring"):

        @tool
        def undocumented(city: str) -> str:
            return city


def test_bad_names() -> None:
    with pytest.raises(ValueError, match="invalid tool name"):
        tool("get weather")(lambda: None)
    with pytest.raises(ValueError, match="pass name="):
        tool(description="Anonymous.")(lambda: None)
    with pytest.raises(ValueError, match="invalid tool name ''"):
        tool("")


def test_partial_needs_a_name() -> None:
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    with pytest.raises(ValueError, match="pass name="):
        tool(functools.partial(add, b=1))
    made = tool(name="inc")(functools.partial(add, b=1))
    assert made.description == "Add."
    assert made.invoke({"a": 1}) == 2


def test_misuse_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="function or a tool name, got int"):
        tool(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="name twice"):
        tool("a", name="b")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="already a Tool"):

        @tool
        @tool
        def twice() -> None:
            """Twice."""

    with pytest.raises(TypeError, match="generator"):

        @tool
        def gen() -> object:
            """Gen."""
            yield 1


def test_varargs_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"\*args"):

        @tool
        def f(*args: int) -> None:
            """F."""
