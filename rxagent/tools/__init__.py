"""Tools the model can call: ``@tool``, ``Tool``, ``ToolNode`` and what tools get injected.

A tool's ``writer`` / ``tool_call_id`` parameters (rxagent's JS-style names), a
``runtime: ToolRuntime`` parameter, and ``InjectedState`` / ``InjectedToolCallId``
annotations are filled at call time and hidden from the model. ``StreamWriter`` is
re-exported for annotating an injected ``writer`` parameter.

Example:
    >>> from rxagent.tools import tool
    >>> @tool
    ... def get_weather(city: str) -> str:
    ...     '''Get the weather for a city.'''
    ...     return f"Sunny in {city}"
    >>> get_weather.invoke({"city": "Paris"})
    'Sunny in Paris'
"""

from rxagent._types import StreamWriter
from rxagent.tools._injected import InjectedState, InjectedToolCallId, ToolRuntime
from rxagent.tools._schema import INJECTED_PARAMS
from rxagent.tools._tool import Tool, ToolInvocationError, ToolSchema, as_tool, tool
from rxagent.tools._tool_node import ToolNode, default_handle_tool_errors, tools_condition

__all__ = (
    "INJECTED_PARAMS",
    "InjectedState",
    "InjectedToolCallId",
    "StreamWriter",
    "Tool",
    "ToolInvocationError",
    "ToolNode",
    "ToolRuntime",
    "ToolSchema",
    "as_tool",
    "default_handle_tool_errors",
    "tool",
    "tools_condition",
)
