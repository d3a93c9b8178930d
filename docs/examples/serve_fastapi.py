"""Serve an agent's runs from your own FastAPI app, in any of the three wire formats.

`sse_response` turns `agent.observe(...)` into a streaming response; the run is cancelled
when the client goes away. Run it with `python docs/examples/serve_fastapi.py`: it serves
the app on a free port, streams one run as AG-UI events and prints them.
"""

from typing import Any

import httpx
from fastapi import FastAPI

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent import operators as ops
from rxagent.integrations.web import Format, serve_in_thread, sse_response
from rxagent.messages import AIMessage


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    get_stream_writer()({"done": 1, "total": 1, "city": city})
    return f"Sunny in {city}"


call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
model = ScriptedModel([AIMessage("Let me check.", tool_calls=[call]), AIMessage("It's sunny.")])
agent = create_agent(model=model, tools=[get_weather])

# -- the endpoint --------------------------------------------------------------------------
app = FastAPI()


@app.post("/chat")
async def chat(body: dict[str, Any], format: Format = "ag-ui") -> Any:
    inputs = {"messages": [{"role": "user", "content": body["prompt"]}]}
    events = agent.observe(inputs).pipe(ops.buffer_tokens(max_delay=0.05))
    return sse_response(events, format=format, stream_mode=["updates", "messages-tuple"])


# -- a client ------------------------------------------------------------------------------
if __name__ == "__main__":
    with serve_in_thread(app) as url:
        request = {"prompt": "Weather in Paris?"}
        with httpx.stream("POST", f"{url}/chat", json=request, timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    print(line.removeprefix("data: ")[:100])
