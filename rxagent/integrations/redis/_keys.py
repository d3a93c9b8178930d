"""Key names of a run in Redis: ``<prefix>:run:<run_id>:log`` and ``...:heartbeat``.

The prefix names a deployment (default ``rxagent``): two deployments sharing one Redis never
see each other's runs, and a run id under another prefix is simply unknown.

Example:
    >>> keys = run_keys("r1")
    >>> keys.log, keys.heartbeat
    ('rxagent:run:r1:log', 'rxagent:run:r1:heartbeat')
    >>> run_keys("r1", prefix="staging").log
    'staging:run:r1:log'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DEFAULT_PREFIX: Final = "rxagent"
"""The key prefix when none is given."""


@dataclass(frozen=True, slots=True)
class RunKeys:
    """The keys of one run."""

    run_id: str
    """The run."""
    prefix: str = DEFAULT_PREFIX
    """The deployment's key prefix."""

    @property
    def log(self) -> str:
        """The run's stream: ``metadata``, the events, one terminal entry."""
        return f"{self.prefix}:run:{self.run_id}:log"

    @property
    def heartbeat(self) -> str:
        """The producer's heartbeat: the Redis server time (ms) of its last beat."""
        return f"{self.prefix}:run:{self.run_id}:heartbeat"


def run_keys(run_id: str, prefix: str = DEFAULT_PREFIX) -> RunKeys:
    """The keys of ``run_id`` under ``prefix``; raise ``ValueError`` on an empty or spaced name.

    Example:
        >>> run_keys("")
        Traceback (most recent call last):
        ...
        ValueError: run_id must be a non-empty string without whitespace, got ''
    """
    for name, value in (("run_id", run_id), ("prefix", prefix)):
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            raise ValueError(f"{name} must be a non-empty string without whitespace, got {value!r}")
    return RunKeys(run_id, prefix)


__all__ = ("DEFAULT_PREFIX", "RunKeys", "run_keys")
