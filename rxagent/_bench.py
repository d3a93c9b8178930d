"""``rxagent bench``: the one-tool-call workload, measured per configuration.

The workload: the model streams a tool call, the tool writes ``K`` progress events with
``get_stream_writer()``, the model streams ``N`` answer tokens; consumed in the modes
``["updates", "messages", "custom"]``. A configuration is an implementation and a face
(``sync``: ``stream()``, ``async``: ``astream()``, ``push``: a bare Observable pipeline).
Each configuration runs in its own subprocess (``python -m rxagent._bench``), so its peak
RSS is its own, ``R`` times after a small warm-up.

Implementations are a registry: add one with :func:`register` (LangGraph comes next).

Example:
    >>> list(IMPLEMENTATIONS)
    ['rxagent', 'floor: model_construct', 'floor: trusted']
"""

from __future__ import annotations

import asyncio
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TextIO, TypeAlias

Face: TypeAlias = Literal["sync", "async", "push"]
"""How a configuration is consumed: an iterator, an async iterator, or pushed callbacks."""

MODES = ["updates", "messages", "custom"]
"""The stream modes of the workload."""

_STAMP_EVERY = 64
"""Take a timestamp every this many events (for the half-events time), not every event."""


@dataclass(frozen=True)
class Settings:
    """The workload size and how often to run it."""

    n: int
    """Answer tokens the model streams."""
    k: int
    """Progress events the tool writes."""
    repeat: int
    """Measured runs per configuration."""


DEFAULT = Settings(n=100_000, k=1_000, repeat=5)
QUICK = Settings(n=20_000, k=1_000, repeat=3)

SyncRun: TypeAlias = Callable[[], Iterable[Any]]
"""Starts one run and returns its items (timed from the call)."""
AsyncRun: TypeAlias = Callable[[], AsyncIterable[Any]]
PushRun: TypeAlias = Callable[[Callable[[Any], None]], None]
"""Runs to completion, calling its argument once per event."""
Prepare: TypeAlias = Callable[[Settings], SyncRun | AsyncRun | PushRun]
"""Builds one run (untimed): agent, model script, pipeline."""


@dataclass(frozen=True)
class Implementation:
    """A named thing to measure, with the faces it offers and the targets to print."""

    name: str
    faces: Mapping[Face, Prepare]
    targets: Mapping[Face, str] = field(default_factory=dict)
    """Text printed next to the numbers of a face (never asserted)."""


IMPLEMENTATIONS: dict[str, Implementation] = {}
"""The registry, in table order."""


def register(implementation: Implementation) -> Implementation:
    """Add an implementation to the table (rows appear in registration order)."""
    IMPLEMENTATIONS[implementation.name] = implementation
    return implementation


# -- implementations ---------------------------------------------------------------------


def one_tool_call_agent(settings: Settings) -> Any:
    """The workload's agent: a scripted tool call, a tool writing K events, N tokens."""
    from rxagent._demo import fetch_records_tool
    from rxagent.agent import create_agent
    from rxagent.messages import AIMessage
    from rxagent.models import ScriptedModel

    call = {"name": "fetch_records", "args": {"count": settings.k}, "id": "call_1"}
    answer = " ".join(["token"] * settings.n)
    model = ScriptedModel([AIMessage("Fetching the records.", tool_calls=[call]), answer])
    return create_agent(model, [fetch_records_tool()])


def _inputs() -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "Summarise the records."}]}


def _rxagent_sync(settings: Settings) -> SyncRun:
    agent = one_tool_call_agent(settings)
    return lambda: agent.stream(_inputs(), stream_mode=MODES)


def _rxagent_async(settings: Settings) -> AsyncRun:
    agent = one_tool_call_agent(settings)
    return lambda: agent.astream(_inputs(), stream_mode=MODES)


