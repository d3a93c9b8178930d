"""AG-UI conformance for tests: every event through ``ag_ui.core``'s models, and the order
checked as ``@ag-ui/client`` 1.0's ``verifyEvents`` (``src/verify/verify.ts``) checks it.

:func:`check_agui` validates each event with the ``Event`` union of ``ag-ui-protocol`` 1.0
(no unknown keys, no ``null`` where a field is optional) and runs :class:`Verifier`, a port
of the client's state machine for one run: the first event is ``RUN_STARTED`` (or
``RUN_ERROR``); nothing follows ``RUN_FINISHED``/``RUN_ERROR``; ``*_CONTENT``/``*_ARGS``/``*_END``
need an active ``*_START`` of their id; no second ``START`` of an open id; an id keeps the
subagent that opened it (a tool call that of its parent message); steps are keyed by
(subagent, name); subagents start once, finish once, and their parents were started;
``RUN_FINISHED`` only with nothing open. Added here: the stream must end with
``RUN_FINISHED`` or ``RUN_ERROR``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ag_ui.core import Event
from pydantic import TypeAdapter

from rxagent.integrations.web._entries import Frame

ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)
"""Validates one AG-UI event (the discriminated union of ``ag_ui.core``)."""


class AGUIViolation(AssertionError):
    """An event the AG-UI client would reject."""


def events_of(frames: Iterable[Frame]) -> list[dict[str, Any]]:
    """The AG-UI events of ``data:``-only frames."""
    events: list[dict[str, Any]] = []
    for frame in frames:
        assert frame.event is None, "AG-UI frames carry no event name"
        events.append(json.loads(frame.data))
    return events


def check_agui(events: Sequence[dict[str, Any]]) -> None:
    """Validate every event and the order of all of them; raise :class:`AGUIViolation`."""
    for index, event in enumerate(events):
        model = ADAPTER.validate_python(event)
        if model.model_extra:
            raise AGUIViolation(f"event {index} has unknown keys {model.model_extra}: {event}")
        nulls = [key for key, value in event.items() if value is None]
        if nulls:
            raise AGUIViolation(f"event {index} has null fields {nulls}: {event}")
        dumped = json.loads(model.model_dump_json(by_alias=True))
        if dumped != event:
            raise AGUIViolation(f"event {index} does not round-trip: {event} != {dumped}")
    verifier = Verifier()
    for index, event in enumerate(events):
        try:
            verifier.feed(event)
        except AGUIViolation as error:
            raise AGUIViolation(f"event {index} ({event['type']}): {error}") from None
    verifier.done()


class Verifier:
    """``verifyEvents`` of ``@ag-ui/client`` 1.0 for one run (see the module docstring)."""

    def __init__(self) -> None:
        self.first = True
        self.ended: str | None = None
        self.messages: set[str] = set()
        self.calls: set[str] = set()
        self.owners: dict[str, dict[str, str | None]] = {"message": {}, "call": {}}
        self.steps: set[tuple[str | None, str]] = set()
        self.subagents: set[str] = set()
        self.closed: set[str] = set()

    def feed(self, event: dict[str, Any]) -> None:
        kind: str = event["type"]
        if self.ended is not None:
            raise AGUIViolation(f"the run already ended with {self.ended}")
        if self.first:
            self.first = False
            if kind not in ("RUN_STARTED", "RUN_ERROR"):
                raise AGUIViolation("first event must be 'RUN_STARTED'")
        elif kind == "RUN_STARTED":
            raise AGUIViolation("RUN_STARTED while a run is active")
        if "subagentRunId" in event and event["subagentRunId"] is None:
            raise AGUIViolation("subagentRunId: null")
        handler = getattr(self, "_" + kind.lower(), None)
        if handler is not None:
            handler(event, event.get("subagentRunId"))

    def done(self) -> None:
        if self.ended is None:
            raise AGUIViolation("the stream ended without RUN_FINISHED or RUN_ERROR")

    def _text_message_start(self, event: dict[str, Any], tag: str | None) -> None:
        self._open(self.messages, "message", event["messageId"], tag)

    def _text_message_content(self, event: dict[str, Any], tag: str | None) -> None:
        self._continue(self.messages, "message", event["messageId"], tag, close=False)

    def _text_message_end(self, event: dict[str, Any], tag: str | None) -> None:
        self._continue(self.messages, "message", event["messageId"], tag, close=True)

    def _tool_call_start(self, event: dict[str, Any], tag: str | None) -> None:
        parent = event.get("parentMessageId")
        owners = self.owners["message"]
        if parent is not None and parent in owners and tag is not None and tag != owners[parent]:
            raise AGUIViolation(f"tool call tag {tag!r} != its parent message's owner")
        inherited = owners.get(parent) if parent is not None and tag is None else tag
        self._open(self.calls, "call", event["toolCallId"], inherited)

    def _tool_call_args(self, event: dict[str, Any], tag: str | None) -> None:
        self._continue(self.calls, "call", event["toolCallId"], tag, close=False)

    def _tool_call_end(self, event: dict[str, Any], tag: str | None) -> None:
        self._continue(self.calls, "call", event["toolCallId"], tag, close=True)

    def _tool_call_result(self, event: dict[str, Any], tag: str | None) -> None:
        self.owners["message"][event["messageId"]] = tag

    def _step_started(self, event: dict[str, Any], tag: str | None) -> None:
        key = (tag, event["stepName"])
        if key in self.steps:
            raise AGUIViolation(f"step {key} is already active")
        self.steps.add(key)

    def _step_finished(self, event: dict[str, Any], tag: str | None) -> None:
        key = (tag, event["stepName"])
        if key not in self.steps:
            raise AGUIViolation(f"step {key} was not started (under that owner)")
        self.steps.remove(key)

    def _subagent_started(self, event: dict[str, Any], tag: str | None) -> None:
        sid = event["subagentRunId"]
        if sid in self.subagents or sid in self.closed:
            raise AGUIViolation(f"subagent {sid!r} started twice")
        parent = event.get("parentSubagentRunId")
        if parent is not None and parent not in self.subagents | self.closed:
            raise AGUIViolation(f"parent subagent {parent!r} was not started")
        self.subagents.add(sid)

    def _subagent_finished(self, event: dict[str, Any], tag: str | None) -> None:
        sid = event["subagentRunId"]
        if sid not in self.subagents:
            raise AGUIViolation(f"no active subagent {sid!r}")
        self.subagents.remove(sid)
        self.closed.add(sid)

    _subagent_error = _subagent_finished

    def _run_finished(self, event: dict[str, Any], tag: str | None) -> None:
        open_: dict[str, set[Any]] = {
            "steps": self.steps,
            "messages": self.messages,
            "tool calls": self.calls,
            "subagents": self.subagents,
        }
        for name, items in open_.items():
            if items:
                raise AGUIViolation(
                    f"RUN_FINISHED while {name} are active: {sorted(map(str, items))}"
                )
        self.ended = "RUN_FINISHED"

    def _run_error(self, event: dict[str, Any], tag: str | None) -> None:
        self.ended = "RUN_ERROR"

    def _open(self, active: set[str], kind: str, key: str, tag: str | None) -> None:
        if key in active:
            raise AGUIViolation(f"{kind} {key!r} is already in progress")
        owners = self.owners[kind]
        if key in owners and tag is not None and owners[key] != tag:
            raise AGUIViolation(f"{kind} {key!r} reopened by {tag!r}, owner {owners[key]!r}")
        active.add(key)
        owners.setdefault(key, tag)

    def _continue(
        self, active: set[str], kind: str, key: str, tag: str | None, close: bool
    ) -> None:
        if key not in active:
            raise AGUIViolation(f"no active {kind} {key!r}")
        owner = self.owners[kind].get(key)
        if tag is not None and owner != tag:
            raise AGUIViolation(f"{kind} {key!r}: tag {tag!r} != opener's {owner!r}")
        if close:
            active.remove(key)
