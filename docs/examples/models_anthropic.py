"""An agent on Anthropic: `ChatAnthropic` wrapped in `LangChainModel`, streamed with `astream`.

`ChatAnthropic` reads `ANTHROPIC_API_KEY` (and `ANTHROPIC_BASE_URL`, if set).
"""

import asyncio

from langchain_anthropic import ChatAnthropic

from rxagent import create_agent, tool
from rxagent.integrations.langchain import LangChainModel


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}"


model = LangChainModel(ChatAnthropic(model="claude-sonnet-4-6"))
agent = create_agent(model, [get_weather])


async def main() -> None:
    question = {"messages": [{"role": "user", "content": "What is the weather in Paris?"}]}
    async for token, metadata in agent.astream(question, stream_mode="messages"):
        if token.text:
            print(f"{metadata['langgraph_node']}: {token.text!r}")
    state = await agent.ainvoke(question)
    # the reply's tool_use block went back to Anthropic whole, as LangChain joins it
    print([block["type"] for block in state["messages"][1].content])
    print(state["messages"][-1].text)


asyncio.run(main())
