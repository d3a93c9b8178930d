"""What the suite runs at each level, and running it: comparison groups of workers.

A group is one workload at one size, with the configurations compared at that size. Its
workers start together, warm up, then take turns: each repeat runs every configuration
once, in alternating order (A B C, C B A, ...), so drift on the machine hits all alike.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO, TypeAlias

from benchmarks.compare._core import REGISTRY, Face
from benchmarks.compare._measure import Worker

Level: TypeAlias = Literal["full", "quick", "smoke"]
Member: TypeAlias = tuple[str, Face]

THREE_MODES = ("updates", "messages", "custom")

_AGENTS: tuple[Member, ...] = (
    ("rxagent", "sync"),
    ("rxagent", "async"),
    ("rxagent + LangChain model", "sync"),
    ("rxagent + LangChain model", "async"),
    ("rxagent + LangChain model (fast path)", "sync"),
    ("rxagent + LangChain model (fast path)", "async"),
    ("langgraph", "sync"),
    ("langgraph", "async"),
)
_FLOORS: tuple[Member, ...] = (
    ("floor: token chunk + tuple", "sync"),
    ("floor: token chunk + tuple", "async"),
    ("floor: bare generator", "sync"),
    ("floor: bare generator", "async"),
)
_FAN_64: tuple[Member, ...] = (
    ("rxagent", "sync"),
    ("rxagent", "async"),
    ("langgraph", "sync"),
    ("langgraph", "async"),
    *_FLOORS,
)
_ROUNDS: tuple[Member, ...] = tuple(
    (f"{name}, {face}", "push")
    for name in ("rxagent", "rxagent + LangChain model (fast path)")
    for face in ("stream()", "astream()")
)
_BARE: tuple[Member, ...] = (("LangChain model alone", "sync"), ("LangChain model alone", "async"))
_RAW: tuple[Member, ...] = (
    ("LangChain model raw chunks", "sync"),
    ("LangChain model raw chunks", "async"),
)
_TRACED: tuple[Member, ...] = (
    ("rxagent + LangChain model (traced)", "sync"),
    ("rxagent + LangChain model (traced)", "async"),
    ("langgraph (traced)", "sync"),
    ("langgraph (traced)", "async"),
)
_LONG: tuple[Member, ...] = (
    ("rxagent + LangChain model (fast path)", "sync"),
    ("rxagent + LangChain model (fast path)", "async"),
    *_RAW,
)
_CHAT: tuple[Member, ...] = (
    ("rxagent", "sync"),
    ("rxagent", "async"),
    ("langgraph", "sync"),
    ("langgraph", "async"),
    *_BARE,
)
_OPERATORS: tuple[Member, ...] = tuple(
    (name, "push")
    for name in (
        "base: filter+map",
        "filter_mode",
        "buffer_tokens",
        "throttle_custom",
        "final_answer",
        "merge (2 sources)",
        "merge (named)",
        "accumulate_messages",
    )
)


@dataclass(frozen=True)
class Group:
    """One workload at one size, and the configurations compared there."""

    workload: str
    label: str
    params: dict[str, Any]
    members: tuple[Member, ...]


@dataclass
class Row:
    """The outcome of one configuration of a group."""

    name: str
    face: Face
    status: Literal["ok", "skipped", "error"] = "ok"
    reason: str = ""
    samples: list[dict[str, Any]] = field(default_factory=list)
    rss_mib: float | None = None


def _one_tool_call(n: int, k: int, modes: Sequence[str], members: tuple[Member, ...]) -> Group:
    label = "three modes" if tuple(modes) == THREE_MODES else f"{modes[0]} only"
    params = {"n": n, "k": k, "modes": list(modes)}
    return Group("one_tool_call", label, params, members)


_SIZES: dict[str, dict[Level, Any]] = {
    "one_tool_call": {"full": (1_000, 10_000, 100_000), "quick": (1_000, 10_000), "smoke": (40,)},
    "messages": {"full": 30_000, "quick": 10_000, "smoke": 40},
    "custom": {"full": 30_000, "quick": 10_000, "smoke": 4},
    "fan_out": {"full": 100_000, "quick": 10_000, "smoke": 16},
    "fan_out_64": {"full": 64_000, "quick": 6_400, "smoke": 128},
    "long_stream": {"full": 1_000_000, "quick": 100_000, "smoke": 2_000},
    "operators": {"full": 300_000, "quick": 100_000, "smoke": 2_000},
    "chat_node": {"full": 30_000, "quick": 10_000, "smoke": 40},
    "langchain_long": {"full": (10_000, 300_000), "quick": (10_000, 100_000), "smoke": (40,)},
    "concurrent": {"full": (10, 100, 1_000), "quick": (10, 100), "smoke": (2,)},
    "concurrent_tokens": {"full": 1_000, "quick": 1_000, "smoke": 20},
    "rounds": {"full": 1_000, "quick": 200, "smoke": 20},
    "long_run": {"full": (10_000, 100_000, 1_000_000), "quick": (10_000, 100_000), "smoke": (40,)},
}
"""The sizes of each level (the full level fits about 15 minutes on 2 busy CPUs)."""


def plan(level: Level) -> tuple[int, list[Group]]:
    """The repeat count and the groups of a level."""
    size = {name: sizes[level] for name, sizes in _SIZES.items()}
    ns, k = size["one_tool_call"], {"full": 1_000, "quick": 1_000, "smoke": 4}[level]
    groups = [_one_tool_call(n, k, THREE_MODES, _AGENTS) for n in ns[:-1]]
    groups.append(_one_tool_call(ns[-1], k, THREE_MODES, _AGENTS + _FLOORS))
    groups.append(
        _one_tool_call(size["messages"], k, ["messages"], _AGENTS + _BARE + _RAW + _TRACED)
    )
    groups.append(_one_tool_call(ns[0], size["custom"], ["custom"], _AGENTS))
    modes = list(THREE_MODES)
    params = {"n": size["fan_out"], "modes": modes}
    groups.append(Group("fan_out", "8 branches", params, _AGENTS + _FLOORS))
    params = {"n": size["fan_out_64"], "branches": 64, "modes": modes}
    groups.append(Group("fan_out", "64 branches", params, _FAN_64))
    long_members: tuple[Member, ...] = (("rxagent", "push"), ("base: filter+map", "push"))
    label = "buffer_tokens + throttle_custom"
    groups.append(Group("long_stream", label, {"n": size["long_stream"]}, long_members))
    groups.append(Group("operators", "pre-built events", {"n": size["operators"]}, _OPERATORS))
    groups.append(Group("chat_node", "chatbot node, messages", {"n": size["chat_node"]}, _CHAT))
    for n in size["langchain_long"]:
        params = {"n": n, "k": 10, "modes": ["messages"]}
        groups.append(Group("langchain_long", "fast path, messages", params, _LONG))
    tokens = size["concurrent_tokens"]
    for n in size["concurrent"]:
        # As many events per sample at every size: a pass of 10 runs alone lasts ~20 ms.
        params = {"n": n, "tokens": tokens, "passes": max(size["concurrent"]) // n}
        runs: tuple[Member, ...] = (("rxagent astream()", "push"),)
        groups.append(Group("concurrent", f"{tokens:,} tokens each", params, runs))
    groups.append(Group("rounds", "model ↔ tool, three modes", {"n": size["rounds"]}, _ROUNDS))
    for n in size["long_run"]:
        members: tuple[Member, ...] = (
            ("rxagent", "sync"),
            ("rxagent", "async"),
            ("rxagent, traced memory", "push"),
        )
        groups.append(Group("long_run", "one answer, messages", {"n": n}, members))
    return {"full": 3, "quick": 2, "smoke": 1}[level], groups


def run_group(group: Group, repeat: int, progress: TextIO | None = None) -> list[Row]:
    """Measure every configuration of ``group`` ``repeat`` times, interleaved."""
    rows: list[Row] = []
    workers: list[tuple[Row, Worker]] = []
    for name, face in group.members:
        row = Row(name, face)
        rows.append(row)
        implementation = REGISTRY.get((group.workload, name))
        reason = "not registered" if implementation is None else implementation.skip_reason()
        if reason:
            row.status, row.reason = "skipped", reason
        else:
            workers.append((row, Worker(group.workload, name, face, group.params)))
    live = [(row, worker) for row, worker in workers if _call(row, worker, worker.ready)]
    for index in range(repeat):
        for row, worker in live if index % 2 == 0 else live[::-1]:
            if row.status == "ok":
                _call(row, worker, lambda w=worker, r=row: r.samples.append(vars(w.run())))
    for row, worker in live:
        if row.status == "ok":
            _call(row, worker, lambda w=worker, r=row: setattr(r, "rss_mib", w.close()))
    if progress is not None:
        done = ", ".join(f"{row.name} ({row.face}): {row.status}" for row in rows)
        print(
            f"  {group.workload} {group.label} {group.params.get('n'):,}: {done}",
            file=progress,
            flush=True,
        )
    return rows


def _call(row: Row, worker: Worker, action: Any) -> bool:
    try:
        action()
    except (RuntimeError, ValueError, OSError) as error:
        row.status, row.reason = "error", str(error)[-300:]
        worker.kill()
        return False
    return True


def run(
    level: Level, progress: TextIO | None = sys.stderr, workloads: Sequence[str] | None = None
) -> dict[str, Any]:
    """Run every group of ``level`` (of ``workloads`` only, if given); the JSON-ready results."""
    from benchmarks.compare._report import machine

    repeat, groups = plan(level)
    if workloads:
        groups = [group for group in groups if group.workload in workloads]
    results = []
    for group in groups:
        rows = run_group(group, repeat, progress)
        results.append({**vars(group), "rows": [vars(row) for row in rows]})
    return {"level": level, "repeat": repeat, "machine": machine(), "groups": results}
