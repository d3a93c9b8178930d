"""Tool calls assembled from their streamed chunks, with `accumulate_messages()`.

A model streams each tool call as `tool_call_chunks`: the name and id first, then pieces
of the arguments' JSON, tied together by an `index`. `accumulate_messages()` turns the
chunks into growing whole messages, so the last snapshot of the model call carries the
parsed `tool_calls`, ready to show in a UI before the tools even start.
Run it with `python docs/examples/pipeline_tool_calls.py`.
"""

from reactivex import operators as rx_ops

from rxagent import Event, MessageEvent, ScriptedModel, create_agent, to_iter, tool
from rxagent import operators as ops
from rxagent.messages import AIMessage, AIMessageChunk, BaseMessage

model = ScriptedModel(
    [
        AIMessage(
            content="Searching and fetching.",
            tool_calls=[
                {"name": "search", "args": {"query": "churn by plan", "limit": 5}, "id": "call_1"},
                {"name": "fetch_records", "args": {"count": 100}, "id": "call_2"},
            ],
        ),
        AIMessage(content="Basic-plan customers churn most."),
    ]
)


@tool
def search(query: str, limit: int = 10) -> list[str]:
    """Search the support tickets."""
    return [f"ticket about {query}"] * limit


@tool
def fetch_records(count: int) -> str:
    """Fetch the last `count` customer records."""
    return f"{count} records"


agent = create_agent(model=model, tools=[search, fetch_records])
inputs = {"messages": [{"role": "user", "content": "Who churns?"}]}


def show_chunk(event: Event) -> None:
    """Print the tool-call pieces as they stream, before they are assembled."""
    if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
        for piece in event.data[0].tool_call_chunks:
            print(f"chunk #{piece['index']}: name={piece['name']!r} args={piece['args']!r}")


def main() -> None:
    """Print the streamed pieces, then the tool calls of the first model call's last snapshot."""
    snapshots: dict[str | None, BaseMessage] = {}
    model_messages = agent.observe(inputs).pipe(
        ops.filter_node("model"),
        ops.filter_mode("messages"),
        rx_ops.do_action(show_chunk),
        ops.accumulate_messages(),
    )
    for event in to_iter(model_messages):
        if isinstance(event, MessageEvent):
            snapshots[event.data[0].id] = event.data[0]  # the latest snapshot of each message
    first_call = next(iter(snapshots.values()))
    assert isinstance(first_call, AIMessage | AIMessageChunk)
    print(f"text: {first_call.text!r}")
    for call in first_call.tool_calls:
        print(f"tool call {call['id']}: {call['name']}({call['args']})")


if __name__ == "__main__":
    main()
