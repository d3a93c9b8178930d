"""Runs that workers run: :class:`RedisLauncher`, the launcher of ``rxagent serve --redis``.

:meth:`~rxagent.integrations.web._server.Server.start` creates the run in the
:class:`~._store.RedisRunStore` and calls :meth:`RedisLauncher.launch`, which marks the
thread busy and appends a :class:`~._requests.RunRequest` to ``<prefix>:requests``: the
assistant id, the input (thread values already merged, as JSON), the rxagent stream modes
the starting encoder needs **plus** ``values`` (the store takes the thread's next values
from the log's last root ``values`` event), ``subgraphs``, the pacing, and metadata. No
agent runs in the server: a worker serving that assistant id takes the request and writes
the run's log, which any server streams.

Cancelling is :func:`~._requests.cancel_run` (a key and a pub/sub message, so it reaches
the worker whether the run is running, queued or not yet taken). :meth:`cancel` is called
synchronously (from a stream's ``finally`` on a client's disconnect, too), so it starts a
task; the launcher keeps its tasks and :meth:`aclose` awaits them.

Concurrency invariants: the launcher is used on the server's loop only; its set of cancel
tasks is changed only there (a task removes itself when done).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, cast

from rxagent._types import StreamMode
from rxagent.integrations.redis._requests import RunRequest as WorkerRequest
from rxagent.integrations.redis._requests import cancel_run, submit
from rxagent.integrations.web._langgraph_json import to_json
from rxagent.integrations.web._store import RunRecord

if TYPE_CHECKING:
    from rxagent.integrations.redis._store import RedisRunStore
    from rxagent.integrations.web._server import RunRequest


class RedisLauncher:
    """Submits runs to the workers of a Redis deployment (see the module docstring).

    Args:
        store: the server's store (its client, prefix and logs).
    """

    def __init__(self, store: RedisRunStore) -> None:
        self.store = store
        self._tasks: set[asyncio.Task[None]] = set()

    async def launch(self, run: RunRecord, request: RunRequest, inputs: Any) -> None:
        """Mark the thread busy and submit the run's request (see the module docstring)."""
        await self.store.update_thread(run.thread_id, status="busy")
        pacing = request.pacing
        modes = cast(tuple[StreamMode, ...], tuple(sorted({*request.modes, "values"})))
        worker_request = WorkerRequest(
            run_id=run.run_id,
            thread_id=run.thread_id,
            assistant_id=request.agent.name,
            input=to_json(inputs),
            config=to_json(request.config or {}),
            context=to_json(request.context),
            stream_modes=modes,
            subgraphs=request.subgraphs,
            buffer_ms=pacing.buffer_ms,
            throttle_ms=pacing.throttle_ms,
            metadata={"thread_id": run.thread_id, "assistant_id": request.agent.name},
        )
        await submit(self.store.client, worker_request, prefix=self.store.prefix)

    def cancel(self, run_id: str) -> bool:
        """Send the cancel (in a task of the launcher's); always ``True``: whether the run
        is live is the log's to say."""
        task = asyncio.get_running_loop().create_task(
            self._cancel(run_id), name=f"rxagent cancel {run_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _cancel(self, run_id: str) -> None:
        await cancel_run(self.store.redis, run_id, prefix=self.store.prefix)

    async def wait(self, run_id: str) -> None:
        """Return when the run's log has its terminal entry (at once for an unknown run)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
        run = await self.store.get_run(run_id)
        if run is None or run.status not in ("pending", "running"):
            return
        async for _ in self.store.read(run_id, "from-start"):
            pass
        await self.store.get_run(run_id)  # finalizes the record

    async def aclose(self) -> None:
        """Let the cancels in flight finish, then close the store's client."""
        tasks = list(self._tasks)
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.store.aclose()


__all__ = ("RedisLauncher",)
