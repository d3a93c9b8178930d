"""``Tool``: a function the model can call, with its schema, validation and injected writer."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, ParamSpec, TypedDict, TypeVar, overload

from pydantic import BaseModel, ValidationError

from rxagent._context import get_stream_writer
from rxagent._threads import run_in_thread
from rxagent.tools._injected import ToolRuntime, find_injections
from rxagent.tools._schema import create_args_schema, describe, strip_titles

P = ParamSpec("P")
R = TypeVar("R")

_NAME: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What OpenAI and Anthropic accept as a function name."""
_INVOCATION_ERROR: Final = (
    "Error invoking tool '{tool_name}' with kwargs {tool_kwargs} with error:\n"
    " {error}\n"
    " Please fix the error and try again."
)
"""LangChain v1's ``TOOL_INVOCATION_ERROR_TEMPLATE``."""


class ToolSchema(TypedDict):
    """The function schema of a tool, as OpenAI and LangChain's ``bind_tools`` expect it."""

    name: str
    """The tool name the model calls."""
    description: str
    """What the tool does, for the model."""
    parameters: dict[str, Any]
    """The JSON schema of the arguments (an ``object``), without pydantic's titles."""


class ToolInvocationError(ValueError):
    """The arguments of a tool call do not match the tool's schema.

    Its text is LangChain v1's ``ToolNode`` text for invalid arguments, which is what the
    model reads in the error ``ToolMessage``.

    Attributes:
        tool_name: the tool that was called.
        details: one ``field: problem`` line per invalid field (pydantic's messages).
        tool_kwargs: the arguments as the model gave them.
        source: pydantic's ``ValidationError``, when validation raised one.
        message: the whole text, as ``str(error)``.
    """

    def __init__(
        self,
        tool_name: str,
        details: str,
        *,
        tool_kwargs: Any = None,
        source: ValidationError | None = None,
    ) -> None:
        self.message = _INVOCATION_ERROR.format(
            tool_name=tool_name, tool_kwargs=tool_kwargs, error=details
        )
        super().__init__(self.message)
        self.tool_name = tool_name
        self.details = details
        self.tool_kwargs = tool_kwargs
        self.source = source


