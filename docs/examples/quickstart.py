"""Quickstart: LangChain's streaming page, reproduced with rxagent.

A scripted model asks for the weather, the `get_weather` tool reports progress through
`get_stream_writer()`, and the run is streamed in each of LangChain's stream modes.
Run it with `python docs/examples/quickstart.py`.
"""

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.messages import AIMessage

model = ScriptedModel(
    [
        AIMessage(
            content="Let me check.",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        ),
        AIMessage(content="It is sunny in Paris."),
    ]
)


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    writer = get_stream_writer()
    writer({"progress": f"Looking up {city}"})
    return f"Sunny in {city}"


agent = create_agent(model=model, tools=[get_weather])
inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}


def main() -> None:
    """Stream the same run in each mode, as the LangChain page does."""
    for chunk in agent.stream(inputs, stream_mode="updates"):  # agent progress
        for node, update in chunk.items():
            print(f"updates  {node}: {update['messages'][-1].content!r}")
    for token, metadata in agent.stream(inputs, stream_mode="messages"):  # LLM tokens
        print(f"messages {metadata['langgraph_node']}: {token.content!r}")
    for payload in agent.stream(inputs, stream_mode="custom"):  # tool progress
        print(f"custom   {payload}")
    for mode, chunk in agent.stream(inputs, stream_mode=["updates", "messages", "custom"]):
        print(f"{mode:<8} {chunk}")


if __name__ == "__main__":
    main()
