"""The vocabulary of the suite: faces, runs, implementations, samples, and the registry."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

Face: TypeAlias = Literal["sync", "async", "push"]
"""How a configuration is consumed: an iterator, an async iterator, or pushed callbacks."""

Params: TypeAlias = Mapping[str, Any]
"""The size and shape of one workload run, such as ``{"n": 100_000, "k": 1_000}``."""

SyncRun: TypeAlias = Callable[[], Iterable[Any]]
"""Starts one run and returns its items (timed from the call)."""
AsyncRun: TypeAlias = Callable[[], AsyncIterable[Any]]
"""Starts one run and returns its async items (timed from the call)."""
PushRun: TypeAlias = Callable[[Callable[[Any], None]], Mapping[str, float] | None]
"""Runs to completion, calling its argument once per delivered item; may return extras."""
Run: TypeAlias = SyncRun | AsyncRun | PushRun
Prepare: TypeAlias = Callable[[Params], Run]
"""Builds one run, untimed: the agent, the model script, the pipeline, the inputs."""
Faces: TypeAlias = Mapping[Face, Prepare]
"""The faces an implementation offers, each with how to prepare a run."""


@dataclass(frozen=True)
class Implementation:
    """One row kind of a workload: a named thing to measure, and the faces it offers."""

    workload: str
    name: str
    faces: Faces
    requires: tuple[str, ...] = ()
    """Modules that must be importable (checked without importing them)."""
    check: Callable[[], str | None] | None = None
    """Another availability check: returns the reason to skip, or ``None``."""

    def skip_reason(self) -> str | None:
        """Why this implementation cannot run here, or ``None`` when it can."""
        missing = [name for name in self.requires if importlib.util.find_spec(name) is None]
        if missing:
            return f"not installed: {', '.join(missing)} (pip install 'rxagent[bench]')"
        return self.check() if self.check is not None else None


REGISTRY: dict[tuple[str, str], Implementation] = {}
"""Every implementation, by ``(workload, name)``, in registration order."""


def register(implementation: Implementation) -> Implementation:
    """Add an implementation to the registry."""
    REGISTRY[implementation.workload, implementation.name] = implementation
    return implementation


@dataclass(frozen=True)
class Sample:
    """One measured run."""

    events: int
    """Items the consumer received."""
    wall: float
    """Seconds from the start of the call to the end of the run."""
    first: float
    """Seconds to the first item."""
    half: float
    """The time until half the items had arrived, as a fraction of ``wall``."""
    extra: Mapping[str, float] = field(default_factory=dict)
    """Workload-specific numbers (input counts, memory growth)."""
