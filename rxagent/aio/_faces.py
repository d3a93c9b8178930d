"""rxagent's operators as aiostream pipes: each is ``lift`` of the Observable operator, so
it has that operator's arguments, validation, events and guarantees, and runs its code."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, Callable
from typing import ParamSpec

from rxagent import operators as ops
from rxagent.aio._source import source
from rxagent.aio._stream import READ_AHEAD, EventStream, Pipe, lift
from rxagent.events import Event
from rxagent.operators import Operator

P = ParamSpec("P")


def _face(operator: Callable[P, Operator]) -> Callable[P, Pipe]:
    """The aiostream pipe of an operator: built with the same arguments, then lifted."""

    def face(*args: P.args, **kwargs: P.kwargs) -> Pipe:
        return lift(operator(*args, **kwargs))

    functools.update_wrapper(face, operator, assigned=("__name__", "__qualname__"), updated=())
    face.__module__ = __name__
    face.__doc__ = (
        f"``rxagent.operators.{operator.__name__}`` as an aiostream pipe: the same arguments, "
        f"events and guarantees, from the same implementation."
    )
    return face


accumulate_messages = _face(ops.accumulate_messages)
buffer_tokens = _face(ops.buffer_tokens)
exclude_tags = _face(ops.exclude_tags)
filter_mode = _face(ops.filter_mode)
filter_node = _face(ops.filter_node)
filter_ns = _face(ops.filter_ns)
final_answer = _face(ops.final_answer)
throttle_custom = _face(ops.throttle_custom)


def merge(*sources: AsyncIterable[Event], **named: AsyncIterable[Event]) -> EventStream:
    """``rxagent.operators.merge`` over async iterables: every event exactly once, each
    source's order kept, a named source's ``ns`` prefixed with its name.

    Each source is pulled by its own task as the consumer makes room (see ``source``):
    together they run at most ``READ_AHEAD`` events (plus one per source) ahead of it.

    Example:
        >>> import asyncio
        >>> from aiostream import stream
        >>> from rxagent.events import CustomEvent
        >>> async def progress(*values):
        ...     for n in values:
        ...         yield CustomEvent(data=n)
        >>> xs = merge(progress(1, 2), writer=progress(3))
        >>> async def collect(xs):
        ...     return await stream.list(xs)
        >>> sorted((event.ns, event.data) for event in asyncio.run(collect(xs)))
        [((), 1), ((), 2), (('writer',), 3)]
    """
    observables = [source(iterable) for iterable in sources]
    named_observables = {name: source(iterable) for name, iterable in named.items()}
    return EventStream(ops.merge(*observables, **named_observables), maxsize=READ_AHEAD)
