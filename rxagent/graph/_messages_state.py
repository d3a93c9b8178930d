"""``MessagesState``: a state of one key, ``messages``, merged with ``add_messages``."""

from __future__ import annotations

from typing import Annotated, TypedDict

from rxagent.messages import AnyMessage, add_messages


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

    messages: Annotated[list[AnyMessage], add_messages]
