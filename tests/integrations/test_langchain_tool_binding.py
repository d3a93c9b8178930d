"""``LangChainModel`` binds rxagent tools and LangChain tools alike, as LangChain binds them."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langchain_openai")

from langchain_core.tools import tool as lc_tool
from langchain_openai import ChatOpenAI

from rxagent import tool
from rxagent.integrations.langchain import LangChainModel
from rxagent.tools import ToolNode


def get_weather(city: str, unit: str = "celsius") -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}"


def _bound_tools(tools: list[Any]) -> list[dict[str, Any]]:
    model = LangChainModel(ChatOpenAI(api_key="test", model="gpt-4.1-mini"))
    bound: list[dict[str, Any]] = model._bound(tools).kwargs["tools"]
    return bound


def test_rxagent_and_langchain_tools_bind_to_the_same_schema() -> None:
    ours = _bound_tools([tool(get_weather)])
    theirs = _bound_tools([lc_tool(get_weather)])
    expected = ChatOpenAI(api_key="test").bind_tools([lc_tool(get_weather)]).kwargs["tools"]  # type: ignore[attr-defined]
    assert theirs == expected
    assert ours[0]["function"]["name"] == theirs[0]["function"]["name"] == "get_weather"
    assert ours[0]["function"]["parameters"] == theirs[0]["function"]["parameters"]


def test_tools_wrapped_by_the_agent_bind_as_langchain_tools() -> None:
    wrapped = list(ToolNode([lc_tool(get_weather), tool(get_weather)]).tools_by_name.values())
    assert len(_bound_tools(wrapped)) == 1  # same name: the ToolNode keeps one
    mixed = ToolNode([lc_tool(get_weather)]).tools_by_name["get_weather"]
    assert _bound_tools([mixed]) == _bound_tools([lc_tool(get_weather)])


def test_the_binding_is_kept_while_the_tools_are_the_same() -> None:
    model = LangChainModel(ChatOpenAI(api_key="test"))
    tools = [tool(get_weather)]
    assert model._bound(tools) is model._bound(list(tools))
    assert model._bound([tool(get_weather)]) is not model._bound(tools)
