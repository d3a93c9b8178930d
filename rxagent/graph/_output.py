"""``GraphOutput``: what ``invoke(..., version="v2")`` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

OutputT = TypeVar("OutputT")


@dataclass(frozen=True, slots=True)
class GraphOutput(Generic[OutputT]):
    """The final output of a run and its interrupts (LangGraph's ``GraphOutput``).

    Example:
        >>> GraphOutput({"n": 1})
        GraphOutput(value={'n': 1}, interrupts=())
    """

    value: OutputT
    """The final output: a dict, or an instance of a pydantic or dataclass output schema."""
    interrupts: tuple[Any, ...] = ()
    """Always empty: rxagent has no interrupts."""
