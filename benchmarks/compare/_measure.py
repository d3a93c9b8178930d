"""Timing one run, and the worker processes that each hold one configuration.

A worker (``python -m benchmarks.compare.worker WORKLOAD IMPL FACE PARAMS``) imports what its
configuration needs, warms up at a tiny size, prints ``ready``, then measures one run per
``run`` line on stdin and prints its sample as JSON; at end of input it prints its peak RSS.
The parent keeps the workers of a comparison alive together and alternates ``run`` between
them, so A/B runs interleave while each configuration keeps its own process and memory.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any, cast

from benchmarks.compare._core import REGISTRY, AsyncRun, Face, Params, PushRun, Run, Sample, SyncRun

_ROOT = Path(__file__).resolve().parents[2]
"""The repository: the parent of ``benchmarks/``."""

_STAMP_EVERY = 64
"""Take a timestamp every this many items (for the half-items time), not every item."""


class Clock:
    """Counts items and stamps every 64th, cheaply enough for the per-item path."""

    def __init__(self) -> None:
        self.count = 0
        self.first = math.nan
        self.stamps: list[float] = []
        self.start = time.perf_counter()

    def __call__(self, _item: Any = None) -> None:
        self.count += 1
        count = self.count
        if count & (_STAMP_EVERY - 1) == 0:
            self.stamps.append(time.perf_counter())
        elif count == 1:
            self.first = time.perf_counter() - self.start

    def sample(self, extra: dict[str, float] | None = None) -> Sample:
        wall = time.perf_counter() - self.start
        index = self.count // 2 // _STAMP_EVERY - 1
        half = self.stamps[index] - self.start if index >= 0 else self.first
        return Sample(self.count, wall, self.first, half / wall if wall else math.nan, extra or {})


def measure_collected(prepare: Callable[[Params], Run], params: Params, face: Face) -> Sample:
    """Prepare a run, collect the heap (not the previous run's garbage), then time it."""
    run = prepare(params)
    gc.collect()
    return measure(run, face)


def measure(run: Run, face: Face) -> Sample:
    """Time one run of a prepared configuration."""
    if face == "async":
        return asyncio.run(_measure_async(cast("AsyncRun", run)))
    clock = Clock()
    if face == "push":
        extra = cast("PushRun", run)(clock)
        return clock.sample(dict(extra or {}))
    for item in cast("SyncRun", run)():
        clock(item)
    return clock.sample()


async def _measure_async(run: AsyncRun) -> Sample:
    clock = Clock()
    async for item in run():
        clock(item)
    return clock.sample()


def peak_rss_mib() -> float:
    """The peak resident set size of this process, in MiB."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def current_rss_mib() -> float:
    """The resident set size of this process now, in MiB (peak RSS where unknown)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mib()
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker_main(argv: list[str], stdin: IO[str], stdout: IO[str]) -> int:
    """Serve one configuration: warm up, ``ready``, a sample per ``run`` line, peak RSS."""
    workload, name, face_text, raw = argv
    face = cast("Face", face_text)
    params: Params = json.loads(raw)
    prepare = REGISTRY[workload, name].faces[face]
    from benchmarks.compare._workloads import warmup_params

    measure(prepare(warmup_params(workload, params)), face)
    print("ready", file=stdout, flush=True)
    for line in stdin:
        if line.strip() == "run":
            sample = measure_collected(prepare, params, face)
            print(json.dumps(asdict(sample)), file=stdout, flush=True)
    print(json.dumps({"rss_mib": peak_rss_mib()}), file=stdout, flush=True)
    return 0


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, workload: str, name: str, face: Face, params: Params) -> None:
        module = "benchmarks.compare.worker"
        argv = [sys.executable, "-m", module, workload, name, face, json.dumps(params)]
        self.label = f"{name} ({face})"
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=_ROOT,  # where ``benchmarks`` is importable
        )

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            assert self.process.stderr is not None
            error = self.process.stderr.read().strip().splitlines()
            raise RuntimeError(error[-1] if error else f"exit status {self.process.returncode}")
        return line.strip()

    def ready(self) -> None:
        """Wait until the worker has imported and warmed up."""
        if self._line() != "ready":
            raise RuntimeError(f"{self.label}: unexpected worker output")

    def run(self) -> Sample:
        """Measure one run."""
        assert self.process.stdin is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return Sample(**json.loads(self._line()))

    def close(self) -> float:
        """End the worker; return its peak RSS in MiB."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        rss = float(json.loads(self._line())["rss_mib"])
        self.process.wait()
        self._release()
        return rss

    def kill(self) -> None:
        """Stop the worker after a failure."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._release()

    def _release(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()
