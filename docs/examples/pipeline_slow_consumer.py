"""A slow consumer that loses nothing: `to_aiter(..., overflow="coalesce")`.

The consumer takes 2 ms per event, much slower than the model and the tool produce. With
`overflow="coalesce"` the bridge never blocks the run and never drops an update: while
the consumer lags, pending tokens of one message are joined into one chunk and pending
progress of one tool call is replaced by the latest. The consumer gets fewer, larger
events, the whole text, and the final progress.
Run it with `python docs/examples/pipeline_slow_consumer.py`.
"""

import asyncio
from collections import Counter

from reactivex import operators as rx_ops

from rxagent import CustomEvent, Event, MessageEvent, ScriptedModel, create_agent, to_aiter, tool
from rxagent.messages import AIMessage, AIMessageChunk
from rxagent.tools import StreamWriter

ANSWER = " ".join(f"Record {n} is fine." for n in range(1, 101))

model = ScriptedModel(
    [
        AIMessage(
            content="Checking the records.",
            tool_calls=[{"name": "check_records", "args": {"count": 100}, "id": "call_1"}],
        ),
        AIMessage(content=ANSWER),
    ]
)


@tool
async def check_records(count: int, writer: StreamWriter) -> str:
    """Check every record, reporting progress after each one."""
    for done in range(1, count + 1):
        writer(f"{done}/{count}")
    return f"{count} records checked"


agent = create_agent(model=model, tools=[check_records])
inputs = {"messages": [{"role": "user", "content": "Check the last 100 records."}]}


def kind(event: Event) -> str:
    """``"token"``, ``"progress"`` or the event's mode."""
    if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
        return "token"
    return "progress" if isinstance(event, CustomEvent) else event.mode


async def main() -> None:
    """Consume the run slowly; compare what was produced with what arrived."""
    produced: Counter[str] = Counter()
    received: Counter[str] = Counter()
    text: list[str] = []
    last_progress = None

    def count(event: Event) -> None:
        produced[kind(event)] += 1

    run = agent.observe(inputs).pipe(rx_ops.do_action(count))  # a tap before the bridge
    async for event in to_aiter(run, maxsize=8, overflow="coalesce"):
        await asyncio.sleep(0.002)  # a slow consumer: a UI redraw, a network write
        received[kind(event)] += 1
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            text.append(event.data[0].text)
        elif isinstance(event, CustomEvent):
            last_progress = event.data
    print(f"produced: {produced['token']} token events, {produced['progress']} progress events")
    print(f"received: {received['token']} token events, {received['progress']} progress events")
    print(f"updates:  {received['updates']} of {produced['updates']}")
    print(f"text intact: {''.join(text) == 'Checking the records.' + ANSWER}")
    print(f"last progress: {last_progress}")


if __name__ == "__main__":
    asyncio.run(main())
