"""Where runs, threads and each run's log of entries live: the :class:`RunStore` interface.

A run's log is what every SSE response reads (:mod:`._sse`): the ``metadata`` entry, the
events, one terminal entry. :meth:`RunStore.read` replays what a reader missed, then tails
the live entries until the terminal one; many readers may follow one run, each at its own
pace, and a reader never holds up the run (the log is the buffer).

This module holds the interface and what crosses it: the records (:class:`RunRecord`,
:class:`ThreadRecord`), what a read yields besides entries (:class:`Gap`, :class:`Idle`),
the errors (:class:`RunNotFound`, :class:`StoreFull`) and :class:`StoreStatistics`. The
store in this process's memory, with its bounds and concurrency invariants, is
:class:`~._memory_store.MemoryRunStore`.

Example:
    >>> RunRecord("r1", "t1", "agent").as_json()["status"]
    'pending'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeAlias

from rxagent.events import Event
from rxagent.integrations.web._entries import Entry, EntryKind
from rxagent.integrations.web._ids import FROM_START, EventId

RunStatus: TypeAlias = Literal["pending", "running", "success", "error", "interrupted"]
"""A run's status, as the LangGraph SDK's ``Run["status"]``."""
ThreadStatus: TypeAlias = Literal["idle", "busy", "error", "interrupted"]
"""A thread's status, as the LangGraph SDK's ``Thread["status"]``."""
After: TypeAlias = EventId | Literal["from-start"] | None
"""Where a read starts: after an id, from the first entry, or (``None``) from now on."""

LIVE_STATUSES: frozenset[str] = frozenset({"pending", "running"})
"""The statuses of a run that has not ended."""


class RunNotFound(KeyError):
    """No such run (never created, or dropped after its retention)."""


class StoreFull(RuntimeError):
    """``max_runs`` live runs already: no room for another."""


@dataclass(frozen=True, slots=True)
class Gap:
    """What a read yields before the rest when entries it should replay were dropped."""

    first_available: EventId
    """The id of the first event entry still in the log (or its terminal entry)."""
    last_dropped: EventId
    """The id of the last entry dropped: a reader that saw it has missed nothing."""


@dataclass(frozen=True, slots=True)
class Idle:
    """What a read yields when nothing came for ``idle`` seconds (time for a keep-alive)."""


IDLE: Idle = Idle()
"""The one :class:`Idle` value."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class RunRecord:
    """A run: who runs it, for which thread, and how it is doing."""

    run_id: str
    thread_id: str
    assistant_id: str
    status: RunStatus = "pending"
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    metadata: dict[str, Any] = field(default_factory=dict)
    stream_modes: tuple[str, ...] = ()
    """The stream modes the run was started with (the default of a join)."""
    subgraphs: bool = False
    """Whether the run was started with ``stream_subgraphs``."""

    def as_json(self) -> dict[str, Any]:
        """The LangGraph SDK's ``Run`` dict."""
        return {
            "run_id": self.run_id,
            "thread_id": self.thread_id,
            "assistant_id": self.assistant_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "status": self.status,
            "metadata": self.metadata,
            "multitask_strategy": "reject",
            "kwargs": {"stream_mode": list(self.stream_modes), "subgraphs": self.subgraphs},
        }


@dataclass(slots=True)
class ThreadRecord:
    """A thread: its metadata and the values its last run ended with."""

    thread_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    """The last state of the thread's last run (rxagent objects, not yet JSON)."""
    status: ThreadStatus = "idle"
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    ephemeral: bool = False
    """Made for one stateless run (``POST /runs/stream``): dropped with that run."""

    def as_json(self, values: Any) -> dict[str, Any]:
        """The LangGraph SDK's ``Thread`` dict, with ``values`` already as JSON."""
        return {
            "thread_id": self.thread_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "metadata": self.metadata,
            "status": self.status,
            "values": values,
            "interrupts": {},
        }


class RunStore(Protocol):
    """Runs, threads and run logs; the in-memory store and the Redis store implement it."""

    async def create_thread(
        self, thread_id: str, metadata: Mapping[str, Any] | None = None, *, ephemeral: bool = False
    ) -> ThreadRecord:
        """Create the thread, or return it if it exists (``ephemeral``: see ThreadRecord)."""
        ...

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        """The thread, or ``None``."""
        ...

    async def update_thread(
        self,
        thread_id: str,
        *,
        status: ThreadStatus | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        """Set the thread's status and (if given) its values."""
        ...

    async def create_run(
        self,
        run_id: str,
        thread_id: str,
        assistant_id: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        stream_modes: Sequence[str] = (),
        subgraphs: bool = False,
    ) -> RunRecord:
        """Record a new ``pending`` run with an empty log; raise :class:`StoreFull`."""
        ...

    async def get_run(self, run_id: str) -> RunRecord | None:
        """The run, or ``None``."""
        ...

    async def list_runs(self, thread_id: str) -> list[RunRecord]:
        """The thread's runs, newest first."""
        ...

    async def set_status(self, run_id: str, status: RunStatus) -> None:
        """Set the run's status."""
        ...

    async def append(
        self,
        run_id: str,
        kind: EntryKind,
        event: Event | None = None,
        data: dict[str, Any] | None = None,
    ) -> Entry:
        """Add an entry to the run's log with the next id; wake its readers."""
        ...

    async def last_id(self, run_id: str) -> EventId | None:
        """The id of the log's last entry (``None`` while it is empty)."""
        ...

    def read(
        self, run_id: str, after: After, *, idle: float | None = None
    ) -> AsyncIterator[Entry | Gap | Idle]:
        """Replay the entries after ``after``, then tail new ones up to the terminal entry.

        ``after`` is an :class:`EventId` (entries with a greater id; for a frame id ``x.n``
        the entry ``x`` too, as it was only partly seen), :data:`FROM_START`, or ``None``
        (only entries appended from now on; a finished run's read ends at once). A
        :class:`Gap` comes first when entries after ``after`` were dropped; :data:`IDLE`
        whenever nothing came for ``idle`` seconds. Raises :class:`RunNotFound`.
        """
        ...


@dataclass(frozen=True, slots=True)
class StoreStatistics:
    """What a store holds (:meth:`~._memory_store.MemoryRunStore.statistics`)."""

    runs: int
    """Run records (live, and finished within their retention)."""
    threads: int
    """Threads."""
    entries: int
    """Log entries over all runs."""


__all__ = (
    "FROM_START",
    "IDLE",
    "LIVE_STATUSES",
    "After",
    "Gap",
    "Idle",
    "RunNotFound",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "StoreFull",
    "StoreStatistics",
    "ThreadRecord",
    "ThreadStatus",
)
