"""Running a run into its log: :class:`RunManager`.

A run is pumped by one task on the server's event loop: it subscribes the run's source
through :func:`~rxagent.bridges.to_aiter` (``overflow="block"``: a run that produces faster
than the store takes waits, and the loop is never blocked), appends the ``metadata`` entry
first, then every event, then exactly one terminal entry: ``end``, ``error``
(``{"error", "message"}``) or ``cancelled``. Readers follow the log, never the run: a slow
or vanished client cannot hold the run up, and a client that comes back reads what it missed.

An event that JSON cannot hold (:class:`~rxagent.events.EventEncodeError`) or whose JSON is
larger than ``max_event_bytes`` ends the run with an ``error`` entry naming the event; the
server goes on.

Concurrency invariants: the manager and its store are used only on the loop that started
the runs; each run has one pump task, the only writer of that run's log; :meth:`cancel`
cancels that task at most once, and the task's own ``except`` appends the ``cancelled``
entry after the run's subscription is disposed (so no event follows the terminal entry).

Example:
    >>> import asyncio, reactivex as rx
    >>> from rxagent.events import CustomEvent
    >>> from rxagent.integrations.web._memory_store import MemoryRunStore
    >>> async def main() -> list[str]:
    ...     store = MemoryRunStore()
    ...     runs = RunManager(store)
    ...     _ = await store.create_thread("t1")
    ...     run = await store.create_run("r1", "t1", "agent", stream_modes=["custom"])
    ...     await runs.start(run, lambda: rx.of(CustomEvent(data=1)), modes={"custom"})
    ...     await runs.wait("r1")
    ...     return [entry.kind async for entry in store.read("r1", "from-start")]
    >>> asyncio.run(main())
    ['metadata', 'event', 'end']
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from reactivex import Observable

from rxagent.bridges import to_aiter
from rxagent.events import Event, EventEncodeError
from rxagent.integrations.web._entries import EntryKind, error_data
from rxagent.integrations.web._langgraph_json import event_json
from rxagent.integrations.web._store import RunRecord, RunStatus, RunStore, ThreadStatus

Source: TypeAlias = Observable[Event] | AsyncIterable[Event]
"""What a run reads: an Observable of events (one subscription = one run) or an async
iterable of events."""
DisconnectMode: TypeAlias = Literal["cancel", "continue"]
"""What a client going away does to its run (LangGraph's ``on_disconnect``)."""

_OUTCOME: dict[str, tuple[RunStatus, ThreadStatus]] = {
    "end": ("success", "idle"),
    "error": ("error", "error"),
    "cancelled": ("interrupted", "idle"),
}


class EventTooLarge(ValueError):
    """One event's JSON is larger than the server's ``max_event_bytes``."""

    def __init__(self, event: Event, size: int, limit: int) -> None:
        super().__init__(
            f"413 Payload Too Large: the {event.mode!r} event of node {event.node!r} "
            f"(seq {event.seq}) is {size:,} bytes of JSON, over the server's limit of "
            f"{limit:,} bytes per event (max_event_bytes)"
        )


@dataclass(eq=False)
class _Live:
    """A run being pumped."""

    run: RunRecord
    task: asyncio.Task[None] | None = None
    cancelling: bool = False
    values: Any = None
    """The last root ``values`` event's data: the thread's state when the run ends."""
    done: asyncio.Event = field(default_factory=asyncio.Event)


class RunManager:
    """Starts runs into a :class:`~._store.RunStore`, cancels them, waits for them.

    Args:
        store: where the runs' logs go.
        max_event_bytes: the largest JSON one event may have (``None``: no limit).
        maxsize: the bridge buffer between a run and its pump (``to_aiter``'s ``maxsize``).
    """

    def __init__(
        self, store: RunStore, *, max_event_bytes: int | None = None, maxsize: int = 1024
    ) -> None:
        self.store = store
        self.max_event_bytes = max_event_bytes
        self.maxsize = maxsize
        self._live: dict[str, _Live] = {}

    async def start(
        self,
        run: RunRecord,
        source: Callable[[], Source],
        *,
        modes: Collection[str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Append the run's ``metadata`` entry and start pumping ``source()`` into its log.

        Args:
            run: the run, already created in the store.
            source: makes the run's events (called once, inside the pump task).
            modes: the rxagent stream modes to log; root ``values`` events are watched
                (the thread's state) even when not logged.
            metadata: extra keys for the ``metadata`` entry, after ``run_id`` and ``attempt``.
        """
        data = {"run_id": run.run_id, "attempt": 1, "thread_id": run.thread_id}
        data.update(metadata or {})
        await self.store.append(run.run_id, "metadata", data=data)
        await self.store.update_thread(run.thread_id, status="busy")
        live = _Live(run)
        self._live[run.run_id] = live
        live.task = asyncio.get_running_loop().create_task(
            self._pump(live, source, frozenset(modes)), name=f"rxagent run {run.run_id}"
        )

    def is_live(self, run_id: str) -> bool:
        """Whether the run is being pumped by this manager."""
        return run_id in self._live

    def cancel(self, run_id: str) -> bool:
        """Ask the run to stop (its log then ends with ``cancelled``); ``False`` if not live."""
        live = self._live.get(run_id)
        if live is None or live.task is None:
            return False
        if not live.cancelling:
            live.cancelling = True
            live.task.cancel()
        return True

    async def wait(self, run_id: str) -> None:
        """Return when the run's terminal entry is in its log (at once if not live)."""
        live = self._live.get(run_id)
        if live is not None:
            await live.done.wait()

    async def aclose(self) -> None:
        """Cancel every live run and wait for their terminal entries (server shutdown)."""
        lives = list(self._live.values())
        for live in lives:
            self.cancel(live.run.run_id)
        for live in lives:
            await live.done.wait()

    async def _pump(self, live: _Live, source: Callable[[], Source], modes: frozenset[str]) -> None:
        run_id = live.run.run_id
        kind: EntryKind = "end"
        data: dict[str, Any] = {}
        events: AsyncIterator[Event] | None = None
        try:
            await self.store.set_status(run_id, "running")
            events = _iterate(source())
            async for event in events:
                if event.mode == "values" and not event.ns:
                    live.values = event.data
                if event.mode in modes:
                    self._check(event)
                    await self.store.append(run_id, "event", event)
        except asyncio.CancelledError:
            kind = "cancelled"
        except Exception as error:  # the run failed, or an event cannot be sent
            kind, data = "error", error_data(error)
        try:
            if events is not None:
                with contextlib.suppress(Exception):
                    await _aclose(events)
            await self._finish(live, kind, data)
        finally:
            del self._live[run_id]
            live.done.set()

    def _check(self, event: Event) -> None:
        """Raise if the event cannot go on the wire: not JSON, or too large."""
        text = event_json(event, event.data)  # raises EventEncodeError
        limit = self.max_event_bytes
        if limit is not None and len(text) > limit // 4:  # cheap test first: chars ≤ bytes
            size = len(text.encode())
            if size > limit:
                raise EventTooLarge(event, size, limit)

    async def _finish(self, live: _Live, kind: EntryKind, data: dict[str, Any]) -> None:
        run = live.run
        await self.store.append(run.run_id, kind, data=data)
        run_status, thread_status = _OUTCOME[kind]
        await self.store.set_status(run.run_id, run_status)
        values = live.values if isinstance(live.values, dict) else None
        await self.store.update_thread(run.thread_id, status=thread_status, values=values)


def _iterate(source: Source) -> AsyncIterator[Event]:
    if isinstance(source, Observable):
        return to_aiter(source, overflow="block")
    return aiter(source)


async def _aclose(events: AsyncIterator[Event]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()


__all__ = ("DisconnectMode", "EventEncodeError", "EventTooLarge", "RunManager", "Source")
