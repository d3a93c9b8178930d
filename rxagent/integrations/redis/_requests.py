"""Run requests and cancels: the contract between whoever starts runs and the workers.

Requests: one Redis stream per deployment, ``<prefix>:requests`` (:func:`requests_key`),
read by the consumer group ``workers`` (:data:`GROUP`; created with ``XGROUP CREATE <key>
workers 0 MKSTREAM`` by :func:`ensure_group`, and again on ``NOGROUP``: a Redis restart
without persistence loses it). Each entry is one :class:`RunRequest`, encoded by
:func:`encode_request` as two fields::

    version  "1"
    request  {"run_id": ..., "thread_id": ..., "assistant_id": ..., "input": ...,
              "config": {...}, "context": ..., "stream_modes": [...], "subgraphs": false,
              "buffer_ms": null, "throttle_ms": null, "retries": 0, "metadata": {...}}

:func:`submit` appends one (``XADD <prefix>:requests * version 1 request <json>``) and
returns its entry id. A worker acknowledges (``XACK``) and deletes (``XDEL``) the entry once
the run's log has its terminal entry; the stream is never trimmed (trimming would drop
requests not yet read).

Cancels: :func:`cancel_run` sets ``<prefix>:run:<run_id>:cancel`` (:func:`cancel_key`,
TTL ``ttl``, default an hour) and then publishes the run id on ``<prefix>:cancel``
(:func:`cancel_channel`). A worker running the run gets the message and stops it (its log
ends with ``cancelled``); a worker about to start a run checks the key first and, if set,
ends the log with ``cancelled`` without running it. So a cancel reaches the run whether it
runs now, later, or never started, as long as it starts within ``ttl``.

Concurrency: :func:`submit` and :func:`cancel_run` are single commands (``cancel_run`` two:
the key is set before the message is sent, so a worker that misses the message because it
has not subscribed yet still sees the key before it starts the run). Neither is retried
here: ``XADD`` with an automatic id is not idempotent, so pass a client without automatic
retries (or a URL: then a client of rxagent's own, without retries, is opened and closed).

Example:
    >>> request = RunRequest("run-1", "thread-1", "agent", {"messages": []})
    >>> decode_request(encode_request(request)) == request
    True
    >>> requests_key(), cancel_channel("staging"), cancel_key("run-1")
    ('rxagent:requests', 'staging:cancel', 'rxagent:run:run-1:cancel')
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from rxagent._types import STREAM_MODES, StreamMode
from rxagent.integrations.redis._connect import Redis, opened
from rxagent.integrations.redis._keys import DEFAULT_PREFIX, run_keys

VERSION: Final = "1"
"""The request encoding this module writes and reads."""
GROUP: Final = "workers"
"""The consumer group of the workers on ``<prefix>:requests``."""
CANCEL_TTL: Final = 3600.0
"""How long (s) a cancel key waits for its run by default."""


def requests_key(prefix: str = DEFAULT_PREFIX) -> str:
    """The request stream of a deployment: ``<prefix>:requests``."""
    run_keys("x", prefix)  # validates the prefix
    return f"{prefix}:requests"


def cancel_channel(prefix: str = DEFAULT_PREFIX) -> str:
    """The pub/sub channel that carries run ids to cancel: ``<prefix>:cancel``."""
    run_keys("x", prefix)
    return f"{prefix}:cancel"


def cancel_key(run_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The key that marks a run cancelled: ``<prefix>:run:<run_id>:cancel``."""
    run_keys(run_id, prefix)
    return f"{prefix}:run:{run_id}:cancel"


@dataclass(frozen=True)
class RunRequest:
    """One run for a worker to run; its log is ``<prefix>:run:<run_id>:log``."""

    run_id: str
    """The run; names its log (no whitespace)."""
    thread_id: str | None
    """The thread the run belongs to (``None``: a stateless run)."""
    assistant_id: str
    """The agent to run: the name a worker serves it under (``--agent name=...``)."""
    input: Any
    """The agent's whole input, JSON (thread values already merged by the submitter)."""
    config: dict[str, Any] = field(default_factory=dict)
    """The run's config (JSON object)."""
    context: Any = None
    """The run's context (JSON), or ``None``."""
    stream_modes: tuple[StreamMode, ...] = ("values",)
    """The rxagent stream modes the agent is observed in; the log carries exactly these."""
    subgraphs: bool = False
    """Whether the submitter asked for subgraph events (kept in the log's metadata)."""
    buffer_ms: int | None = None
    """Token buffering before logging (``buffer_tokens``), ms; ``None``: none."""
    throttle_ms: int | None = None
    """Custom-event throttling before logging (``throttle_custom``), ms; ``None``: none."""
    retries: int = 0
    """How often a run whose worker died is restarted by another (default none: agents
    call tools with side effects)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Added to the log's ``metadata`` entry (JSON object)."""


class MalformedRequest(ValueError):
    """A request stream entry that is not what :func:`encode_request` writes."""

    def __init__(self, entry_id: str, problem: str, run_id: str | None = None) -> None:
        super().__init__(f"malformed run request {entry_id}: {problem}")
        self.entry_id = entry_id
        """The stream entry id (``"?"`` when unknown)."""
        self.problem = problem
        """What is wrong."""
        self.run_id = run_id
        """The run id, when the entry holds a valid one (its log can get an error entry)."""


