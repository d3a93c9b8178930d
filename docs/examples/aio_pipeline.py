"""rxagent's operators over async iterators, with aiostream: both directions.

1. An agent run as an aiostream stream, through rxagent's pipes and an aiostream operator.
2. Events read from "the wire" (JSON lines, as an SSE or Redis client would give them) are
   an async iterable: the same pipes apply, and `aio.source` makes it an Observable for
   rxagent's Observable operators.
Run it with `python docs/examples/aio_pipeline.py`.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import TypeGuard

from aiostream import pipe

from rxagent import (
    EVENT_ADAPTER,
    ScriptedModel,
    aio,
    create_agent,
    get_stream_writer,
    to_aiter,
    tool,
)
from rxagent import operators as ops
from rxagent.events import CustomEvent, Event, MessageEvent
from rxagent.messages import AIMessage


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    writer = get_stream_writer()
    for pct in (0, 25, 50, 75, 100):
        writer({"progress": f"{pct}%"})
    return f"Sunny in {city}"


call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
model = ScriptedModel(
    [
        AIMessage(content="Let me check.", tool_calls=[call]),
        AIMessage(content="It is sunny in Paris."),
    ]
)
agent = create_agent(model=model, tools=[get_weather])
inputs = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}


def text(event: Event, *_: object) -> str:
    """What to print for an event: a message's kind and text, or the mode and payload."""
    if isinstance(event, MessageEvent):
        message = event.data[0]
        return f"{type(message).__name__:<14} {message.text!r}"
    return f"{event.mode:<14} {event.data}"


def is_token(event: Event) -> TypeGuard[MessageEvent]:
    return isinstance(event, MessageEvent)


def is_custom(event: Event) -> TypeGuard[CustomEvent]:
    return isinstance(event, CustomEvent)


async def wire(lines: list[bytes]) -> AsyncIterator[Event]:
    """Events decoded from JSON lines as they arrive (here, from a list)."""
    for line in lines:
        await asyncio.sleep(0)  # a network read
        yield EVENT_ADAPTER.validate_json(line)


async def main() -> None:
    # 1. the run as an aiostream stream: rxagent's pipes, then aiostream's
    run = aio.events(agent.observe(inputs))
    ui = (
        run
        | aio.filter_mode("messages", "custom")
        | aio.buffer_tokens(boundary="sentence")
        | aio.throttle_custom(0.1)
        | pipe.map(text)
    )
    async with ui.stream() as lines:
        async for line in lines:
            print(line)

    # 2. the same events from the wire: pipes over an async iterable...
    recorded = [EVENT_ADAPTER.dump_json(e) async for e in to_aiter(agent.observe(inputs))]
    answer = aio.events(wire(recorded)) | aio.final_answer()
    async with answer.stream() as tokens:
        print("answer        ", "".join([e.data[0].text async for e in tokens if is_token(e)]))

    # ... and an Observable with backpressure, for the Observable operators
    progress = aio.source(wire(recorded)).pipe(ops.filter_mode("custom"), ops.throttle_custom(60))
    shown = [e.data["progress"] async for e in to_aiter(progress, maxsize=8) if is_custom(e)]
    print("progress      ", shown)


if __name__ == "__main__":
    asyncio.run(main())
