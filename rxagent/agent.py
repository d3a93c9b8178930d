"""``create_agent``: a model node and a tools node, as in LangChain v1.

The model node streams the model's tokens and returns the joined ``AIMessage`` (named after
the agent when ``name`` is given); when it asks for tools, every pending tool call becomes
its own ``tools`` task in the next superstep (as LangChain's ``Send("tools", [call])``), so
parallel tool calls run concurrently and each gets its own ``updates`` event. The tools
node is a ``ToolNode``: invalid arguments and unknown tools become error ``ToolMessage``\\s
that the model sees, any other exception ends the run unless ``handle_tool_errors`` says
otherwise, as LangChain's default.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypedDict

from rxagent.graph import END, START, CompiledStateGraph, Send, StateGraph
from rxagent.graph._token_stream import TokenStream, token_node
from rxagent.messages import (
    AIMessage,
    AnyMessage,
    ChunkAccumulator,
    SystemMessage,
    ToolMessage,
    add_messages,
)
from rxagent.models import ChatModel
from rxagent.tools import Tool
from rxagent.tools._tool_node import (
    ErrorHandling,
    SentToolCalls,
    ToolNode,
    default_handle_tool_errors,
)

_AGENT_METADATA = {"ls_integration": "langchain_create_agent"}
_NO_MESSAGES = (
    "the agent has no messages to send to the model: its input needs the key 'messages', "
    "a non-empty list of messages, e.g. {'messages': [{'role': 'user', 'content': 'hi'}]}"
)


class AgentState(TypedDict):
    """The state of an agent: the conversation, merged by id with ``add_messages``."""

    messages: Annotated[list[AnyMessage], add_messages]


def create_agent(
    model: ChatModel | str | Any,
    tools: Sequence[Tool[..., Any] | Callable[..., Any] | Any] = (),
    *,
    system_prompt: str | None = None,
    name: str | None = None,
    handle_tool_errors: ErrorHandling = default_handle_tool_errors,
) -> CompiledStateGraph:
    """Build a tool-calling agent graph: ``model`` → (``tools`` → ``model``)* → end.

    Args:
        model: anything with ``astream(messages, *, tools=None)`` yielding
            ``AIMessageChunk``\\s, such as ``ScriptedModel``; a LangChain chat model
            (wrapped in ``LangChainModel``); or a LangChain model string such as
            ``"openai:gpt-4.1-mini"``, which LangChain's ``init_chat_model`` turns into its
            chat model (extra ``langchain``, and the provider's package, e.g.
            ``langchain-openai``). A model with ``ls_params()`` (``TracedModel``) labels its
            tokens with those keys when it streams (``rxagent.models.label_tokens``), as
            LangGraph copies ``_get_ls_params()``.
        tools: ``@tool`` objects, plain functions with a docstring, or LangChain tools.
        system_prompt: sent to the model before the conversation (not stored in state).
        name: the agent's name: the ``name`` of its ``AIMessage``\\s and ``lc_agent_name``
            in the metadata, as LangChain's.
        handle_tool_errors: what ``ToolNode`` takes. By default (LangChain's) invalid tool
            arguments become an error ``ToolMessage`` and any other exception ends the run;
            ``True`` turns every exception into an error ``ToolMessage``.

    Example:
        >>> from rxagent import ScriptedModel
        >>> agent = create_agent(ScriptedModel(["Hello!"]))
        >>> agent.invoke({"messages": [{"role": "user", "content": "hi"}]})["messages"][-1].text
        'Hello!'
    """
    model = chat_model(model)
    tool_node = ToolNode(tools, handle_tool_errors=handle_tool_errors)
    bound = list(tool_node.tools_by_name.values()) or None
    prompt = [SystemMessage(system_prompt)] if system_prompt else []
    metadata = {**_AGENT_METADATA, **({"lc_agent_name": name} if name else {})}

    @token_node
    async def model_node(state: AgentState) -> TokenStream:
        """Stream the model's reply as tokens, then write it joined (``TokenStream``)."""
        if not state["messages"] and not prompt:
            # LangChain would call the model with nothing, which providers reject: say why
            raise ValueError(_NO_MESSAGES)
        joined = ChunkAccumulator()

        def reply() -> dict[str, list[AIMessage]]:
            message = joined.to_message()
            if name:
                message.name = name
            return {"messages": [message]}

        chunks = model.astream([*prompt, *state["messages"]], tools=bound)
        return TokenStream(chunks, joined.add, reply)

    graph = StateGraph(AgentState)
    graph.add_node("model", model_node, metadata=metadata)
    graph.add_edge(START, "model")
    if bound:
        graph.add_node("tools", tool_node, metadata=metadata)
        graph.add_conditional_edges("model", _route_tool_calls, ["tools", "model", END])
        graph.add_edge("tools", "model")
    else:
        graph.add_edge("model", END)
    return graph.compile(name=name or "agent")


def chat_model(model: ChatModel | str | Any) -> ChatModel:
    """The chat model ``create_agent`` runs for ``model`` (see its ``model`` argument).

    Raises:
        ImportError: a model string, without the ``langchain`` extra or without the
            provider's package; the message names what to install.
        ValueError: a model string whose provider LangChain does not know (LangChain's
            message lists the ones it does).
        TypeError: not a chat model.

    Example:
        >>> from rxagent import ScriptedModel
        >>> model = ScriptedModel(["hi"])
        >>> chat_model(model) is model
        True
    """
    if isinstance(model, str):
        return _from_model_string(model)
    runnables = sys.modules.get("langchain_core.runnables")
    if runnables is not None and isinstance(model, runnables.Runnable):
        from rxagent.integrations.langchain import LangChainModel

        return LangChainModel(model)
    if not isinstance(model, ChatModel):
        raise TypeError(
            f"create_agent needs a chat model: an rxagent model (anything with "
            f"astream(messages, *, tools=None), e.g. ScriptedModel), a LangChain chat model, "
            f"or a LangChain model string such as 'openai:gpt-4.1-mini'; got "
            f"{type(model).__name__}"
        )
    return model


def _from_model_string(name: str) -> ChatModel:
    try:
        from langchain.chat_models import init_chat_model

        from rxagent.integrations.langchain import LangChainModel
    except ImportError as error:
        raise ImportError(
            f"create_agent(model={name!r}) makes the chat model with LangChain's "
            f"init_chat_model, which needs the langchain extra: pip install "
            f"'rxagent[langchain]' (and the provider's package, e.g. langchain-openai)"
        ) from error
    try:
        return LangChainModel(init_chat_model(name))
    except ImportError as error:
        raise ImportError(f"create_agent(model={name!r}): {error}") from error


def _route_tool_calls(state: AgentState) -> list[Send] | str:
    """LangChain's ``model_to_tools`` edge: one ``Send`` per tool call not answered yet."""
    messages = state["messages"]
    last = next((i for i in reversed(range(len(messages))) if _is_ai(messages[i])), None)
    if last is None:
        return END
    message = messages[last]
    calls = message.tool_calls if isinstance(message, AIMessage) else []
    if not calls:
        return END
    answered = {m.tool_call_id for m in messages[last + 1 :] if isinstance(m, ToolMessage)}
    pending = [call for call in calls if call.get("id") not in answered]
    if not pending:
        return "model"
    return [Send("tools", SentToolCalls([call], state)) for call in pending]


def _is_ai(message: Any) -> bool:
    return isinstance(message, AIMessage)
