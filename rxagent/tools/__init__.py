"""Tools the model can call: ``@tool``, ``Tool`` and the injected ``writer`` / ``tool_call_id``.

``StreamWriter`` is re-exported for annotating an injected ``writer`` parameter.

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
from rxagent.tools._schema import INJECTED_PARAMS
from rxagent.tools._tool import Tool, ToolInvocationError, ToolSchema, as_tool, tool

__all__ = (
    "INJECTED_PARAMS",
    "StreamWriter",
    "Tool",
    "ToolInvocationError",
    "ToolSchema",
    "as_tool",
    "tool",
)
