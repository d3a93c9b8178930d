"""A UI-friendly stream: the first token at once, then ~50 ms batches, progress at <= 10 Hz.

The model streams a token every 10 ms and the tool reports progress every 5 ms: far more
updates than a page needs. `buffer_tokens(max_delay=0.05)` lets the first token of each
message through at once and joins the rest into batches at most 50 ms old;
`throttle_custom(0.1)` lets at most one progress event per 100 ms through, and always the
last one. The program is async and reads the run with `to_aiter`.
Run it with `python docs/examples/pipeline_ui.py`.
"""

import asyncio
import time

from rxagent import CustomEvent, Latency, MessageEvent, ScriptedModel, create_agent, to_aiter, tool
from rxagent import operators as ops
from rxagent.messages import AIMessage, AIMessageChunk
from rxagent.tools import StreamWriter

ANSWER = (
    "Of the 40 open tickets, 25 are about onboarding and 9 about billing. "
    "Most onboarding tickets come from accounts created this month, so a guided "
    "first call would close the largest group."
)

model = ScriptedModel(
    [
        AIMessage(
            content="Reading the tickets.",
            tool_calls=[{"name": "read_tickets", "args": {"count": 40}, "id": "call_1"}],
        ),
        AIMessage(content=ANSWER),
    ],
    latency=Latency(first_token=0.02, per_token=0.01),
)


@tool
async def read_tickets(count: int, writer: StreamWriter) -> str:
    """Read the open support tickets."""
    for done in range(1, count + 1):
        await asyncio.sleep(0.005)
        writer({"done": done, "total": count})
    return f"{count} tickets: 25 onboarding, 9 billing, 6 other"


agent = create_agent(model=model, tools=[read_tickets])
inputs = {"messages": [{"role": "user", "content": "What are the open tickets about?"}]}


async def main() -> None:
    """Print what a UI would receive, with the time since the start of the run."""
    ui_events = agent.observe(inputs).pipe(
        ops.filter_mode("messages", "custom"),
        ops.buffer_tokens(max_delay=0.05),
        ops.throttle_custom(0.1),
    )
    started = time.perf_counter()
    chunks = progress = 0
    async for event in to_aiter(ui_events):
        at = time.perf_counter() - started
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            if event.data[0].text:
                chunks += 1
                print(f"{at:5.2f}s text     {event.data[0].text!r}")
        elif isinstance(event, CustomEvent):
            progress += 1
            print(f"{at:5.2f}s progress {event.data['done']}/{event.data['total']}")
    print(f"{chunks} text chunks and {progress} progress events reached the UI")


if __name__ == "__main__":
    asyncio.run(main())
