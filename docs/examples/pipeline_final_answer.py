"""Only the final answer's tokens: not the text a model writes before it calls a tool.

The model first says "Let me check." and calls `get_weather`, then answers. A chat UI
usually shows only the answer: `final_answer()` keeps the tokens of the model calls that
made no tool call. (`final_answer(eager=True)` streams without holding anything back, but
lets "Let me check." through.)
Run it with `python docs/examples/pipeline_final_answer.py`.
"""

from rxagent import MessageEvent, ScriptedModel, create_agent, to_iter, tool
from rxagent import operators as ops
from rxagent.messages import AIMessage, AIMessageChunk

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
    return f"Sunny in {city}"


agent = create_agent(model=model, tools=[get_weather])
inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}


def main() -> None:
    """Stream the answer's tokens as they come, on one line."""
    for event in to_iter(agent.observe(inputs).pipe(ops.final_answer())):
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            print(event.data[0].text, end="", flush=True)
    print()


if __name__ == "__main__":
    main()
