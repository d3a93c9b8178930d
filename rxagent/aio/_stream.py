"""``EventStream``: an aiostream ``Stream`` of events, and the operators piped onto it, fused.

Piping an rxagent pipe onto an ``EventStream`` does not wrap it: it returns a new
``EventStream`` with the same origin and one more operator. When iterated, the chain runs
in one of three ways, the cheapest that keeps every operator's semantics:

- an Observable origin (``events(observable)``, ``merge``): the operators are applied to
  the Observable, and one ``to_aiter`` bridge pulls the result;
- an async iterable through untimed stages only: their cores are driven in the
  consumer's task (``rxagent.aio._drive``), pulling one item at a time;
- otherwise (a timed stage, or any other reactivex operator): the iterable is pumped
  into an Observable (``rxagent.aio._pump``), the operators applied, and one bridge with
  :data:`READ_AHEAD` items of room pulls the result, so timers run on the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeAlias

from aiostream import Stream
from aiostream.core import Streamer
from reactivex import Observable

from rxagent.aio._drive import drive
from rxagent.aio._pump import pumped
from rxagent.bridges import DEFAULT_MAXSIZE, Overflow, to_aiter
from rxagent.bridges._buffer import check_bridge_args
from rxagent.events import Event
from rxagent.operators import Operator
from rxagent.operators._stage import Stage

READ_AHEAD = 64
"""Items a bridged chain may pull from its async iterable ahead of the consumer."""

Origin: TypeAlias = Observable[Event] | AsyncIterable[Event]
"""Where an ``EventStream``'s events come from."""


class EventStream(Stream[Event]):
    """An aiostream ``Stream`` of events: an origin and the rxagent operators piped onto it.

    Iterate it as any aiostream stream (``async with xs.stream() as events``,
    ``await stream.list(xs)``), pipe aiostream operators onto it, or turn it back into an
    Observable with :meth:`observe`. Each iteration starts afresh: a new subscription of an
    Observable origin (for ``agent.observe(...)``, a new run), a new ``aiter()`` of an
    iterable one.

    Example:
        >>> import asyncio, reactivex
        >>> from aiostream import stream
        >>> from rxagent import aio
        >>> from rxagent.events import CustomEvent
        >>> xs = aio.events(reactivex.of(*[CustomEvent(data=n) for n in range(3)]))
        >>> ys = xs | aio.filter_mode("custom")
        >>> type(ys).__name__, len(ys.operators), ys.origin is xs.origin
        ('EventStream', 1, True)
        >>> async def collect(xs):
        ...     return await stream.list(xs)
        >>> [event.data for event in asyncio.run(collect(ys))]
        [0, 1, 2]
    """

    def __init__(
        self,
        origin: Origin,
        operators: Sequence[Operator] = (),
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow = "block",
    ) -> None:
        check_bridge_args(maxsize, overflow)
        self.origin = origin
        self.operators = tuple(operators)
        self.maxsize, self.overflow = maxsize, overflow
        super().__init__(self._open)

    def then(self, operator: Operator) -> EventStream:
        """This stream with ``operator`` applied last (what piping a pipe onto it does)."""
        operators = (*self.operators, operator)
        return EventStream(self.origin, operators, maxsize=self.maxsize, overflow=self.overflow)

    def observe(self) -> Observable[Event]:
        """The same events as a cold Observable (no bridge when the origin is one)."""
        origin = self.origin
        observable = origin if isinstance(origin, Observable) else pumped(origin)
        for operator in self.operators:
            observable = operator(observable)
        return observable

    def __aiter__(self) -> Streamer[Event]:
        """A streamer over a new iteration, to use in ``async with`` (aiostream's contract)."""
        iterator = aiter(self._open())
        return iterator if isinstance(iterator, Streamer) else _Streamer(iterator)

    def _open(self) -> AsyncIterable[Event]:
        origin, operators = self.origin, self.operators
        if isinstance(origin, Observable):
            return to_aiter(self.observe(), maxsize=self.maxsize, overflow=self.overflow)
        stages = [op for op in operators if isinstance(op, Stage) and not op.timed]
        if len(stages) == len(operators):
            return drive(origin, stages)
        return to_aiter(self.observe(), maxsize=READ_AHEAD)


class _Streamer(Streamer[Event]):
    """aiostream's streamer, with one check per item instead of four calls: inside its
    ``async with`` block it hands each ``anext`` straight to the iterator; outside, it
    warns or raises as aiostream's does."""

    def __init__(self, iterator: AsyncIterator[Event]) -> None:
        super().__init__(iterator)
        self._next = iterator.__anext__

    def __anext__(self) -> Awaitable[Event]:
        if self._state == self._RUNNING:
            return self._next()
        return super().__anext__()


Pipe: TypeAlias = Callable[[AsyncIterable[Event]], EventStream]
"""An aiostream pipe of events: ``xs | pipe`` is ``pipe(xs)``."""


def lift(operator: Operator) -> Pipe:
    """Any Observable operator of events as an aiostream pipe.

    rxagent's operators run their cores in the consumer's task where they can; any other
    operator (a reactivex one, your own) runs behind a bridge (see ``EventStream``).

    Example:
        >>> import asyncio
        >>> from aiostream import stream
        >>> from reactivex import operators as rx_ops
        >>> from rxagent.events import CustomEvent
        >>> async def progress():
        ...     for n in (0, 50, 100):
        ...         yield CustomEvent(data=n)
        >>> xs = lift(rx_ops.skip(1))(progress())
        >>> async def collect(xs):
        ...     return await stream.list(xs)
        >>> [event.data for event in asyncio.run(collect(xs))]
        [50, 100]
    """

    def pipe(iterable: AsyncIterable[Event]) -> EventStream:
        if isinstance(iterable, EventStream):
            return iterable.then(operator)
        return EventStream(iterable, (operator,))

    return pipe


def events(
    origin: Origin, *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow = "block"
) -> EventStream:
    """Events as an aiostream stream, to pipe rxagent's pipes (and aiostream's) onto.

    From an Observable (``agent.observe(inputs)``), the pipes piped onto the stream are
    applied to the Observable and one ``to_aiter`` bridge with this ``maxsize`` and
    ``overflow`` pulls the result (see ``rxagent.bridges.to_aiter``). From an async
    iterable (an SSE client, a Redis subscription), the stream pulls it as the consumer
    pulls (``maxsize`` and ``overflow`` do not apply).

    Example:
        >>> import asyncio
        >>> from aiostream import stream
        >>> from rxagent import aio
        >>> from rxagent.events import CustomEvent
        >>> async def progress():
        ...     for n in (0, 50, 100):
        ...         yield CustomEvent(data=n)
        >>> xs = events(progress()) | aio.throttle_custom(3600)
        >>> async def collect(xs):
        ...     return await stream.list(xs)
        >>> [event.data for event in asyncio.run(collect(xs))]
        [0, 100]
    """
    return EventStream(origin, maxsize=maxsize, overflow=overflow)
