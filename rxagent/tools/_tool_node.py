"""``ToolNode`` and ``tools_condition``: run a model's tool calls as a graph node, as LangChain v1.

``ToolNode`` reads the tool calls of the last ``AIMessage`` in ``state["messages"]`` (or
takes a list of tool calls, as a ``Send`` gives it), runs them concurrently, emits each
call's ``tools`` events (``tool-started``, then ``tool-finished`` or ``tool-error``) and
returns ``{"messages": [ToolMessage, ...]}`` in the order of the calls. Every
``ToolMessage`` it makes has its id from the start, so the one object is the same in every
stream mode.

Errors follow LangChain's ``ToolNode``: an unknown tool name and (by default) invalid
arguments become an error ``ToolMessage`` for the model; any other exception ends the run,
after the events already emitted.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import UnionType
from typing import Any, Final, Literal, TypeAlias, Union, get_args, get_origin, get_type_hints

from rxagent._context import NOOP_WRITER, current_writer
from rxagent.graph._run import current_task
from rxagent.graph._task import Task
from rxagent.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from rxagent.tools._injected import ToolRuntime
from rxagent.tools._tool import Tool, ToolInvocationError, as_tool

ErrorHandling: TypeAlias = (
    bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]
)
"""What ``handle_tool_errors`` takes, as LangChain's ``ToolNode``."""

INVALID_TOOL_NAME: Final = "Error: {name} is not a valid tool, try one of [{names}]."
"""The content of the ``ToolMessage`` for an unknown tool (LangChain's template)."""
TOOL_CALL_ERROR: Final = "Error: {error!r}\n Please fix your mistakes."
"""The content of a handled error for ``True`` and exception types (LangChain's template)."""
_BLOCK_TYPES: Final = frozenset(
    {"text", "image_url", "image", "json", "search_result", "custom_tool_call_output"}
    | {"document", "file"}
)


def default_handle_tool_errors(error: Exception) -> str:
    """LangChain's default: invalid arguments become the error text, anything else re-raises.

    Example:
        >>> default_handle_tool_errors(ToolInvocationError("add", "a: Field required"))[:30]
        "Error invoking tool 'add' with"
    """
    if isinstance(error, ToolInvocationError):
        return error.message
    raise error


class SentToolCalls(list[ToolCall]):
    """Tool calls sent to a tool node, with the state of the step that sent them.

    It compares, prints and encodes as the plain list; ``ToolRuntime.state`` and
    ``InjectedState`` parameters read ``state``.
    """

    __slots__ = ("state",)

    def __init__(self, calls: Iterable[ToolCall], state: Any) -> None:
        """Wrap ``calls``, keeping ``state``."""
        super().__init__(calls)
        self.state = state