def _floor(construct: Callable[[Settings], Callable[..., Any]]) -> Prepare:
    """Prepare N ``MessageEvent``\\s pushed through a Subject, ``filter`` and ``map``."""

    def prepare(settings: Settings) -> PushRun:
        from reactivex import operators as ops
        from reactivex.subject import Subject

        from rxagent.messages import AIMessageChunk

        chunk = AIMessageChunk(" token", id="run-1")
        metadata = {"langgraph_node": "model", "langgraph_step": 3}
        wanted = frozenset(MODES)
        make = construct(settings)

        def keep(event: Any) -> bool:
            return event.mode in wanted

        def shape(event: Any) -> tuple[str, Any]:
            return event.mode, event.data

        def run(on_next: Callable[[Any], None]) -> None:
            subject: Subject[Any] = Subject()
            subject.pipe(ops.filter(keep), ops.map(shape)).subscribe(on_next)
            push = subject.on_next
            for seq in range(1, settings.n + 1):
                push(make(seq, chunk, metadata))
            subject.on_completed()

        return run

    return prepare


def _model_construct(_settings: Settings) -> Callable[..., Any]:
    from rxagent.events import MessageEvent

    construct = MessageEvent.model_construct

    def make(seq: int, chunk: Any, metadata: dict[str, Any]) -> Any:
        return construct(
            node="model", step=3, task_id="t", run_id="r", seq=seq, data=(chunk, metadata)
        )

    return make


def _trusted(_settings: Settings) -> Callable[..., Any]:
    """As the runtime builds its events: ``rxagent._fast.maker``, no validation."""
    from rxagent._fast import maker
    from rxagent.events import MessageEvent

    construct = maker(MessageEvent)
    base = {"ns": (), "node": "model", "step": 3, "task_id": "t", "run_id": "r"}

    def make(seq: int, chunk: Any, metadata: dict[str, Any]) -> Any:
        fields = {**base, "tool_call_id": None, "mode": "messages", "seq": seq}
        fields["data"] = (chunk, metadata)
        return construct(fields)

    return make


register(
    Implementation(
        "rxagent",
        {"sync": _rxagent_sync, "async": _rxagent_async},
        {
            "sync": "≤ 4 µs/event at N=100,000 (LangGraph 1.2: 47 µs)",
            "async": "≤ 4 µs/event at N=100,000 (LangGraph 1.2: 54 µs)",
        },
    )
)
register(
    Implementation(
        "floor: model_construct",
        {"push": _floor(_model_construct)},
        {"push": "N pydantic events → Subject → filter → map"},
    )
)
register(
    Implementation(
        "floor: trusted",
        {"push": _floor(_trusted)},
        {"push": "the same, events built as the runtime does"},
    )
)


# -- measuring (in the worker subprocess) --------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One measured run."""

    events: int
    wall: float
    """Seconds from the start of the call to the last event."""
    first: float
    """Seconds to the first event."""
    half: float
    """The time until half the events had arrived, as a fraction of ``wall``."""


class _Clock:
    """Counts events and stamps every 64th, cheaply enough for the per-event path."""

    def __init__(self) -> None:
        self.count = 0
        self.first = math.nan
        self.stamps: list[float] = []
        self.start = time.perf_counter()

    def __call__(self, _item: Any = None) -> None:
        self.count += 1
        if self.count & (_STAMP_EVERY - 1) == 0 or self.count == 1:
            now = time.perf_counter()
            if self.count == 1:
                self.first = now - self.start
            if self.count & (_STAMP_EVERY - 1) == 0:
                self.stamps.append(now)

    def sample(self) -> Sample:
        wall = time.perf_counter() - self.start
        index = self.count // 2 // _STAMP_EVERY - 1
        half = self.stamps[index] - self.start if index >= 0 else self.first
        return Sample(self.count, wall, self.first, half / wall if wall else math.nan)


def measure(run: SyncRun | AsyncRun | PushRun, face: Face) -> Sample:
    """Time one run of a prepared configuration."""
    if face == "async":
        return asyncio.run(_measure_async(run))  # type: ignore[arg-type]
    clock = _Clock()
    if face == "push":
        run(clock)  # type: ignore[call-arg]
    else:
        for _ in run():  # type: ignore[call-arg, union-attr]
            clock()
    return clock.sample()


