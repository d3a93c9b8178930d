"""Driving operator cores from an async iterable, in the consumer's task: no thread, no task,
no read-ahead.

The cores of a chain of untimed stages are linked (each emits into the next, the last into
a :class:`Sink`); each item pulled from the iterable is pushed into the first, and what
reaches the sink is yielded before the next item is pulled. The iterable's end completes
the chain, its error is pushed into the chain (so held events are flushed before it is
raised), and leaving the generator early cancels the cores and closes the iterable.
A chain of selections only is one test per item: their predicates, in order.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Sequence

from rxagent.aio._pump import close, enter
from rxagent.events import Event
from rxagent.operators._stage import Core, Downstream, Select, Stage

Keep = Callable[[Event], bool]


class Sink:
    """The end of a chain of cores: what they emitted and the consumer has not pulled."""

    __slots__ = ("done", "error", "items")

    def __init__(self) -> None:
        self.items: deque[Event] = deque()
        self.done = False
        self.error: Exception | None = None

    def on_next(self, event: Event, /) -> None:
        if not self.done:
            self.items.append(event)

    def on_error(self, error: Exception, /) -> None:
        if not self.done:
            self.done, self.error = True, error

    def on_completed(self) -> None:
        self.done = True


def link(stages: Sequence[Stage], sink: Downstream) -> list[Core]:
    """The cores of ``stages``, each emitting into the next's, the last into ``sink``."""
    cores: list[Core] = []
    downstream = sink
    for stage in reversed(stages):
        core = stage.make(downstream, None)
        cores.append(core)
        downstream = core
    cores.reverse()
    return cores


def drive(iterable: AsyncIterable[Event], stages: Sequence[Stage]) -> AsyncIterable[Event]:
    """The events of ``iterable`` through ``stages`` (untimed), pulled one at a time."""
    if not stages:
        return iterable
    keeps = [stage.keep for stage in stages if isinstance(stage, Select)]
    if len(keeps) == len(stages):
        return _select(iterable, functools.reduce(_both, keeps))
    return _drive(iterable, stages)


async def _select(iterable: AsyncIterable[Event], keep: Keep) -> AsyncGenerator[Event]:
    iterator = await enter(iterable)
    try:
        async for event in iterator:
            if keep(event):
                yield event
    finally:
        await close(iterator)


def _both(first: Keep, second: Keep) -> Keep:
    return lambda event: first(event) and second(event)


async def _drive(iterable: AsyncIterable[Event], stages: Sequence[Stage]) -> AsyncGenerator[Event]:
    sink = Sink()
    cores = link(stages, sink)
    head = cores[0]
    out = sink.items
    iterator = await enter(iterable)
    try:
        pull = iterator.__anext__
        while not sink.done:
            try:
                event = await pull()
            except StopAsyncIteration:
                head.on_completed()
                break
            except Exception as error:
                head.on_error(error)  # flushes what the cores hold, then the error
                break
            head.on_next(event)
            while out:
                yield out.popleft()
        while out:
            yield out.popleft()
        if sink.error is not None:
            raise sink.error
    finally:
        for core in cores:
            core.cancel()
        await close(iterator)
