"""Backpressure: a fast async tool that awaits its writer, a slow consumer, the bound."""

import asyncio

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.messages import AIMessage


@tool
async def export(rows: int) -> str:
    """Export rows, reporting each one."""
    writer = get_stream_writer()
    for row in range(rows):
        await writer({"row": row})  # waits while the consumer's buffer is full
    return f"exported {rows} rows"


model = ScriptedModel(
    [
        AIMessage(
            content="",
            tool_calls=[{"name": "export", "args": {"rows": 5000}, "id": "call_1"}],
        ),
        AIMessage(content="Done."),
    ]
)
agent = create_agent(model=model, tools=[export])
inputs = {"messages": [{"role": "user", "content": "Export everything"}]}


async def main() -> None:
    stream = agent.astream(inputs, stream_mode="custom", maxsize=64)
    received = 0
    async for _payload in stream:
        received += 1
        await asyncio.sleep(0)  # a consumer slower than the tool
    stats = stream.statistics()
    print(f"received {received} of 5000 progress events")
    print(f"maxsize {stats.maxsize}, never more than {stats.high_water} held at once")
    print(f"the tool waited for room: {stats.blocked_s > 0}")


if __name__ == "__main__":
    asyncio.run(main())
