"""A LangChain ``BaseTool`` as an rxagent ``Tool`` (``as_tool`` wraps one when it is given one).

The LangChain tool keeps its own schema (``convert_to_openai_tool``) and its own invocation:
it is called with a tool call (``{"name", "args", "id", "type": "tool_call"}``), so its
``InjectedToolCallId`` parameters work and it returns a ``ToolMessage``, converted to
rxagent's. Its validation errors become ``ToolInvocationError`` as an rxagent tool's do.
``langchain_core`` is imported only when such a tool is given.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from rxagent.tools._injected import ToolRuntime
from rxagent.tools._tool import Tool, ToolSchema, invalid_arguments


def is_langchain_tool(obj: object) -> bool:
    """Whether ``obj`` is a LangChain ``BaseTool`` (never imports LangChain)."""
    module = sys.modules.get("langchain_core.tools")
    return module is not None and isinstance(obj, module.BaseTool)


class LangChainTool(Tool[..., Any]):
    """A LangChain ``BaseTool`` that rxagent's agent and ``ToolNode`` can call.

    Example:
        >>> from langchain_core.tools import tool as lc_tool
        >>> @lc_tool
        ... def shout(text: str) -> str:
        ...     '''Shout the text.'''
        ...     return text.upper()
        >>> LangChainTool(shout).invoke({"text": "hi"}, tool_call_id="c1").content
        'HI'
    """

    def __init__(self, base: Any) -> None:
        """Wrap ``base``; ``Tool.__init__`` is for functions, so it is not called."""
        self.base = base
        self.func = base.invoke
        self.name = base.name
        self.description = base.description
        self.return_direct = bool(getattr(base, "return_direct", False))
        self.is_async = getattr(base, "coroutine", None) is not None
        schema = getattr(base, "tool_call_schema", None)
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            schema = create_model(self.name)
        self.args_schema = schema
        self.injections = {}
        self.injected = frozenset()
        self._positional = ()

    def __repr__(self) -> str:
        return f"LangChainTool({self.name!r})"

    def tool_call_schema(self) -> ToolSchema:
        """The function schema LangChain gives the model for this tool."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        function = convert_to_openai_tool(self.base)["function"]
        return {
            "name": function["name"],
            "description": function.get("description", ""),
            "parameters": function.get("parameters", {}),
        }

    def invoke(
        self,
        args: Mapping[str, Any] | str | None = None,
        *,
        tool_call_id: str | None = None,
        runtime: ToolRuntime | None = None,
    ) -> Any:
        """Call the LangChain tool with a tool call; a ``ToolMessage`` comes back converted."""
        try:
            return _converted(self.base.invoke(self._call_of(args, tool_call_id)))
        except ValidationError as exc:
            raise invalid_arguments(self.name, args, exc) from exc

    async def ainvoke(
        self,
        args: Mapping[str, Any] | str | None = None,
        *,
        tool_call_id: str | None = None,
        runtime: ToolRuntime | None = None,
    ) -> Any:
        """As ``invoke``, with the tool's ``ainvoke`` (a sync tool runs in a thread)."""
        try:
            return _converted(await self.base.ainvoke(self._call_of(args, tool_call_id)))
        except ValidationError as exc:
            raise invalid_arguments(self.name, args, exc) from exc

    def _call_of(self, args: Mapping[str, Any] | str | None, call_id: str | None) -> Any:
        if call_id is None:
            return args if args is not None else {}
        given = dict(args) if isinstance(args, Mapping) else args
        return {"name": self.name, "args": given or {}, "id": call_id, "type": "tool_call"}


def _converted(result: Any) -> Any:
    if getattr(result, "type", None) == "tool" and hasattr(result, "tool_call_id"):
        from rxagent.integrations._langchain_convert import from_langchain

        return from_langchain(result)
    return result
