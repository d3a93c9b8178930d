"""Bridges from Observables to iterators, with explicit backpressure."""

from rxagent._flow import Flow, LoopScheduler
from rxagent.bridges._aiter import BridgeAsyncIterator, to_aiter
from rxagent.bridges._buffer import (
    DEFAULT_MAXSIZE,
    BridgeStatistics,
    BufferOverflowError,
    Overflow,
)
from rxagent.bridges._iter import BridgeIterator, to_iter

__all__ = (
    "DEFAULT_MAXSIZE",
    "BridgeAsyncIterator",
    "BridgeIterator",
    "BridgeStatistics",
    "BufferOverflowError",
    "Flow",
    "LoopScheduler",
    "Overflow",
    "to_aiter",
    "to_iter",
)