class ToolNode:
    """A graph node that runs the tool calls of the last ``AIMessage``, concurrently.

    Args:
        tools: ``@tool`` objects, plain functions with a docstring, or LangChain tools.
        name: the node's name, for ``add_node(tool_node)`` style use.
        handle_tool_errors: ``True`` (every exception becomes an error ``ToolMessage``),
            a string (that text), a callable (exception → text; the exception types it
            handles are read from its first parameter's annotation), an exception type or
            tuple of types (those become LangChain's ``Error: ...`` text), or ``False``
            (every exception ends the run). The default turns only invalid arguments into
            LangChain's error text.
        messages_key: the state key of the conversation and of the output.

    Example:
        >>> from rxagent import END, START, StateGraph, tool
        >>> from rxagent.agent import AgentState
        >>> @tool
        ... def add(a: int, b: int) -> int:
        ...     '''Add two numbers.'''
        ...     return a + b
        >>> graph = StateGraph(AgentState).add_node("tools", ToolNode([add]))
    """

    def __init__(
        self,
        tools: Sequence[Tool[..., Any] | Callable[..., Any] | Any],
        *,
        name: str = "tools",
        handle_tool_errors: ErrorHandling = default_handle_tool_errors,
        messages_key: str = "messages",
    ) -> None:
        """Build the node; see the class docstring for the arguments."""
        self.name = name
        self.tools_by_name: dict[str, Tool[..., Any]] = {}
        for item in tools:
            made = as_tool(item)
            self.tools_by_name[made.name] = made
        self.handle_tool_errors = handle_tool_errors
        self.messages_key = messages_key
        self._handled = _handled_types(handle_tool_errors)

    def __repr__(self) -> str:
        return f"ToolNode(tools={list(self.tools_by_name)!r}, name={self.name!r})"

    async def __call__(self, input: Any) -> dict[str, Any]:
        """Run the tool calls in ``input``; return ``{messages_key: [ToolMessage, ...]}``."""
        calls, state = self._parse(input)
        task = current_task.get()
        jobs = [asyncio.ensure_future(self._run_one(task, call, state)) for call in calls]
        try:
            messages = await asyncio.gather(*jobs)
        except BaseException:
            for job in jobs:
                job.cancel()
            raise
        return {self.messages_key: list(messages)}

    def _parse(self, input: Any) -> tuple[list[ToolCall], Any]:
        if isinstance(input, SentToolCalls):
            return list(input), input.state
        if isinstance(input, Mapping) and input.get("__type") == "tool_call_with_context":
            return [input["tool_call"]], input.get("state")
        if isinstance(input, list) and input and _is_tool_call(input[-1]):
            return list(input), {}
        if isinstance(input, list):
            messages = input
        elif isinstance(input, Mapping):
            messages = input.get(self.messages_key) or []
        else:
            messages = getattr(input, self.messages_key, None) or []
        if not messages:
            raise ValueError("No message found in input")
        last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
        if last is None:
            raise ValueError("No AIMessage found in input")
        return list(last.tool_calls), input

    async def _run_one(self, task: Task | None, call: ToolCall, state: Any) -> ToolMessage:
        call_id = call.get("id") or ""
        name = call["name"]
        tool = self.tools_by_name.get(name)
        if tool is None:
            content = INVALID_TOOL_NAME.format(name=name, names=", ".join(self.tools_by_name))
            return _message(content, name, call_id, "error")
        writer = task.writer(call_id) if task is not None else NOOP_WRITER
        current_writer.set(writer)
        tools = list(self.tools_by_name.values())
        runtime = ToolRuntime(state, _context(task), _config(task), writer, call_id, tools=tools)
        started = {"event": "tool-started", "tool_call_id": call_id, "tool_name": name}
        _emit(task, {**started, "input": call["args"]})
        try:
            result = await tool.ainvoke(call["args"], tool_call_id=call_id, runtime=runtime)
            message = tool_message(result, name, call_id)
        except Exception as error:
            _emit(task, {"event": "tool-error", "tool_call_id": call_id, "message": _text(error)})
            if not self.handle_tool_errors or not isinstance(error, self._handled):
                raise
            return _message(self._content(error), name, call_id, "error")
        _emit(task, {"event": "tool-finished", "tool_call_id": call_id, "output": message})
        return message

    def _content(self, error: Exception) -> str:
        flag = self.handle_tool_errors
        if isinstance(flag, bool | tuple | type):
            return TOOL_CALL_ERROR.format(error=error)
        if isinstance(flag, str):
            return flag
        return flag(error)


def tools_condition(state: Any, messages_key: str = "messages") -> Literal["tools", "__end__"]:
    """Route to ``"tools"`` when the last message has tool calls, else to ``END``.

    Raises:
        ValueError: the state has no messages.

    Example:
        >>> tools_condition({"messages": [AIMessage("Hi")]})
        '__end__'
    """
    if isinstance(state, list):
        messages = state
    elif isinstance(state, Mapping):
        messages = state.get(messages_key) or []
    else:
        messages = getattr(state, messages_key, None) or []
    if not messages:
        raise ValueError(f"No messages found in input state to tool_edge: {state}")
    if getattr(messages[-1], "tool_calls", None):
        return "tools"
    return "__end__"


