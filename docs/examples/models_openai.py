"""An agent on OpenAI, from a LangChain model string: tool calls, tokens, progress and usage.

`ChatOpenAI` reads `OPENAI_API_KEY` (and `OPENAI_BASE_URL`, if set) from the environment.
"""

from rxagent import create_agent, get_stream_writer, tool


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    get_stream_writer()({"progress": f"Looking up {city}"})
    return f"Sunny in {city}"


agent = create_agent("openai:gpt-4.1-mini", [get_weather], system_prompt="Be brief.")
question = {"messages": [{"role": "user", "content": "What is the weather in Paris?"}]}

for mode, data in agent.stream(question, stream_mode=["updates", "messages", "custom"]):
    if mode == "messages":
        token, metadata = data
        if metadata["langgraph_node"] == "model" and token.text:
            print(f"{metadata['ls_model_name']}: {token.text!r}")
    elif mode == "custom":
        print("progress:", data["progress"])
    else:
        for node, update in data.items():
            message = update["messages"][-1]
            for call in getattr(message, "tool_calls", []):
                print(f"{node}: calls {call['name']}({call['args']})")
            if node == "model" and not getattr(message, "tool_calls", []):
                print("usage:", message.usage_metadata)
