"""LangGraph's own client, `langgraph-sdk`, against `rxagent serve`'s app.

The app is what `rxagent serve` runs; here it is served in a thread of this process. The
client creates a thread, streams a run in two modes, leaves after the first progress
report, and rejoins the run from the last id it saw: nothing is lost, nothing repeats.
Run it with `python docs/examples/serve_langgraph_sdk.py`.
"""

from typing import Any

from langgraph_sdk import get_sync_client
from langgraph_sdk.schema import StreamMode

from rxagent import ScriptedModel, create_agent, get_stream_writer, tool
from rxagent.integrations.web import create_app, serve_in_thread
from rxagent.messages import AIMessage


@tool
def fetch_records(count: int) -> str:
    """Fetch customer records."""
    writer = get_stream_writer()
    for done in range(10, count + 1, 10):
        writer({"done": done, "total": count})
    return f"Fetched {count} records"


call = {"name": "fetch_records", "args": {"count": 30}, "id": "call_1"}
model = ScriptedModel([AIMessage("Fetching.", tool_calls=[call]), AIMessage("2 churned.")])
app = create_app({"agent": create_agent(model=model, tools=[fetch_records])})

if __name__ == "__main__":
    with serve_in_thread(app) as url, get_sync_client(url=url) as client:
        thread = client.threads.create()
        inputs: dict[str, Any] = {"messages": [{"role": "user", "content": "Who is churning?"}]}
        modes: list[StreamMode] = ["updates", "custom"]
        last_id = run_id = None
        for part in client.runs.stream(
            thread["thread_id"], "agent", input=inputs, stream_mode=modes
        ):
            print("stream:", part.event, part.id)
            if part.event == "metadata":
                run_id = part.data["run_id"]
            last_id = part.id
            if part.event == "custom":
                break  # the client goes away; the run goes on (on_disconnect="continue")
        assert run_id is not None
        for part in client.runs.join_stream(
            thread["thread_id"], run_id, stream_mode=modes, last_event_id=last_id
        ):
            print("rejoin:", part.event, part.id, part.data)