class Tool(Generic[P, R]):
    """A function the model can call: name, description, argument schema and invocation.

    Build it with ``@tool`` or ``as_tool``. Calling the ``Tool`` calls the function directly;
    ``invoke`` / ``ainvoke`` validate the model's arguments first and fill the injected
    parameters (``writer``, ``tool_call_id``, ``runtime: ToolRuntime``, ``InjectedState``,
    ``InjectedToolCallId``).

    Example:
        >>> @tool
        ... def add(a: int, b: int = 1) -> int:
        ...     '''Add two numbers.'''
        ...     return a + b
        >>> add.invoke({"a": "2"}), add(2, 3)
        (3, 5)
    """

    def __init__(
        self,
        func: Callable[P, R],
        *,
        name: str | None = None,
        description: str | None = None,
        return_direct: bool = False,
    ) -> None:
        """Wrap ``func``; see ``tool`` for the arguments and the errors."""
        if isinstance(func, Tool):
            raise TypeError(f"{func!r} is already a Tool: apply @tool to the function once")
        if not callable(func):
            raise TypeError(f"a tool wraps a function, got {type(func).__name__}")
        if inspect.isasyncgenfunction(func) or inspect.isgeneratorfunction(func):
            raise TypeError(f"tool function {_label(func)} is a generator: return a value")
        name = _check_name(name if name is not None else getattr(func, "__name__", None), func)
        description = description if description is not None else describe(func)
        if not description:
            raise ValueError(
                f"tool function {_label(func)} has no docstring: add one or pass description="
            )
        self.func: Callable[P, R] = func
        self.name: str = name
        self.description: str = description
        self.return_direct: bool = return_direct
        self.is_async: bool = _is_async(func)
        self.args_schema: type[BaseModel] = create_args_schema(func, name)
        params = inspect.signature(func).parameters
        self.injections = find_injections(func)
        """How each injected parameter is filled, by parameter name."""
        self.injected: frozenset[str] = frozenset(self.injections)
        """The injected parameters the function takes."""
        self._positional = tuple(n for n, p in params.items() if p.kind is p.POSITIONAL_ONLY)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, is_async={self.is_async})"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the function directly, with no validation and no injection."""
        return self.func(*args, **kwargs)

    def tool_call_schema(self) -> ToolSchema:
        """The function schema given to the model: ``{"name", "description", "parameters"}``.

        Example:
            >>> @tool
            ... def get_weather(city: str) -> str:
            ...     '''Get the weather for a city.'''
            ...     return "Sunny"
            >>> get_weather.tool_call_schema()["parameters"]
            {'properties': {'city': {'type': 'string'}}, 'required': ['city'], 'type': 'object'}
        """
        parameters = strip_titles(self.args_schema.model_json_schema())
        return {"name": self.name, "description": self.description, "parameters": parameters}

    def json_schema(self) -> ToolSchema:
        """The same as ``tool_call_schema()``."""
        return self.tool_call_schema()

    def invoke(
        self,
        args: Mapping[str, Any] | str | None = None,
        *,
        tool_call_id: str | None = None,
        runtime: ToolRuntime | None = None,
    ) -> Any:
        """Validate ``args`` and call the sync function.

        Args:
            args: the arguments from the model: a mapping, a JSON object string, or for a tool
                with one parameter that parameter's value as a string.
            tool_call_id: the id of the call, for a ``tool_call_id`` or ``InjectedToolCallId``
                parameter.
            runtime: what ``ToolRuntime`` and ``InjectedState`` parameters receive; the tool
                node passes it. Without it they get a runtime with an empty state.

        Raises:
            TypeError: the tool is async; use ``ainvoke``.
            ToolInvocationError: ``args`` do not match the schema.
        """
        if self.is_async:
            raise TypeError(f"tool {self.name!r} is async: use `await tool.ainvoke(...)`")
        return self._call(self._validate(args), tool_call_id, runtime)

    async def ainvoke(
        self,
        args: Mapping[str, Any] | str | None = None,
        *,
        tool_call_id: str | None = None,
        runtime: ToolRuntime | None = None,
    ) -> Any:
        """Validate ``args`` and call the function; a sync one runs in a worker thread.

        The thread (a daemon thread: see ``rxagent._threads``) gets a copy of the context,
        so ``get_stream_writer()`` and ``is_cancelled()`` work inside it. Arguments and
        errors as in ``invoke``.
        """
        kwargs = self._validate(args)
        if self.is_async:
            return await self._call(kwargs, tool_call_id, runtime)
        return await run_in_thread(self._call, kwargs, tool_call_id, runtime)

    def _validate(self, args: Mapping[str, Any] | str | None) -> dict[str, Any]:
        """The validated keyword arguments of the call, injected ones not included."""
        fields = self.args_schema.model_fields
        if args is None:
            args = {}
        elif isinstance(args, str):
            args = {next(iter(fields)): args} if len(fields) == 1 else _json_object(self, args)
        try:
            validated = self.args_schema.model_validate(args)
        except ValidationError as exc:
            raise invalid_arguments(self.name, args, exc) from exc
        return dict(validated)

    def _call(
        self,
        kwargs: dict[str, Any],
        tool_call_id: str | None,
        runtime: ToolRuntime | None,
    ) -> Any:
        if self.injections:
            if runtime is None:
                runtime = ToolRuntime({}, None, {}, get_stream_writer(), tool_call_id)
            kwargs.update(_injected_values(self, runtime, tool_call_id))
        positional = [kwargs.pop(name) for name in self._positional]
        func: Callable[..., Any] = self.func
        return func(*positional, **kwargs)


def invalid_arguments(name: str, args: Any, exc: ValidationError) -> ToolInvocationError:
    """The ``ToolInvocationError`` for pydantic's ``exc``: one ``field: problem`` line each."""
    details = "\n".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )
    return ToolInvocationError(name, details, tool_kwargs=args, source=exc)


def _injected_values(
    tool: Tool[..., Any], runtime: ToolRuntime, tool_call_id: str | None
) -> dict[str, Any]:
    """The values of the injected parameters of ``tool`` for one call."""
    values: dict[str, Any] = {}
    for name, injection in tool.injections.items():
        kind, key = injection.kind, injection.key
        if kind == "writer":
            values[name] = runtime.stream_writer
        elif kind == "tool_call_id":
            values[name] = tool_call_id
        elif kind == "runtime":
            values[name] = runtime
        elif key is None:
            values[name] = runtime.state
        elif _has(runtime.state, key):
            state = runtime.state
            values[name] = state[key] if isinstance(state, Mapping) else getattr(state, key)
        elif not injection.optional:
            raise KeyError(key)  # as LangChain's ToolNode: the state lacks the key
    return values


