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
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import replace
from types import UnionType
from typing import Any, Final, Literal, TypeAlias, Union, get_args, get_origin, get_type_hints

from rxagent._context import NOOP_WRITER, current_writer
from rxagent.graph import Command, Send
from rxagent.graph._task import Task, current_task
from rxagent.messages import (
    REMOVE_ALL_MESSAGES,
    BaseMessage,
    RemoveMessage,
    ToolCall,
    ToolMessage,
    convert_to_messages,
)
from rxagent.tools._injected import ToolRuntime
from rxagent.tools._tool import Tool, ToolInvocationError, as_tool

ErrorHandling: TypeAlias = (
    bool | str | Callable[..., str] | type[Exception] | tuple[type[Exception], ...]
)
"""What ``handle_tool_errors`` takes, as LangChain's ``ToolNode``."""
InputType: TypeAlias = Literal["list", "dict", "tool_calls"]
"""What the node was given, as LangGraph's ``ToolNode`` tells them apart."""
ToolOutput: TypeAlias = ToolMessage | Command[Any] | list[ToolMessage | Command[Any]]
"""What one tool call gives: a message, or a tool's checked commands and messages."""

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
            elif item.graph == Command.PARENT and _all_sends(item.goto):
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
            return _message(content, name, call_id, "error")
        writer = task.writer(call_id) if task is not None else NOOP_WRITER
        current_writer.set(writer)
        tools = list(self.tools_by_name.values())
        runtime = ToolRuntime(state, _context(task), _config(task), writer, call_id, tools=tools)
        started = {"event": "tool-started", "tool_call_id": call_id, "tool_name": name}
        _emit(task, {**started, "input": call["args"]})
        try:
            result = _own(await tool.ainvoke(call["args"], tool_call_id=call_id, runtime=runtime))
            output = result if _is_command_output(result) else tool_message(result, name, call_id)
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
        return _message(self._content(error), name, call_id, "error")

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


def checked_output(
    output: Command[Any] | list[ToolMessage | Command[Any]],
    call: ToolCall,
    kind: InputType,
    messages_key: str = "messages",
) -> Command[Any] | list[ToolMessage | Command[Any]]:
    """A tool's ``Command`` (or list) checked as LangGraph's ``ToolNode`` checks it.

    The update is copied; in it the ``ToolMessage`` for the call gets the tool's name and
    every message object an id (what LangGraph's reducer gives it on the way in).

    Raises:
        ValueError: with LangGraph's text: a ``Command`` for this graph has no
            ``ToolMessage`` for the call, a list has not exactly one, or the update has
            the wrong shape for ``kind``.

    Example:
        >>> call: ToolCall = {"name": "save", "args": {}, "id": "c1"}
        >>> done = Command(update={"messages": [ToolMessage("ok", tool_call_id="c1")]})
        >>> checked_output(done, call, "dict").update["messages"][0].name
        'save'
    """
    if isinstance(output, Command):
        return _checked_command(output, call, kind, messages_key, require_terminator=True)
    found = 0
    for item in output:
        bound = [item] if isinstance(item, ToolMessage) else _update_messages(item, messages_key)
        found += sum(isinstance(m, ToolMessage) and m.tool_call_id == call["id"] for m in bound)
    if found != 1:
        raise ValueError(
            f"Tool {call['name']} returned a list with {found} messages bound to tool_call_id "
            f"{call['id']!r}; expected exactly one terminating ToolMessage."
        )
    return [
        _checked_command(item, call, kind, messages_key, require_terminator=False)
        if isinstance(item, Command)
        else tool_message(item, call["name"], call["id"] or "")
        for item in output
    ]


