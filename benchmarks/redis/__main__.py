"""``python -m benchmarks.redis``: runs on Redis, side by side with the in-memory store.

Starts a ``redis-server`` of its own (no persistence, a free port, a temporary directory;
stopped at the end) and measures, writing ``benchmarks/results/redis-latest.{md,json}``:

1. **Memory per retained run** (:mod:`.memory`): Redis ``used_memory`` and ``MEMORY
   USAGE`` after ``--runs`` finished runs, beside the memory store's Python objects.
2. **Run-log throughput** (:mod:`.throughput`): events/s from producers to subscribers of
   one run and of ``--runs`` concurrent runs, through Redis (subscribers in this process,
   and in another) and through the memory store, with the CPU each path spends per event.
3. **Emission → SSE client** (:mod:`.latency`): p50 / p99 with 1, 10, 100 streams, for
   ``rxagent serve --redis`` + ``rxagent worker`` and for ``rxagent serve`` alone.

The events of 1 and 2 are :mod:`.workload`'s (token and custom events, as an agent makes
them); 3 uses the serving benchmark's paced graph.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.redis import latency, memory, throughput
from benchmarks.redis._report import report
from benchmarks.redis._server import ROOT, redis_server, redis_version
from benchmarks.redis.workload import describe, run_events

RESULTS = ROOT / "benchmarks" / "results"
_QUICK: dict[str, Any] = {
    "events": 50,
    "runs": 10,
    "repeats": 1,
    "streams": [1, 10],
    "stream_events": 50,
}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with redis_server() as url:
        results = run(args, url)
    print(write(results, Path(args.out)))
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The options; ``--quick`` makes every size not given small."""
    parser = _parser()
    args, defaults = parser.parse_args(argv), parser.parse_args([])
    if args.quick:
        for name, small in _QUICK.items():
            if getattr(args, name) == getattr(defaults, name):
                setattr(args, name, small)
    return args


def write(results: dict[str, Any], out: Path) -> str:
    """Write ``redis-latest.json`` and ``redis-latest.md`` into ``out``; the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "redis-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (out / "redis-latest.md").write_text(text)
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redis", description=__doc__)
    parser.add_argument("--events", type=int, default=200, help="events per run (1 and 2)")
    parser.add_argument("--runs", type=int, default=100, help="concurrent / retained runs")
    parser.add_argument("--repeats", type=int, default=2, help="throughput: best of N")
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--stream-events", type=int, default=200, help="events per stream")
    parser.add_argument("--period-ms", type=float, default=2.0, help="ms between two events")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke pass")
    parser.add_argument("--out", default=str(RESULTS))
    return parser


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    """Every measurement against the Redis at ``url``; the results as JSON-ready data.

    Memory comes first, while the server holds nothing else (logs retained by the other
    measurements would expire during it).
    """
    events = run_events(args.events)
    _say(f"memory: {args.runs} retained runs of {args.events} events")
    held = asyncio.run(memory.measure(url, events, args.runs))
    _say(f"throughput: 1 and {args.runs} runs of {args.events} events")
    rates = asyncio.run(throughput.measure(url, events, [1, args.runs], args.repeats))
    _say(f"latency: {args.streams} streams of {args.stream_events} events")
    delays = latency.measure(url, args.streams, args.stream_events, args.period_ms / 1000)
    return {
        "machine": machine(),
        "workload": describe(events),
        "memory": [asdict(row) for row in held],
        "throughput": [asdict(row) for row in rates],
        "latency": [asdict(row) for row in delays],
        "args": {k: v for k, v in vars(args).items() if k != "out"},
    }


def machine() -> dict[str, Any]:
    """What ran it: cores, Python, redis-server, and the load (the machine may be shared)."""
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "redis_server": redis_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
