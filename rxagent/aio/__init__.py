"""The async-iterator side: rxagent's operators as aiostream pipes, and the two bridges.

``events(x)`` makes an Observable (``agent.observe(inputs)``) or any async iterable of
events an aiostream stream; the pipes here are rxagent's operators (same arguments, same
code: see ``rxagent.operators._stage``); ``source(iterable)`` goes the other way, to an
Observable, with backpressure. A chain of pipes runs as one (see ``EventStream``).

Example:
    >>> import asyncio
    >>> from aiostream import stream
    >>> from rxagent import ScriptedModel, aio, create_agent
    >>> agent = create_agent(ScriptedModel(["It is sunny in Paris."]))
    >>> run = agent.observe({"messages": [{"role": "user", "content": "Weather?"}]})
    >>> xs = aio.events(run) | aio.filter_mode("messages") | aio.buffer_tokens(boundary="line")
    >>> async def collect(xs):
    ...     return await stream.list(xs)
    >>> [event.data[0].text for event in asyncio.run(collect(xs))]
    ['It', ' is sunny in Paris.']
"""

from rxagent.aio._faces import (
    accumulate_messages,
    buffer_tokens,
    exclude_tags,
    filter_mode,
    filter_node,
    filter_ns,
    final_answer,
    merge,
    throttle_custom,
)
from rxagent.aio._source import source
from rxagent.aio._stream import READ_AHEAD, EventStream, Pipe, events, lift

__all__ = (
    "READ_AHEAD",
    "EventStream",
    "Pipe",
    "accumulate_messages",
    "buffer_tokens",
    "events",
    "exclude_tags",
    "filter_mode",
    "filter_node",
    "filter_ns",
    "final_answer",
    "lift",
    "merge",
    "source",
    "throttle_custom",
)
