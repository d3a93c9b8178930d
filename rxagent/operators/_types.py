"""Type aliases shared by the operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from reactivex import Observable

from rxagent.events import Event, SourceKey, source_of

Operator: TypeAlias = Callable[[Observable[Event]], Observable[Event]]
"""What every operator returns: a function from an event stream to an event stream."""


KeyFn: TypeAlias = Callable[[Any], Any]
"""Maps an event to a grouping key (``throttle_custom(key=...)``)."""

__all__ = ("KeyFn", "Operator", "SourceKey", "source_of")
