"""``MessagesState``: a state of one key, ``messages``, merged with ``add_messages``.

It is the one of ``rxagent.graph.message`` (langchain-core messages in the state when
langchain-core is installed, as LangGraph's).
"""

from rxagent.graph.message import MessagesState

__all__ = ("MessagesState",)
