"""Optional integrations, each behind an extra and imported lazily.

``rxagent.integrations.langchain`` (extra ``langchain``): ``LangChainModel`` wraps any
LangChain chat model; ``to_langchain`` / ``from_langchain`` convert messages.
``rxagent.integrations.langgraph``: ``from_langgraph(graph, input)`` makes a compiled
LangGraph graph (or a LangChain ``create_agent`` agent) an rxagent event source. Importing
this package imports nothing optional.
"""
