"""Who runs a started run: the :class:`RunLauncher` interface and :class:`LocalLauncher`.

:meth:`~._server.Server.start` records the run in the store and hands it to the server's
launcher; the routes cancel and wait through it. Two launchers exist:

* :class:`LocalLauncher` (the default): runs the agent in this process, through a
  :class:`~._runs.RunManager` that appends the run's events to the store's log;
* :class:`~rxagent.integrations.redis.RedisLauncher` (``rxagent serve --redis``): runs
  nothing here; it submits a run request to the workers' stream in Redis, whose worker
  writes the log that the :class:`~rxagent.integrations.redis.RedisRunStore` reads.

Everything else (the SSE streams, resume, the routes) is one code path over the store.

Concurrency invariants: a launcher is used only on the server's event loop (as its store
is); :meth:`RunLauncher.cancel` is synchronous so that a stream's ``finally`` can call it
while its task is being cancelled: a launcher that must talk to another process starts a
task of its own for it and keeps it until :meth:`RunLauncher.aclose`.

Example:
    >>> from rxagent.integrations.web._memory_store import MemoryRunStore
    >>> launcher = LocalLauncher(RunManager(MemoryRunStore()))
    >>> launcher.cancel("no-such-run")
    False
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from reactivex import Observable

from rxagent._types import StreamMode
from rxagent.events import Event
from rxagent.integrations.web._runs import RunManager
from rxagent.integrations.web._store import RunRecord

if TYPE_CHECKING:
    from rxagent.integrations.web._server import RunRequest


class RunLauncher(Protocol):
    """Starts, cancels and awaits the runs a server created in its store."""

    async def launch(self, run: RunRecord, request: RunRequest, inputs: Any) -> None:
        """Start ``run`` (already in the store) on ``inputs`` as ``request`` asks."""
        ...

    def cancel(self, run_id: str) -> bool:
        """Ask the run to stop (its log then ends with ``cancelled``); ``False`` if this
        launcher knows the run is not live."""
        ...

    async def wait(self, run_id: str) -> None:
        """Return when the run's terminal entry is in its log."""
        ...

    async def aclose(self) -> None:
        """Server shutdown: stop what this launcher runs and release what it holds."""
        ...


class LocalLauncher:
    """Runs the agents in this process: a :class:`~._runs.RunManager` pumps each run.

    Args:
        manager: the manager whose store is the server's.
    """

    def __init__(self, manager: RunManager) -> None:
        self.manager = manager

    async def launch(self, run: RunRecord, request: RunRequest, inputs: Any) -> None:
        """Observe ``request.agent`` on ``inputs`` (paced) and pump it into the log."""
        agent, pacing = request.agent, request.pacing
        logged = request.modes
        observed = cast(list[StreamMode], sorted({*logged, "values"}))

        def source() -> Observable[Event]:
            return pacing.apply(agent.observe(inputs, request.config, request.context, observed))

        await self.manager.start(run, source, modes=logged, metadata={"assistant_id": agent.name})

    def cancel(self, run_id: str) -> bool:
        """:meth:`~._runs.RunManager.cancel`."""
        return self.manager.cancel(run_id)

    async def wait(self, run_id: str) -> None:
        """:meth:`~._runs.RunManager.wait`."""
        await self.manager.wait(run_id)

    async def aclose(self) -> None:
        """Cancel every live run and wait for their terminal entries."""
        await self.manager.aclose()


__all__ = ("LocalLauncher", "RunLauncher")
