"""``create_agent``: a model node and a tools node, as in LangChain v1.

The model node streams the model's tokens and returns the joined ``AIMessage``; when it
asks for tools, every tool call becomes its own ``tools`` task in the next superstep (as
LangChain's ``Send("tools", [call])``), so parallel tool calls run concurrently and each
gets its own ``updates`` event. A tool that raises becomes an error ``ToolMessage``
(``status="error"``) that the model sees, unless ``handle_tool_errors=False``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any, TypedDict

from rxagent._context import current_writer
from rxagent.graph import END, START, CompiledStateGraph, Send, StateGraph
from rxagent.graph._run import current_task
from rxagent.graph._task import Task
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    ChunkAccumulator,
    SystemMessage,
    ToolCall,
    ToolMessage,
    add_messages,
)
from rxagent.models import ChatModel
from rxagent.tools import Tool, as_tool

_AGENT_METADATA = {"ls_integration": "langchain_create_agent"}
_NO_MESSAGES = (
    "the input of an agent needs the key 'messages', a list of messages, e.g. "
    "{'messages': [{'role': 'user', 'content': 'hi'}]}"
)


class AgentState(TypedDict):
    """The state of an agent: the conversation, merged by id with ``add_messages``."""

    messages: Annotated[list[AnyMessage], add_messages]


def create_agent(
    model: ChatModel,
    tools: Sequence[Tool[..., Any] | Callable[..., Any]] = (),
    *,
    system_prompt: str | None = None,
    name: str | None = None,
    handle_tool_errors: bool = True,
) -> CompiledStateGraph:
    """Build a tool-calling agent graph: ``model`` → (``tools`` → ``model``)* → end.

    Args:
        model: anything with ``astream(messages, *, tools=None)`` yielding
            ``AIMessageChunk``\\s, such as ``ScriptedModel``.
        tools: ``@tool`` objects or plain functions with a docstring.
        system_prompt: sent to the model before the conversation (not stored in state).
        name: the agent's name, added to ``messages`` metadata as ``lc_agent_name``.
        handle_tool_errors: turn a tool's exception into an error ``ToolMessage`` for the
            model (the default); ``False`` lets it end the run.

    Example:
        >>> from rxagent import ScriptedModel
        >>> agent = create_agent(ScriptedModel(["Hello!"]))
        >>> agent.invoke({"messages": [{"role": "user", "content": "hi"}]})["messages"][-1].text
        'Hello!'
    """
    by_name = {t.name: t for t in (as_tool(item) for item in tools)}
    bound = list(by_name.values()) or None
    prompt = [SystemMessage(system_prompt)] if system_prompt else []
    metadata = {**_AGENT_METADATA, **({"lc_agent_name": name} if name else {})}

    async def model_node(state: AgentState) -> AsyncIterator[AIMessageChunk | dict[str, Any]]:
        if "messages" not in state:
            raise ValueError(_NO_MESSAGES)
        joined = ChunkAccumulator()
        add = joined.add
        async for chunk in model.astream([*prompt, *state["messages"]], tools=bound):
            add(chunk)
            yield chunk
        yield {"messages": [joined.to_message()]}

    async def tools_node(calls: list[ToolCall]) -> dict[str, Any]:
        task = current_task.get()
        assert task is not None, "the tools node runs inside a task"
        runs = [_call_tool(task, by_name, call, handle_tool_errors) for call in calls]
        return {"messages": list(await asyncio.gather(*runs))}

    graph = StateGraph(AgentState)
    graph.add_node("model", model_node, metadata=metadata)
    graph.add_edge(START, "model")
    if by_name:
        graph.add_node("tools", tools_node, metadata=metadata)
        graph.add_conditional_edges("model", _route_tool_calls, ["tools", END])
        graph.add_edge("tools", "model")
    else:
        graph.add_edge("model", END)
    return graph.compile(name=name or "agent")


def _route_tool_calls(state: AgentState) -> list[Send] | str:
    last = state["messages"][-1]
    calls = last.tool_calls if isinstance(last, AIMessage) else []
    if not calls:
        return END
    return [Send("tools", [call]) for call in calls]


async def _call_tool(
    task: Task, tools: dict[str, Tool[..., Any]], call: ToolCall, handle_errors: bool
) -> ToolMessage:
    call_id = call.get("id") or ""
    name = call["name"]
    current_writer.set(task.writer(call_id))
    task.tool_event(
        {"event": "tool-started", "tool_call_id": call_id, "tool_name": name, "input": call["args"]}
    )
    try:
        tool = tools.get(name)
        if tool is None:
            raise LookupError(
                f"{name} is not a valid tool, try one of [{', '.join(sorted(tools))}]."
            )
        result = await tool.ainvoke(call["args"], tool_call_id=call_id)
    except Exception as error:
        task.run.flow.flush()
        task.tool_event({"event": "tool-error", "tool_call_id": call_id, "message": str(error)})
        if not handle_errors:
            raise
        return ToolMessage(
            content=f"Error: {error!r}\n Please fix your mistakes.",
            name=name,
            tool_call_id=call_id,
            status="error",
        )
    task.run.flow.flush()  # the tool's progress comes before its result
    message = _tool_message(result, name, call_id)
    task.tool_event({"event": "tool-finished", "tool_call_id": call_id, "output": message})
    return message


def _tool_message(result: Any, name: str, call_id: str) -> ToolMessage:
    if isinstance(result, ToolMessage):
        return result
    if isinstance(result, BaseMessage):
        return ToolMessage(content=result.content, name=name, tool_call_id=call_id)
    if isinstance(result, str):
        content = result
    else:
        try:
            content = json.dumps(result, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            content = str(result)
    return ToolMessage(content=content, name=name, tool_call_id=call_id)
