"""A LangGraph agent as an rxagent event stream, through rxagent's operators.

`from_langgraph(agent, inputs)` runs a LangChain `create_agent` agent (any compiled
LangGraph graph) and emits rxagent events: LangGraph's own chunks, stamped with the node,
superstep, task and tool call they came from. Here a fake chat model calls one tool, which
reports progress with LangGraph's `get_stream_writer()`, then answers.
Run it with `python docs/examples/from_langgraph_pipeline.py` (extra `langchain`).
"""

from collections.abc import Iterator
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool
from langgraph.config import get_stream_writer

from rxagent import operators as ops
from rxagent.bridges import to_iter
from rxagent.events import Event
from rxagent.integrations.langgraph import from_langgraph


class FakeChatModel(BaseChatModel):
    """Calls `get_weather` for Paris, then, once it has the result, answers."""

    @property
    def _llm_type(self) -> str:
        return "fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> "FakeChatModel":
        return self

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[Any]:
        if messages[-1].type == "tool":
            for word in ("It ", "is ", "sunny ", "in ", "Paris."):
                yield ChatGenerationChunk(message=AIMessageChunk(content=word))
            return
        yield ChatGenerationChunk(message=AIMessageChunk(content="Let me check."))
        call = {"name": "get_weather", "args": '{"city": "Paris"}', "id": "call_1", "index": 0}
        yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[call]))

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        text = "It is sunny in Paris." if messages[-1].type == "tool" else "Let me check."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    writer = get_stream_writer()
    writer({"progress": f"Looking up {city}"})
    writer({"progress": f"Found {city}"})
    return f"Sunny in {city}"


agent = create_agent(FakeChatModel(), [get_weather])
inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}


def describe(event: Event) -> str:
    """What an event carries, in a few words."""
    if event.mode == "messages":
        message: Any = event.data[0]
        calls = [f"{c['name']}({c['args']})" for c in getattr(message, "tool_call_chunks", [])]
        return f"{message.type} {message.text!r} {' '.join(calls)}".rstrip()
    if event.mode == "tools":
        return str(event.data["event"])
    return str(event.data)


def main() -> None:
    """Print the tokens, the tool's progress and lifecycle, as they stream."""
    pipeline = from_langgraph(agent, inputs).pipe(
        ops.filter_mode("messages", "custom", "tools"),
        ops.buffer_tokens(boundary="sentence"),
        ops.throttle_custom(0.1),  # the final progress of each tool call always gets through
    )
    for event in to_iter(pipeline):
        where = f"{event.node} step {event.step}"
        print(f"{event.mode:<8} {where:<13} {event.tool_call_id or '':<7} {describe(event)}")


if __name__ == "__main__":
    main()
