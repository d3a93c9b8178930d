"""Optional integrations, each behind an extra and imported lazily.

``rxagent.integrations.langchain`` (extra ``langchain``): ``LangChainModel`` wraps any
LangChain chat model; ``to_langchain`` / ``from_langchain`` convert messages. Importing this
package imports nothing optional.
"""