def _checked_command(
    command: Command[Any], call: ToolCall, kind: InputType, key: str, *, require_terminator: bool
) -> Command[Any]:
    name = call["name"]
    copied = _copied(command, kind, key, name)
    if copied is None:
        return command
    command, messages = copied
    for message in messages if isinstance(messages, list) else [messages]:
        if isinstance(message, BaseMessage) and message.id is None:
            message.id = str(uuid.uuid4())
    converted = convert_to_messages(messages)
    if [(type(m), m.id) for m in converted] == [(RemoveMessage, REMOVE_ALL_MESSAGES)]:
        return command
    matched = False
    for message in converted:
        if isinstance(message, ToolMessage) and message.tool_call_id == call["id"]:
            message.name, matched = name, True
    if require_terminator and command.graph is None and not matched:
        shown = '{"messages": [' if kind == "dict" else "["
        raise ValueError(
            f"Expected to have a matching ToolMessage in Command.update for tool '{name}', "
            f"got: {converted}. Every tool call (LLM requesting to call a tool) in the "
            "message history MUST have a corresponding ToolMessage. You can fix it by "
            f'modifying the tool to return `Command(update={shown}ToolMessage("Success", '
            f"tool_call_id=tool_call_id), ...]{'}' if kind == 'dict' else ''}, ...)`."
        )
    return command


def _copied(
    command: Command[Any], kind: InputType, key: str, name: str
) -> tuple[Command[Any], Any] | None:
    """The command with a copy of its update and the messages in it (``None``: no check)."""
    update = command.update
    if isinstance(update, Mapping):
        if kind == "list":
            raise ValueError(
                "Tools can provide a dict in Command.update only when using dict with "
                f"'{key}' key as ToolNode input, got: {update} for tool '{name}'"
            )
        copied = deepcopy(dict(update))
        return replace(command, update=copied), copied.get(key, [])
    if isinstance(update, list):
        if kind != "list":
            raise ValueError(
                "Tools can provide a list of messages in Command.update only when using "
                f"list of messages as ToolNode input, got: {update} for tool '{name}'"
            )
        copied_list = deepcopy(update)
        return replace(command, update=copied_list), copied_list
    return None


def _update_messages(command: Command[Any], key: str) -> list[Any]:
    update = command.update
    messages = update.get(key, []) if isinstance(update, Mapping) else []
    return messages if isinstance(messages, list) else [messages]


def _is_command_output(result: Any) -> bool:
    """Whether a tool returned a ``Command``, or a list of only commands and tool messages."""
    if isinstance(result, list):
        return bool(result) and all(isinstance(i, Command | ToolMessage) for i in result)
    return isinstance(result, Command)


def _own(result: Any) -> Any:
    """``result`` with LangGraph's commands and LangChain's messages made rxagent's."""
    if isinstance(result, list) and result and all(_is_foreign_output(i) for i in result):
        return [_own(item) for item in result]
    kind = type(result)
    if kind.__name__ == "Command" and kind.__module__.startswith("langgraph."):
        update = result.update
        if isinstance(update, Mapping):
            update = {k: _own_messages(v) for k, v in update.items()}
        elif isinstance(update, list):
            update = _own_messages(update)
        return Command(
            graph=result.graph, update=update, resume=result.resume, goto=_own_goto(result.goto)
        )
    if _is_langchain_message(result):
        return convert_to_messages(result)[0]
    return result


def _own_messages(value: Any) -> Any:
    if _is_langchain_message(value):
        return convert_to_messages(value)[0]
    if isinstance(value, list) and any(_is_langchain_message(v) for v in value):
        return [convert_to_messages(v)[0] if _is_langchain_message(v) else v for v in value]
    return value


def _own_goto(goto: Any) -> Any:
    if isinstance(goto, str):
        return goto
    if type(goto).__name__ == "Send":
        return Send(goto.node, goto.arg)
    return [_own_goto(item) for item in goto]


def _is_foreign_output(item: Any) -> bool:
    return (
        isinstance(item, Command | ToolMessage)
        or type(item).__name__ == "Command"
        or _is_langchain_message(item)
    )


def _is_langchain_message(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith("langchain_core.") and isinstance(getattr(value, "type", None), str)


def _all_sends(goto: Any) -> bool:
    return isinstance(goto, list) and all(isinstance(item, Send) for item in goto)


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