def _has(state: Any, key: str) -> bool:
    return key in state if isinstance(state, Mapping) else hasattr(state, key)


def _json_object(tool: Tool[..., Any], text: str) -> Any:
    """The arguments of a multi-parameter tool given as a string: it must be a JSON object."""
    try:
        return json.loads(text)
    except ValueError:
        raise ToolInvocationError(
            tool.name,
            f"a string argument must be a JSON object for a tool with "
            f"{len(tool.args_schema.model_fields)} parameters, got {text!r}",
            tool_kwargs=text,
        ) from None


def _check_name(name: str | None, func: object) -> str:
    if name is None or not _NAME.match(name):
        where = f" for {_label(func)}" if func is not None else ""
        raise ValueError(
            f"invalid tool name {name!r}{where}: pass name= with 1-64 letters, digits, '_' or '-'"
        )
    return name


def _is_async(func: Callable[..., Any]) -> bool:
    call = getattr(func, "__call__", None)  # noqa: B004 - an object with an async __call__
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call)


def _label(func: object) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


@overload
def tool(func: Callable[P, R], /) -> Tool[P, R]: ...


@overload
def tool(
    name: str | None = None,
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...


@overload
def tool(
    *,
    name: str,
    description: str | None = None,
    return_direct: bool = False,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...


def tool(
    func_or_name: Callable[P, R] | str | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    return_direct: bool = False,
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Turn a sync or async function into a ``Tool``; usable bare or with arguments.

    The name defaults to the function's, the description to its docstring's first paragraph,
    the argument schema to its signature. Parameters named ``writer`` and ``tool_call_id`` are
    injected at call time (``get_stream_writer()`` and the call's id) and are not shown to
    the model.

    Args:
        func_or_name: the function (bare ``@tool``) or the tool name (``@tool("name")``).
        name: the tool name, as a keyword.
        description: what the tool does, for the model; defaults to the docstring.
        return_direct: accepted for LangChain compatibility and kept on the tool; the agent
            does not act on it yet.

    Raises:
        TypeError: misuse, such as a name that is not a string or two names.
        ValueError: no docstring and no ``description=``, or an invalid name.

    Example:
        >>> @tool("weather", description="Get the weather for a city.")
        ... async def get_weather(city: str, writer) -> str:
        ...     writer({"progress": f"Looking up {city}"})
        ...     return f"Sunny in {city}"
        >>> get_weather.name, list(get_weather.args_schema.model_fields)
        ('weather', ['city'])
    """
    if callable(func_or_name):
        return Tool(func_or_name, name=name, description=description, return_direct=return_direct)
    if func_or_name is not None and not isinstance(func_or_name, str):
        raise TypeError(f"@tool takes a function or a tool name, got {type(func_or_name).__name__}")
    if func_or_name is not None and name is not None:
        raise TypeError("@tool got the tool name twice: positionally and as name=")
    chosen = func_or_name if func_or_name is not None else name
    if chosen is not None:
        _check_name(chosen, None)

    def decorate(func: Callable[P, R]) -> Tool[P, R]:
        return Tool(func, name=chosen, description=description, return_direct=return_direct)

    return decorate


def as_tool(obj: object) -> Tool[..., Any]:
    """Return ``obj`` if it is a ``Tool``, else a ``Tool`` made from the callable.

    This is how ``create_agent(tools=[...])`` and ``ToolNode`` accept tools, plain functions
    and LangChain tools (``BaseTool``, wrapped in a ``LangChainTool``) alike.

    Raises:
        TypeError: ``obj`` is not callable.
        ValueError: as for ``@tool``, e.g. a plain function without a docstring.

    Example:
        >>> def get_time(city: str) -> str:
        ...     '''Get the local time in a city.'''
        ...     return "12:00"
        >>> as_tool(get_time).name
        'get_time'
    """
    if isinstance(obj, Tool):
        return obj
    from rxagent.tools._langchain_tool import LangChainTool, is_langchain_tool

    if is_langchain_tool(obj):
        return LangChainTool(obj)
    if not callable(obj):
        raise TypeError(f"expected a Tool or a function, got {type(obj).__name__}")
    return Tool(obj)