async def _measure_async(run: AsyncRun) -> Sample:
    clock = _Clock()
    async for _ in run():
        clock()
    return clock.sample()


def _peak_rss_mib() -> float:
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def worker(name: str, face: Face, settings: Settings) -> dict[str, Any]:
    """Measure one configuration ``settings.repeat`` times, after a small warm-up."""
    prepare = IMPLEMENTATIONS[name].faces[face]
    measure(prepare(Settings(n=min(settings.n, 200), k=min(settings.k, 20), repeat=1)), face)
    samples = [measure(prepare(settings), face) for _ in range(settings.repeat)]
    return {"samples": [asdict(sample) for sample in samples], "rss_mib": _peak_rss_mib()}


# -- orchestration and the table (in the parent process) -----------------------------------


@dataclass(frozen=True)
class Result:
    """The runs of one configuration."""

    name: str
    face: Face
    samples: tuple[Sample, ...]
    rss_mib: float
    target: str


def configurations() -> list[tuple[str, Face]]:
    """Every (implementation, face) to measure, in table order."""
    return [(name, face) for name, impl in IMPLEMENTATIONS.items() for face in impl.faces]


def run_all(settings: Settings, *, progress: TextIO | None = None) -> list[Result]:
    """Measure every configuration, each in its own subprocess."""
    results = []
    for name, face in configurations():
        if progress is not None:
            print(f"measuring {name} ({face}) ...", file=progress, flush=True)
        results.append(run_one(name, face, settings))
    return results


def run_one(name: str, face: Face, settings: Settings) -> Result:
    """Measure one configuration in a fresh ``python -m rxagent._bench`` subprocess."""
    argv = [sys.executable, "-m", "rxagent._bench", name, face, json.dumps(asdict(settings))]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark {name} ({face}) failed:\n{done.stderr.strip()}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    samples = tuple(Sample(**sample) for sample in report["samples"])
    target = IMPLEMENTATIONS[name].targets.get(face, "")
    return Result(name, face, samples, report["rss_mib"], target)


def _spread(values: list[float], fmt: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    if len(values) == 1:
        return format(mid, fmt)
    return f"{mid:{fmt}} ({low:{fmt}}–{high:{fmt}})"


COLUMNS = (
    "configuration",
    "events",
    "µs/event",
    "events/s",
    "first event (ms)",
    "half events at",
    "peak RSS (MiB)",
    "target",
)


def row(result: Result) -> list[str]:
    """The table cells of one configuration: median (min–max) of its runs."""
    samples = result.samples
    return [
        f"{result.name} ({result.face})",
        f"{samples[0].events:,}",
        _spread([s.wall / s.events * 1e6 for s in samples], ".2f"),
        _spread([s.events / s.wall for s in samples], ",.0f"),
        _spread([s.first * 1e3 for s in samples], ".2f"),
        _spread([s.half for s in samples], ".2f"),
        f"{result.rss_mib:.0f}",
        result.target,
    ]


def render(settings: Settings, results: list[Result]) -> str:
    """The Markdown table of the results, with a header naming the workload and machine."""
    lines = [
        f"One tool call: N={settings.n:,} answer tokens, K={settings.k:,} progress events, "
        f"modes {MODES}; median (min–max) of {settings.repeat} run(s) per configuration, "
        f"each configuration in its own subprocess.",
        f"Python {platform.python_version()} on {platform.machine()} {platform.system()}; "
        f"'half events at' is the time until half the events arrived / wall time.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" if i in (0, 7) else "---:" for i in range(len(COLUMNS))) + "|",
    ]
    lines += ["| " + " | ".join(row(result)) + " |" for result in results]
    return "\n".join(lines)


def _worker_main(argv: list[str]) -> int:
    name, face, raw = argv
    settings = Settings(**json.loads(raw))
    print(json.dumps(worker(name, face, settings)))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
