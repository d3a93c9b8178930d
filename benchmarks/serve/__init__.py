"""The serving benchmark: rxagent serve side by side with LangGraph's dev server."""
