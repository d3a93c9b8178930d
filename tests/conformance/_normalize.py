"""Chunks of every shape → plain data that compares equal across LangGraph and rxagent.

Only ids that are random by nature are rewritten: message ids (``lc_run--<uuid>``,
``run-<uuid>``, bare uuids), task ids, run ids and the ``<node>:<task id>`` parts of
namespaces and ``checkpoint_ns``. Each distinct id becomes a placeholder numbered by first
appearance (``<m1>``, ``<t2>``), so identity is still compared: the tokens of a reply and the
reply share one id, a task's start and result share one. Everything else is kept: a tuple
stays a tuple and a list a list, a message becomes a dict of its fields with its class name.

For runs whose parallel tasks may interleave (``ordered=False``), placeholders are not
numbered, and :func:`canonical` groups the items of one task into a lane: lanes are compared
as a multiset between barriers (``values`` chunks), the order inside a lane as a sequence.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Hashable, Mapping
from typing import Any

from langchain_core.messages import BaseMessage as LCMessage
from pydantic import BaseModel

from rxagent.messages import BaseMessage as RXMessage

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ID = re.compile(rf"(lc_run--|run--|run-)?({_UUID})")
_AI_FIELDS = ("tool_calls", "invalid_tool_calls", "usage_metadata")
_CHUNK_FIELDS = ("tool_call_chunks", "chunk_position")
_TOOL_FIELDS = ("tool_call_id", "status", "artifact")


class Normalizer:
    """Rewrites random ids to placeholders; one instance per run output."""

    def __init__(self, *, ordered: bool = True) -> None:
        self.ordered = ordered
        self._names: dict[str, str] = {}

    def _placeholder(self, raw: str, kind: str) -> str:
        if not self.ordered:
            return f"<{kind}>"
        name = self._names.get(raw)
        if name is None:
            name = self._names[raw] = f"<{kind}{len(self._names) + 1}>"
        return name

    def text(self, value: str) -> str:
        """A string with every uuid (``run-``/``lc_run--`` prefixed or bare) replaced."""

        def replace(match: re.Match[str]) -> str:
            kind = "m" if match.group(1) else "t"
            return self._placeholder(match.group(2), kind)

        return _ID.sub(replace, value)

    def __call__(self, value: Any) -> Any:  # noqa: C901 - one branch per kind of value
        """The plain, comparable form of ``value``."""
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, LCMessage | RXMessage):
            return self.message(value)
        if isinstance(value, BaseException):
            return {"__error__": type(value).__name__, "message": self.text(str(value))}
        if isinstance(value, Mapping):
            return {self(key): self(item) for key, item in value.items()}
        if isinstance(value, tuple):
            return tuple(self(item) for item in value)
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, set | frozenset):
            return sorted((self(item) for item in value), key=repr)
        if type(value).__name__ == "Send":
            return {"__send__": value.node, "arg": self(value.arg)}
        if isinstance(value, BaseModel):
            fields = {name: getattr(value, name) for name in type(value).model_fields}
            return {"__model__": type(value).__name__, **self(fields)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return {"__dataclass__": type(value).__name__, **self(fields)}
        return {"__object__": type(value).__name__, "repr": self.text(repr(value))}

    def message(self, message: Any) -> dict[str, Any]:
        """A message as its class name and the fields both libraries share."""
        out: dict[str, Any] = {
            "__message__": type(message).__name__,
            "content": self(message.content),
            "name": message.name,
            "id": None if message.id is None else self._message_id(message.id),
            "additional_kwargs": self(message.additional_kwargs),
            "response_metadata": self(message.response_metadata),
        }
        kind = message.type
        names: tuple[str, ...] = ()
        if kind in ("ai", "AIMessageChunk"):
            names = _AI_FIELDS + (_CHUNK_FIELDS if kind == "AIMessageChunk" else ())
        elif kind == "tool":
            names = _TOOL_FIELDS
        for name in names:
            out[name] = self(getattr(message, name, None))
        if "tool_call_chunks" in out:
            out["tool_call_chunks"] = [
                {key: piece.get(key) for key in ("name", "args", "id", "index")}
                for piece in out["tool_call_chunks"]
            ]
        return out

    def _message_id(self, raw: str) -> str:
        match = _ID.fullmatch(raw)
        if match is None:
            return raw
        return self._placeholder(match.group(2), "m")


# -- faces: (ns, mode, chunk) out of each output shape -------------------------------------


def unshape(item: Any, *, mode: str | None, multi: bool, subgraphs: bool, v2: bool) -> Any:
    """``(ns, mode, chunk)`` of one output item, or ``None`` when it has the wrong shape."""
    try:
        if v2:
            return (item["ns"], item["type"], item["data"])
        if subgraphs and multi:
            ns, item_mode, chunk = item
            return (ns, item_mode, chunk)
        if subgraphs:
            ns, chunk = item
            return (ns, mode, chunk)
        if multi:
            item_mode, chunk = item
            return ((), item_mode, chunk)
        return ((), mode, item)
    except (KeyError, TypeError, ValueError):
        return None


def lane(ns: Any, mode: str, chunk: Any, task_lanes: dict[str, Hashable]) -> Hashable | None:
    """Which parallel task an item belongs to (``None``: a barrier between steps).

    Keyed by node and, when the item names one, its tool call; a ``tasks`` result joins
    its start's lane through the raw task id. Items that name no task (custom payloads,
    updates of a ``Send`` fan-out) get a lane of their own: compared as a multiset.
    """
    if mode == "values":
        return None
    if mode == "messages" and isinstance(chunk, tuple) and len(chunk) == 2:
        message, metadata = chunk
        call = getattr(message, "tool_call_id", None)
        node = metadata.get("langgraph_node")
        task = None if call else metadata.get("langgraph_checkpoint_ns")
        return (ns, node, call or task)
    if mode == "tools" and isinstance(chunk, Mapping):
        return (ns, "tools", chunk.get("tool_call_id"))
    if mode == "tasks" and isinstance(chunk, Mapping):
        key = str(chunk.get("id"))
        if "input" in chunk:
            call = _call_id(chunk["input"])
            name = chunk.get("name")
            task_lanes[key] = (ns, name, call) if call else (ns, name, key)
        return task_lanes.get(key, (ns, key))
    if mode == "updates" and isinstance(chunk, Mapping) and len(chunk) == 1:
        ((node, update),) = chunk.items()
        call = _call_id(update)
        if call:
            return (ns, node, call)
    return (ns, mode, repr(chunk))


def _call_id(value: Any) -> str | None:
    """The tool call id a Send argument or a tools update names, if exactly one."""
    found: set[str] = set()
    items: Any = value.get("messages", []) if isinstance(value, Mapping) else value
    if isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                found.add(item["id"])
            call = getattr(item, "tool_call_id", None)
            if isinstance(call, str):
                found.add(call)
    return found.pop() if len(found) == 1 else None


def canonical(triples: list[Any], normalize: Normalizer) -> list[Any]:
    """Unordered form of unshaped items: barrier-separated multisets of ordered lanes."""
    segments: list[Any] = []
    lanes: dict[Hashable, list[Any]] = {}
    task_lanes: dict[str, Hashable] = {}

    def close() -> None:
        if lanes:
            segments.append(sorted(lanes.values(), key=repr))
            lanes.clear()

    for triple in triples:
        if triple is None:
            close()
            segments.append("<wrong shape>")
            continue
        ns, mode, chunk = triple
        key = lane(ns, mode, chunk, task_lanes)
        if key is None:
            close()
            segments.append(normalize(triple))
        else:
            lanes.setdefault(key, []).append(normalize(triple))
    close()
    return segments
