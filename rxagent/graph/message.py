"""The names of ``langgraph.graph.message``: ``add_messages``, ``MessagesState`` and
``REMOVE_ALL_MESSAGES``, for code written against LangGraph.

When langchain-core is installed, ``add_messages`` here keeps langchain-core messages in the
state, as LangGraph's does, so a node can hand ``state["messages"]`` to a LangChain chat
model unchanged (``llm.invoke(state["messages"])``); rxagent messages a node returns are
converted on the way in. Without langchain-core it is ``rxagent.messages.add_messages``. The
stream carries rxagent's message classes either way (``messages`` mode converts them).

Example:
    >>> state = add_messages([], [{"role": "user", "content": "hi"}])
    >>> state[0].type, state[0].content
    ('human', 'hi')
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Annotated, Any, TypedDict

from rxagent.messages import REMOVE_ALL_MESSAGES

if find_spec("langchain_core") is not None:
    from rxagent.integrations.langchain import add_langchain_messages as add_messages
else:  # pragma: no cover - the core without the langchain extra
    from rxagent.messages import add_messages


class MessagesState(TypedDict):
    """The conversation as a state (LangGraph's ``MessagesState``); subclass it to add keys.

    Example:
        >>> from rxagent.graph import START, StateGraph
        >>> graph = StateGraph(MessagesState)
        >>> _ = graph.add_node("echo", lambda s: {"messages": [("ai", s["messages"][-1].text)]})
        >>> out = graph.add_edge(START, "echo").compile().invoke({"messages": [("user", "hi")]})
        >>> [(m.type, m.text) for m in out["messages"]]
        [('human', 'hi'), ('ai', 'hi')]
    """

    messages: Annotated[list[Any], add_messages]


__all__ = ("REMOVE_ALL_MESSAGES", "MessagesState", "add_messages")