def encode_request(request: RunRequest) -> dict[str, str]:
    """``request`` as stream entry fields: ``version`` and ``request`` (its JSON).

    Raises:
        TypeError, ValueError: a field is not JSON.
    """
    body = asdict(request)
    body["stream_modes"] = list(request.stream_modes)
    return {"version": VERSION, "request": json.dumps(body, separators=(",", ":"))}


def decode_request(fields: Mapping[Any, Any], entry_id: str = "?") -> RunRequest:
    """The :class:`RunRequest` of a stream entry's fields (names and values bytes or text).

    Raises:
        MalformedRequest: naming ``entry_id`` and what is wrong.
    """
    text = {_text(k): _text(v) for k, v in fields.items()}
    if text.get("version") != VERSION:
        raise MalformedRequest(entry_id, f"version {text.get('version')!r}, expected {VERSION!r}")
    try:
        body = json.loads(text["request"])
    except KeyError:
        raise MalformedRequest(entry_id, "no 'request' field") from None
    except ValueError as error:
        raise MalformedRequest(entry_id, f"'request' is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise MalformedRequest(entry_id, "'request' is not a JSON object")
    run_id = body.get("run_id")
    valid_id = run_id if _is_name(run_id) else None
    try:
        return _request(body)
    except (TypeError, ValueError) as error:
        raise MalformedRequest(entry_id, str(error), valid_id) from None


_OPTIONAL: Final[dict[str, tuple[type, Any]]] = {
    "config": (dict, {}),
    "context": (object, None),
    "subgraphs": (bool, False),
    "buffer_ms": (int, None),
    "throttle_ms": (int, None),
    "retries": (int, 0),
    "metadata": (dict, {}),
}


def _request(body: dict[str, Any]) -> RunRequest:
    unknown = set(body) - {"run_id", "thread_id", "assistant_id", "input", "stream_modes"}
    unknown -= set(_OPTIONAL)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    for name in ("run_id", "assistant_id"):
        if not _is_name(body.get(name)):
            raise ValueError(f"{name!r} must be a non-empty string without whitespace")
    if body.get("thread_id") is not None and not isinstance(body["thread_id"], str):
        raise ValueError("'thread_id' must be a string or null")
    if "input" not in body:
        raise ValueError("no 'input'")
    options: dict[str, Any] = {}
    for name, (kind, default) in _OPTIONAL.items():
        value = body.get(name, default)
        if value is not None and (not isinstance(value, kind) or _is_bool_int(value, kind)):
            raise ValueError(f"{name!r} must be a {kind.__name__}, got {value!r}")
        options[name] = value
    for name in ("buffer_ms", "throttle_ms", "retries"):
        if options[name] is not None and options[name] < (0 if name == "retries" else 1):
            raise ValueError(f"{name!r} must be {'>= 0' if name == 'retries' else '> 0'}")
    return RunRequest(
        body["run_id"],
        body.get("thread_id"),
        body["assistant_id"],
        body["input"],
        stream_modes=_modes(body.get("stream_modes", ["values"])),
        **options,
    )


def _modes(value: Any) -> tuple[StreamMode, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"'stream_modes' must be a non-empty list, got {value!r}")
    bad = [mode for mode in value if mode not in STREAM_MODES]
    if bad:
        raise ValueError(f"unknown stream modes {bad}: expected some of {list(STREAM_MODES)}")
    return tuple(value)


def _is_bool_int(value: Any, kind: type) -> bool:
    return kind is int and isinstance(value, bool)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and not any(c.isspace() for c in value)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def ensure_group(redis: Redis, prefix: str = DEFAULT_PREFIX) -> bool:
    """Create the ``workers`` group on the request stream (and the stream) unless it exists;
    whether it was created."""
    from redis.exceptions import ResponseError

    try:
        await redis.xgroup_create(requests_key(prefix), GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" in str(error):
            return False
        raise
    return True


async def submit(redis: str | Redis, request: RunRequest, *, prefix: str = DEFAULT_PREFIX) -> str:
    """Append ``request`` to ``<prefix>:requests``; its entry id (``<ms>-<seq>``).

    Not retried (see the module docstring). The group is not created here: a worker
    reading from ``0`` on creation, or the group existing, sees the request either way.
    """
    fields = encode_request(request)
    async with _client(redis) as client:
        entry_id = await client.xadd(requests_key(prefix), fields)  # type: ignore[arg-type]
    return _text(entry_id)


async def cancel_run(
    redis: str | Redis, run_id: str, *, prefix: str = DEFAULT_PREFIX, ttl: float = CANCEL_TTL
) -> int:
    """Cancel ``run_id``: set its cancel key (for ``ttl`` s), then publish it on
    ``<prefix>:cancel``; the number of workers that got the message (0 is fine: the key
    waits for the run)."""
    key, channel = cancel_key(run_id, prefix), cancel_channel(prefix)
    async with _client(redis) as client:
        await client.set(key, "1", px=max(1, round(ttl * 1000)))
        receivers: int = await client.publish(channel, run_id)
    return receivers


@asynccontextmanager
async def _client(redis: str | Redis) -> AsyncIterator[Redis]:
    """The caller's client as is, or a client of rxagent's own (closed after) for a URL."""
    if not isinstance(redis, str):
        yield redis
        return
    async with opened(redis, socket_timeout=5.0) as client:
        yield client


__all__ = (
    "CANCEL_TTL",
    "GROUP",
    "VERSION",
    "MalformedRequest",
    "RunRequest",
    "cancel_channel",
    "cancel_key",
    "cancel_run",
    "decode_request",
    "encode_request",
    "ensure_group",
    "requests_key",
    "submit",
)
