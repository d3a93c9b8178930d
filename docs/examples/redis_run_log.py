"""A run's events through Redis Streams: one process publishes, any process subscribes.

`publish` writes the run's log (`rxagent:run:<run_id>:log`); `subscribe` replays it after
an id and follows it live. Here both run in one process: the run is published, then read
twice, once whole and once resumed after its third entry, as a client that reconnects with
its `Last-Event-ID` would. Run it with a Redis server: `REDIS_URL=redis://127.0.0.1:6379/0
python docs/examples/redis_run_log.py`.
"""

import asyncio
import os
import uuid

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.bridges import to_aiter
from rxagent.integrations.redis import publish, read_entries, subscribe
from rxagent.messages import AIMessage


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    get_stream_writer()({"done": 1, "total": 1})
    return f"Sunny in {city}"


call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
model = ScriptedModel([AIMessage("Let me check.", tool_calls=[call]), AIMessage("Sunny.")])
agent = create_agent(model=model, tools=[get_weather])


async def main(url: str) -> None:
    run_id = str(uuid.uuid4())
    inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
    events = agent.observe(inputs, stream_mode=["updates", "custom"])
    terminal = await publish(url, run_id, events)
    print("published, ending with", terminal.kind, terminal.id)

    async for event in to_aiter(subscribe(url, run_id)):
        print("subscribe:", event.mode, event.node, event.seq)

    entries = [entry async for entry in read_entries(url, run_id)]
    third = entries[2].id
    async for event in to_aiter(subscribe(url, run_id, after=str(third))):
        print(f"after {third}:", event.mode, event.node, event.seq)


if __name__ == "__main__":
    asyncio.run(main(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))
