"""What a tool returned, made a ``ToolNode``'s output: ``ToolMessage`` formatting as
LangChain's, and ``Command`` results checked and converted as LangGraph's ``ToolNode`` does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import replace
from typing import Any, Final, Literal, TypeAlias

from rxagent._uuid import uuid4_str
from rxagent.graph import Command, Send
from rxagent.messages import (
    REMOVE_ALL_MESSAGES,
    BaseMessage,
    RemoveMessage,
    ToolCall,
    ToolMessage,
    convert_to_messages,
    is_langchain_message,
)

InputType: TypeAlias = Literal["list", "dict", "tool_calls"]
"""What the node was given, as LangGraph's ``ToolNode`` tells them apart."""

_BLOCK_TYPES: Final = frozenset(
    {"text", "image_url", "image", "json", "search_result", "custom_tool_call_output"}
    | {"document", "file"}
)


def tool_message(result: Any, name: str, call_id: str) -> ToolMessage:
    """The ``ToolMessage`` for what a tool returned, with an id, as LangChain formats it.

    Example:
        >>> tool_message({"temp": 21}, "weather", "c1").content
        '{"temp": 21}'
    """
    if isinstance(result, ToolMessage):
        if result.id is None:
            result.id = uuid4_str()
        return result
    if isinstance(result, BaseMessage):
        return new_tool_message(result.content, name, call_id, "success")
    if isinstance(result, str):
        return new_tool_message(result, name, call_id, "success")
    if isinstance(result, list | tuple) and all(_is_block(item) for item in result):
        return new_tool_message(list(result), name, call_id, "success")
    try:
        content = json.dumps(result, ensure_ascii=False)
    except (TypeError, ValueError):
        content = str(result)
    return new_tool_message(content, name, call_id, "success")


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
            message.id = uuid4_str()
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


def is_command_output(result: Any) -> bool:
    """Whether a tool returned a ``Command``, or a list of only commands and tool messages."""
    if isinstance(result, list):
        return bool(result) and all(isinstance(i, Command | ToolMessage) for i in result)
    return isinstance(result, Command)


def own(result: Any) -> Any:
    """``result`` with LangGraph's commands and LangChain's messages made rxagent's."""
    if isinstance(result, list) and result and all(_is_foreign_output(i) for i in result):
        return [own(item) for item in result]
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
    if is_langchain_message(result):
        return convert_to_messages(result)[0]
    return result


def _own_messages(value: Any) -> Any:
    if is_langchain_message(value):
        return convert_to_messages(value)[0]
    if isinstance(value, list) and any(is_langchain_message(v) for v in value):
        return [convert_to_messages(v)[0] if is_langchain_message(v) else v for v in value]
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
        or is_langchain_message(item)
    )


def all_sends(goto: Any) -> bool:
    return isinstance(goto, list) and all(isinstance(item, Send) for item in goto)


def new_tool_message(
    content: Any, name: str, call_id: str, status: Literal["success", "error"]
) -> ToolMessage:
    return ToolMessage(content, name=name, tool_call_id=call_id, status=status, id=uuid4_str())


def _is_block(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") in _BLOCK_TYPES