def tool_message(result: Any, name: str, call_id: str) -> ToolMessage:
    """The ``ToolMessage`` for what a tool returned, with an id, as LangChain formats it.

    Example:
        >>> tool_message({"temp": 21}, "weather", "c1").content
        '{"temp": 21}'
    """
    if isinstance(result, ToolMessage):
        if result.id is None:
            result.id = str(uuid.uuid4())
        return result
    if isinstance(result, BaseMessage):
        return _message(result.content, name, call_id, "success")
    if isinstance(result, str):
        return _message(result, name, call_id, "success")
    if isinstance(result, list | tuple) and all(_is_block(item) for item in result):
        return _message(list(result), name, call_id, "success")
    try:
        content = json.dumps(result, ensure_ascii=False)
    except (TypeError, ValueError):
        content = str(result)
    return _message(content, name, call_id, "success")


def _message(
    content: Any, name: str, call_id: str, status: Literal["success", "error"]
) -> ToolMessage:
    return ToolMessage(
        content, name=name, tool_call_id=call_id, status=status, id=str(uuid.uuid4())
    )


def _is_block(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") in _BLOCK_TYPES


def _is_tool_call(item: Any) -> bool:
    return isinstance(item, Mapping) and "name" in item and "args" in item


def _emit(task: Task | None, payload: dict[str, Any]) -> None:
    if task is not None:
        task.run.flow.flush()  # what the tool's threads wrote comes first
        task.tool_event(payload)


def _text(error: Exception) -> str:
    """The ``tool-error`` text: pydantic's own for invalid arguments, as LangGraph's."""
    if isinstance(error, ToolInvocationError) and error.source is not None:
        return str(error.source)
    return str(error)


def _context(task: Task | None) -> Any:
    return getattr(task.run, "context", None) if task is not None else None


def _config(task: Task | None) -> dict[str, Any]:
    if task is None:
        return {}
    run = task.run
    return {
        "tags": list(run.tags),
        "metadata": dict(run.metadata),
        "recursion_limit": run.recursion_limit,
        "run_id": run.run_id,
        "configurable": {"checkpoint_ns": task.checkpoint_ns, "task_id": task.task_id},
    }


def _handled_types(flag: ErrorHandling) -> tuple[type[Exception], ...]:
    """The exception types ``handle_tool_errors`` turns into messages (none for ``False``)."""
    if flag is False:
        return ()
    if isinstance(flag, type) and issubclass(flag, Exception):
        return (flag,)
    if isinstance(flag, tuple):
        if not all(isinstance(t, type) and issubclass(t, Exception) for t in flag):
            raise TypeError(f"handle_tool_errors: a tuple of exception types, got {flag!r}")
        return flag
    if isinstance(flag, bool | str):
        return (Exception,)
    if callable(flag) and not isinstance(flag, type):
        return _annotated_types(flag)
    raise TypeError(
        "handle_tool_errors takes a bool, a str, a callable, an exception type or a tuple "
        f"of them, got {type(flag).__name__}"
    )


def _annotated_types(handler: Callable[..., str]) -> tuple[type[Exception], ...]:
    """The exception types named by the annotation of ``handler``'s first parameter."""
    params = list(inspect.signature(handler).parameters.values())
    if not params:
        return (Exception,)
    hints = get_type_hints(handler)
    hint = hints.get(params[0].name)
    if hint is None:
        return (Exception,)
    types = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    if not all(isinstance(t, type) and issubclass(t, Exception) for t in types):
        raise ValueError(
            "annotate the error handler's parameter with an exception type or a union of "
            f"them, e.g. `def handler(e: ValueError) -> str`; got {hint!r}"
        )
    return tuple(types)
