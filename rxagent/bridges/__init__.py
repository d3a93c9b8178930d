"""Bridges from Observables to iterators, with explicit backpressure."""

from rxagent.bridges._aiter import to_aiter
from rxagent.bridges._buffer import DEFAULT_MAXSIZE, BufferOverflowError, Overflow
from rxagent.bridges._flow import Flow, LoopScheduler
from rxagent.bridges._iter import to_iter

__all__ = (
    "DEFAULT_MAXSIZE",
    "BufferOverflowError",
    "Flow",
    "LoopScheduler",
    "Overflow",
    "to_aiter",
    "to_iter",
)
