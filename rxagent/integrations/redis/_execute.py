"""Running one :class:`~._requests.RunRequest` into its run's log, as a worker does.

:func:`run_request` writes the log with :class:`~._publish.RunPublisher` exactly as
:func:`~._publish.publish` does (``metadata``, the events, one terminal entry), with three
additions: a run whose cancel key is set ends with ``cancelled`` before the agent runs; a
request for an assistant id this worker does not serve ends with an ``error`` entry
(``UnknownAssistant``) naming the served ones; and a retried attempt continues the log the
dead worker left (after the ``metadata`` entry :data:`~._claim.TAKEOVER` added) instead of
starting one.

Concurrency: one call per run, in the run's own task; cancelling that task disposes the
agent's subscription and ends the log with ``cancelled`` (then ``CancelledError``
propagates). The publisher owns its client and heartbeat task, closed however the run ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from reactivex import Observable

from rxagent._types import StreamMode
from rxagent.events import Event
from rxagent.integrations.redis._claim import Claimed, run_metadata
from rxagent.integrations.redis._connect import Redis
from rxagent.integrations.redis._publish import RunPublisher, TerminalKind
from rxagent.integrations.redis._requests import RunRequest, cancel_key
from rxagent.integrations.web._entries import Entry, error_data
from rxagent.integrations.web._server import Pacing, ServedAgent


async def run_request(
    redis: str | Redis,
    commands: Redis,
    claimed: Claimed,
    agents: Mapping[str, ServedAgent],
    *,
    prefix: str,
    heartbeat_interval: float,
    ttl: float,
    metadata: Mapping[str, Any],
) -> Entry:
    """Run ``claimed.request`` into its log; the terminal entry.

    Args:
        redis: where the publisher opens its own client.
        commands: a client for single commands (the cancel key).
        claimed: the request, and whether this attempt continues a log.
        agents: the served agents by assistant id.
        prefix: the deployment's key prefix.
        heartbeat_interval: seconds between the run's heartbeats.
        ttl: the TTL of the run's keys while it lives.
        metadata: added to the ``metadata`` entry (e.g. the worker's name).

    Raises:
        PublishFailed, LogClosed, RunLogError: as :func:`~._publish.publish`.
        asyncio.CancelledError: the task was cancelled (the log ended with ``cancelled``).
    """
    request = claimed.request
    publisher = RunPublisher(
        redis, request.run_id, prefix=prefix, heartbeat_interval=heartbeat_interval, ttl=ttl
    )
    if claimed.next_seq is None:
        await publisher.start({**run_metadata(request, claimed.attempt), **metadata})
    else:
        await publisher.resume(claimed.next_seq)
    try:
        plan = await _plan(commands, request, agents, prefix)
    except BaseException as error:
        await publisher.end_after(error)
        raise
    if isinstance(plan, Observable):
        return await publisher.run(plan)
    return await publisher.finish(*plan)


async def _plan(
    commands: Redis, request: RunRequest, agents: Mapping[str, ServedAgent], prefix: str
) -> Observable[Event] | tuple[TerminalKind, dict[str, Any]]:
    """The run's events, or the terminal entry to end its log with before the agent runs
    (cancelled already, an assistant this worker does not serve, an input it refuses)."""
    if await commands.exists(cancel_key(request.run_id, prefix)):
        return "cancelled", {}
    agent = agents.get(request.assistant_id)
    if agent is None:
        served = ", ".join(repr(name) for name in agents)
        message = (
            f"no worker serves assistant {request.assistant_id!r}: this worker serves "
            f"{served} (the workers of one deployment should serve the same agents)"
        )
        return "error", {"error": "UnknownAssistant", "message": message}
    try:
        return observe(agent, request)
    except Exception as error:  # the agent refused the input before running
        return "error", error_data(error)


def observe(agent: ServedAgent, request: RunRequest) -> Observable[Event]:
    """The run ``request`` asks for: the agent in its stream modes, paced as asked."""
    pacing = Pacing(request.buffer_ms, request.throttle_ms)
    modes = cast(list[StreamMode], list(request.stream_modes))
    config = dict(request.config) or None
    return pacing.apply(agent.observe(request.input, config, request.context, modes))


__all__ = ("observe", "run_request")
