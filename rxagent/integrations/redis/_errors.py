"""What can go wrong with a run's log in Redis, one exception class per cause.

Readers raise :class:`RunFailed` (and its :class:`ProducerDied`), :class:`RunCancelled`,
:class:`LogGap`, :class:`UnknownRun`, :class:`MalformedEntry` and :class:`LogUnavailable`;
producers raise :class:`LogClosed` and :class:`PublishFailed`. All are :class:`RunLogError`,
and each names the run.

Example:
    >>> error = LogGap("r1", expected=4, got=6, entry_id="7-0")
    >>> str(error)
    "run 'r1': the log skips from seq 3 to seq 6 at entry 7-0 (entries lost: trimmed, expired or deleted by a Redis restart)"
"""  # noqa: E501

from __future__ import annotations

from typing import Any


class RunLogError(Exception):
    """Something about one run's log; ``run_id`` names the run."""

    def __init__(self, run_id: str, message: str) -> None:
        super().__init__(f"run {run_id!r}: {message}")
        self.run_id = run_id


class RunFailed(RunLogError):
    """The run's log ended with an ``error`` entry: ``data`` is ``{"error", "message"}``."""

    def __init__(self, run_id: str, data: dict[str, Any]) -> None:
        self.data = data
        self.error = str(data.get("error", "Error"))
        self.message = str(data.get("message", ""))
        super().__init__(run_id, f"the run failed: {self.error}: {self.message}")


class ProducerDied(RunFailed):
    """The run's producer stopped heartbeating before the run ended.

    The subscriber that noticed it first appended the ``error`` entry (``{"error":
    "ProducerDied", "message": ...}``); every reader of that entry, later ones too, raises
    this, with that message.
    """

    def __init__(self, run_id: str, data: dict[str, Any]) -> None:
        super().__init__(run_id, data)
        RunLogError.__init__(self, run_id, self.message)


class RunCancelled(RunLogError):
    """The run's log ended with a ``cancelled`` entry (its run was stopped)."""

    def __init__(self, run_id: str, entry_id: str) -> None:
        super().__init__(run_id, f"the run was cancelled (entry {entry_id})")
        self.entry_id = entry_id


class LogGap(RunLogError):
    """Entries a reader should have read are gone, so it stops rather than skip them."""

    def __init__(
        self, run_id: str, *, expected: int | None, got: int | None, entry_id: str, why: str = ""
    ) -> None:
        if why:
            message = why
        elif expected is None:
            message = f"cannot resume: the log's next entry is {entry_id} (seq {got})"
        elif expected == 0:
            message = (
                f"the log starts at entry {entry_id} with seq {got}, not 0 (its first entries "
                "were lost: trimmed, expired or deleted by a Redis restart)"
            )
        else:
            message = (
                f"the log skips from seq {expected - 1} to seq {got} at entry {entry_id} "
                "(entries lost: trimmed, expired or deleted by a Redis restart)"
            )
        super().__init__(run_id, message)
        self.expected = expected
        """The ``seq`` the reader needed next (``None`` when it could not know)."""
        self.got = got
        """The ``seq`` it found instead (``None`` when the log itself was gone)."""
        self.entry_id = entry_id


class UnknownRun(RunLogError, LookupError):
    """No log and no heartbeat for the run under this prefix, for a whole heartbeat timeout."""

    def __init__(self, run_id: str, key: str, waited: float) -> None:
        super().__init__(
            run_id,
            f"no such run: no log at {key!r} and no producer heartbeat after waiting "
            f"{waited:g} s (never started, under another prefix, or expired after its retention)",
        )
        self.key = key


class MalformedEntry(RunLogError, ValueError):
    """A log entry that is not what :mod:`._codec` writes."""

    def __init__(self, run_id: str, entry_id: str, problem: str) -> None:
        super().__init__(run_id, f"malformed log entry {entry_id}: {problem}")
        self.entry_id = entry_id
        self.problem = problem


class LogUnavailable(RunLogError):
    """Redis stayed unreachable for longer than a reader's reconnect budget."""


class LogClosed(RunLogError):
    """A producer tried to append to a log that already has its terminal entry."""

    def __init__(self, run_id: str, entry_id: str, kind: str) -> None:
        super().__init__(
            run_id,
            f"the log already ended with a {kind!r} entry ({entry_id}), not written by this "
            "producer: a reader ended it (it found no heartbeat and declared the producer "
            "dead, or, before any producer, found no live worker for the run)",
        )
        self.entry_id = entry_id
        self.kind = kind


class PublishFailed(RunLogError):
    """A producer lost Redis for longer than its reconnect budget; the run was stopped."""


__all__ = (
    "LogClosed",
    "LogGap",
    "LogUnavailable",
    "MalformedEntry",
    "ProducerDied",
    "PublishFailed",
    "RunCancelled",
    "RunFailed",
    "RunLogError",
    "UnknownRun",
)
