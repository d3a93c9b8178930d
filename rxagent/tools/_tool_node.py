"""``ToolNode`` and ``tools_condition``: run a model's tool calls as a graph node, as LangChain v1.

``ToolNode`` reads the tool calls of the last ``AIMessage`` in ``state["messages"]`` (or
takes a list of tool calls, as a ``Send`` gives it), runs them concurrently, emits each
call's ``tools`` events (``tool-started``, then ``tool-finished`` or ``tool-error``) and
returns ``{"messages": [ToolMessage, ...]}`` in the order of the calls. Every
``ToolMessage`` it makes has its id from the start, so the one object is the same in every
stream mode.

A tool may return a ``Command`` (rxagent's or LangGraph's), or a list of commands and
tool messages, as in LangGraph: ``tool-finished`` carries it as returned, and it is
checked as LangGraph's ``ToolNode`` checks it (a ``Command`` for this graph must hold a
``ToolMessage`` for the call in its ``messages`` update, a list exactly one). Then the node
returns a list, in the order of the calls: each ``Command`` as it is (its ``goto`` routes)
and ``{"messages": [ToolMessage]}`` for each plain result.

Errors follow LangChain's ``ToolNode``: an unknown tool name and (by default) invalid
arguments become an error ``ToolMessage`` for the model; any other exception ends the run,
after the events already emitted.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import UnionType
from typing import Any, Final, Literal, TypeAlias, Union, get_args, get_origin, get_type_hints

from rxagent._context import NOOP_WRITER, current_writer
from rxagent.graph import Command, Send
from rxagent.graph._task import Task, current_task
from rxagent.messages import (
    ToolCall,
    ToolMessage,
)
from rxagent.tools._injected import ToolRuntime
from rxagent.tools._tool import Tool, ToolInvocationError, as_tool
from rxagent.tools._tool_output import (
    InputType,
    all_sends,
    checked_output,
    is_command_output,
    new_tool_message,
    own,
    tool_message,
)

ErrorHandling: TypeAlias = (
    bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]
)
"""What ``handle_tool_errors`` takes, as LangChain's ``ToolNode``."""
ToolOutput: TypeAlias = ToolMessage | Command[Any] | list[ToolMessage | Command[Any]]
"""What one tool call gives: a message, or a tool's checked commands and messages."""

INVALID_TOOL_NAME: Final = "Error: {name} is not a valid tool, try one of [{names}]."
"""The content of the ``ToolMessage`` for an unknown tool (LangChain's template)."""
TOOL_CALL_ERROR: Final = "Error: {error!r}\n Please fix your mistakes."
"""The content of a handled error for ``True`` and exception types (LangChain's template)."""


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

    async def __call__(self, input: Any) -> Any:
        """Run the tool calls in ``input``.

        Returns:
            ``{messages_key: [ToolMessage, ...]}``; when a tool returned a ``Command``, a
            list as LangGraph's: the commands and ``{messages_key: [ToolMessage]}``
            for the other results, in the order of the calls. Typed ``Any`` as LangGraph's
            (``_afunc``): callers index the usual dict without a type check.
        """
        calls, state, kind = self._parse(input)
        task = current_task.get()
        jobs = [asyncio.ensure_future(self._run_one(task, call, state, kind)) for call in calls]
        try:
            outputs = await asyncio.gather(*jobs)
        except BaseException:
            for job in jobs:
                job.cancel()
            raise
        return self._combine(outputs)

    def _combine(self, outputs: list[ToolOutput]) -> dict[str, Any] | list[Any]:
        """LangGraph's ``_combine_tool_outputs``; parent ``Send`` gotos join one command."""
        flat = [item for out in outputs for item in (out if isinstance(out, list) else [out])]
        if not any(isinstance(item, Command) for item in flat):
            return {self.messages_key: flat}
        combined: list[Any] = []
        sends: list[Send] = []
        for item in flat:
            if not isinstance(item, Command):
                combined.append({self.messages_key: [item]})
            elif item.graph == Command.PARENT and all_sends(item.goto):
                sends.extend(s for s in item.destinations() if isinstance(s, Send))
            else:
                combined.append(item)
        if sends:
            combined.append(Command(graph=Command.PARENT, goto=sends))
        return combined

    def _parse(self, input: Any) -> tuple[list[ToolCall], Any, InputType]:
        if isinstance(input, SentToolCalls):
            return list(input), input.state, "tool_calls"
        if isinstance(input, Mapping) and input.get("__type") == "tool_call_with_context":
            return [input["tool_call"]], input.get("state"), "tool_calls"
        if isinstance(input, list) and input and _is_tool_call(input[-1]):
            return list(input), {}, "tool_calls"
        if isinstance(input, list):
            messages = input
        elif isinstance(input, Mapping):
            messages = input.get(self.messages_key) or []
        else:
            messages = getattr(input, self.messages_key, None) or []
        if not messages:
            raise ValueError("No message found in input")
        # by type, not class: the state may hold langchain-core messages (rxagent.graph.message)
        last = next((m for m in reversed(messages) if getattr(m, "type", None) == "ai"), None)
        if last is None:
            raise ValueError("No AIMessage found in input")
        return list(last.tool_calls), input, "list" if isinstance(input, list) else "dict"

    async def _run_one(
        self, task: Task | None, call: ToolCall, state: Any, kind: InputType
    ) -> ToolOutput:
        call_id = call.get("id") or ""
        name = call["name"]
        tool = self.tools_by_name.get(name)
        if tool is None:
            content = INVALID_TOOL_NAME.format(name=name, names=", ".join(self.tools_by_name))
            return new_tool_message(content, name, call_id, "error")
        writer = task.writer(call_id) if task is not None else NOOP_WRITER
        current_writer.set(writer)
        tools = list(self.tools_by_name.values())
        runtime = ToolRuntime(state, _context(task), _config(task), writer, call_id, tools=tools)
        started = {"event": "tool-started", "tool_call_id": call_id, "tool_name": name}
        _emit(task, {**started, "input": call["args"]})
        try:
            result = own(await tool.ainvoke(call["args"], tool_call_id=call_id, runtime=runtime))
            output = result if is_command_output(result) else tool_message(result, name, call_id)
        except Exception as error:
            _emit(task, {"event": "tool-error", "tool_call_id": call_id, "message": _text(error)})
            return self._handle(error, name, call_id)
        _emit(task, {"event": "tool-finished", "tool_call_id": call_id, "output": output})
        if isinstance(output, ToolMessage):
            return output
        try:  # after tool-finished and with no tool-error, as LangGraph's ToolNode checks
            return checked_output(output, call, kind, self.messages_key)
        except Exception as error:
            return self._handle(error, name, call_id)

    def _handle(self, error: Exception, name: str, call_id: str) -> ToolMessage:
        """The error ``ToolMessage`` for ``error``, or ``error`` raised if it is not handled."""
        if not self.handle_tool_errors or not isinstance(error, self._handled):
            raise error
        return new_tool_message(self._content(error), name, call_id, "error")

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
        >>> from rxagent.messages import AIMessage
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
