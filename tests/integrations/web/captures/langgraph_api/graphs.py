"""The LangGraph graphs whose streams from LangGraph's own server are captured here.

The ``.sse`` files next to this module are what ``langgraph dev`` (langgraph-api 0.16.7,
langgraph 1.2.24, langchain-core 1.8.3) sent for ``POST /threads/{id}/runs/stream`` with
the input ``{"messages": [{"role": "user", "content": "Summarise 3 records"}]}`` and the
stream modes each file names (``langgraph.json`` is the server's configuration):

    updates, tuple (messages-tuple), messages, custom, values, tasks, debug: the agent;
    multi: the agent, ["updates", "messages-tuple", "custom"], stream_resumable=true;
    msgboth: the agent, ["messages", "messages-tuple"];
    error: ``failing``, ["updates", "values"];
    subgraphs / nosub: ``parent``, ["updates", "custom"], with and without stream_subgraphs.

``tools-rejected.json`` is the server's 422 for ``stream_mode="tools"``.
Captured with curl on 2026-11-30 (see tests/integrations/web/test_langgraph_server_parity.py,
which runs the same graphs through rxagent and compares).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph

USAGE: Any = {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
"""The usage of every reply, streamed (on the last chunk) or not."""


class ToolFake(BaseChatModel):
    """Calls ``fetch_records`` first, answers once a tool result is in the conversation."""

    @property
    def _llm_type(self) -> str:
        return "tool-fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        if isinstance(messages[-1], ToolMessage):
            return AIMessage(content="Of the 3 customers, 2 are active.", usage_metadata=USAGE)
        call = {"name": "fetch_records", "args": {"count": 3}, "id": "call_1", "type": "tool_call"}
        return AIMessage(content="Let me fetch them.", tool_calls=[call], usage_metadata=USAGE)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._reply(messages)
        for i, word in enumerate(str(reply.content).split(" ")):
            text = word if i == 0 else " " + word
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager:
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk
        for call in reply.tool_calls:
            part = {"name": call["name"], "args": json.dumps(call["args"]), "id": call["id"]}
            tool_chunk = {**part, "index": 0, "type": "tool_call_chunk"}
            yield ChatGenerationChunk(
                message=AIMessageChunk(content="", tool_call_chunks=[tool_chunk])
            )
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=USAGE))


@tool
def fetch_records(count: int) -> str:
    """Fetch customer records."""
    writer = get_stream_writer()
    for done in range(1, count + 1):
        writer({"done": done, "total": count})
    return f"Fetched {count} records"


graph = create_agent(model=ToolFake(), tools=[fetch_records])


def boom(state: MessagesState) -> dict[str, Any]:
    raise ValueError("the node failed")


failing = StateGraph(MessagesState).add_node("boom", boom).add_edge(START, "boom").compile()

parent = (
    StateGraph(MessagesState)
    .add_node("child", graph)
    .add_edge(START, "child")
    .add_edge("child", END)
    .compile()
)
