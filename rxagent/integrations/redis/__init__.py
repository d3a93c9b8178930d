"""A run's events in Redis Streams, for any process on any machine (extra ``redis``).

One stream per run, ``<prefix>:run:<run_id>:log`` (prefix ``rxagent`` by default): a
``metadata`` entry, one entry per event (``kind``, ``seq``, ``event`` = the event's JSON
from ``rxagent.events.EVENT_ADAPTER``), then exactly one terminal entry (``end``, ``error``
with ``{"error", "message"}``, or ``cancelled``). The entries' Redis ids are the
:class:`~rxagent.integrations.web.EventId` of the web layer, so a client resumes with its
``Last-Event-ID`` on any server.

* :func:`publish` runs an Observable (or async iterable) of events into a run's log;
  :class:`RunPublisher` is the same, one call per entry. The producer beats a heartbeat
  key (``<prefix>:run:<run_id>:heartbeat``) every ``heartbeat_interval``.
* :func:`subscribe` is a run's log as an ``Observable[Event]``: replay after an id, then
  live, completing at ``end``; :func:`read_entries` gives the entries themselves (the web
  layer's view: metadata and terminal entries included) and is the engine of both.
* Nothing is silent: a reader raises :class:`LogGap` when entries are missing, and when the
  producer stops heartbeating for ``heartbeat_timeout`` it appends the ``error`` entry
  (once, whoever notices first) and raises :class:`ProducerDied`.
* :class:`Worker` (``rxagent worker``) takes run requests (:class:`RunRequest`) from the
  request stream (``<prefix>:requests``, group ``workers``) and publishes their runs;
  :func:`submit` appends a request, :func:`cancel_run` reaches the worker running it.
* :class:`RedisRunStore` is the run store of ``rxagent serve --redis``: threads and run
  records in Redis, runs submitted to workers (:class:`RedisLauncher`), logs read here.

redis-py is imported by this package only: ``rxagent`` and ``rxagent.integrations`` never
import it.
"""

from __future__ import annotations

from rxagent.integrations.redis._errors import (
    LogClosed,
    LogGap,
    LogUnavailable,
    MalformedEntry,
    ProducerDied,
    PublishFailed,
    RunCancelled,
    RunFailed,
    RunLogError,
    UnknownRun,
)
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, RunKeys, run_keys
from rxagent.integrations.redis._launcher import RedisLauncher
from rxagent.integrations.redis._publish import RunPublisher, publish
from rxagent.integrations.redis._read import After, read_entries
from rxagent.integrations.redis._requests import (
    MalformedRequest,
    RunRequest,
    cancel_run,
    submit,
)
from rxagent.integrations.redis._store import RedisRunStore
from rxagent.integrations.redis._subscribe import subscribe
from rxagent.integrations.redis._worker import Worker

__all__ = (
    "DEFAULT_PREFIX",
    "After",
    "LogClosed",
    "LogGap",
    "LogUnavailable",
    "MalformedEntry",
    "MalformedRequest",
    "ProducerDied",
    "PublishFailed",
    "RedisLauncher",
    "RedisRunStore",
    "RunCancelled",
    "RunFailed",
    "RunKeys",
    "RunLogError",
    "RunPublisher",
    "RunRequest",
    "UnknownRun",
    "Worker",
    "cancel_run",
    "publish",
    "read_entries",
    "run_keys",
    "submit",
    "subscribe",
)
