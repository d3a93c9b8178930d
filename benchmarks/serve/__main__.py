"""``python -m benchmarks.serve``: SSE serving, rxagent side by side with LangGraph's dev server.

Two measurements, written to ``benchmarks/results/serve-latest.{md,json}``:

1. **Encoder throughput**: events/s through each wire format's encoder (in process, one
   real run's log of a long answer replayed through a fresh encoder, best of 5).
2. **Latency on loopback**: the time from an event's emission (``time.time_ns()`` in the
   graph's node) to its arrival at an SSE client (httpx, reading lines), p50 and p99, with
   1, 10 and 100 concurrent streams of paced ``custom`` events, for

   * ``rxagent serve`` running the rxagent graph (``graphs:rx``),
   * ``rxagent serve`` running the LangGraph graph through ``from_langgraph`` (``graphs:lg``),
   * ``langgraph dev`` (langgraph-cli[inmem]) running the LangGraph graph, with
     ``--n-jobs-per-worker`` at the concurrency so no run waits in its queue.

   Each server is a process of its own on 127.0.0.1; the client is this process. The same
   stateless route serves both (``POST /runs/stream``, ``stream_mode=["custom"]``).

``langgraph dev`` runs from its own virtualenv (its dependencies pin other versions than
rxagent's dev set): ``make bench-serve`` creates ``.venv-langgraph-dev`` with
``pip install 'langgraph-cli[inmem]'``; pass ``--langgraph PATH`` to use another. Without
it the LangGraph rows say why they are missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.serve.client import one_stream, stop

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class LatencyRow:
    server: str
    streams: int
    events: int
    received: int
    p50_ms: float
    p99_ms: float
    events_per_s: float
    first_event_ms: float
    note: str = ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__)
    parser.add_argument("--events", type=int, default=200, help="events per stream")
    parser.add_argument("--period-ms", type=float, default=2.0, help="ms between two events")
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--langgraph", default=str(ROOT / ".venv-langgraph-dev/bin/langgraph"))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)

    encoders = encoder_throughput()
    rows: list[LatencyRow] = []
    servers = [
        ("rxagent serve (rxagent graph)", lambda port, n: _rxagent(port, "graphs:rx")),
        ("rxagent serve (LangGraph graph)", lambda port, n: _rxagent(port, "graphs:lg")),
        ("langgraph dev (LangGraph graph)", lambda port, n: _langgraph(args.langgraph, port, n)),
    ]
    for name, start in servers:
        for streams in args.streams:
            print(f"  {name}: {streams} streams", file=sys.stderr, flush=True)
            rows.append(_measure(name, start, streams, args.events, args.period_ms / 1000))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {"encoders": encoders, "latency": [asdict(row) for row in rows], "args": vars(args)}
    (out / "serve-latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    report = _report(encoders, rows, args)
    (out / "serve-latest.md").write_text(report)
    print(report)
    return 0


def encoder_throughput(tokens: int = 20_000, repeats: int = 5) -> dict[str, float]:
    """Events/s through each format's encoder, replaying one run's log (best of ``repeats``)."""
    from rxagent.agent import create_agent
    from rxagent.integrations.web._encoders import encoder_for
    from rxagent.integrations.web._entries import Entry
    from rxagent.integrations.web._ids import IdClock
    from rxagent.messages import AIMessage
    from rxagent.models import ScriptedModel

    answer = " ".join(f"w{i}" for i in range(tokens))
    agent = create_agent(ScriptedModel([AIMessage(answer)]), tools=[])
    inputs = {"messages": [{"role": "user", "content": "go"}]}
    observed: list[Any] = []
    agent.observe(inputs, stream_mode=["updates", "messages", "custom"]).subscribe(observed.append)
    clock = IdClock()
    log = [Entry(clock.next(), "metadata", data={"run_id": "bench", "attempt": 1})]
    log += [Entry(clock.next(), "event", event=event) for event in observed]
    log.append(Entry(clock.next(), "end"))
    results: dict[str, float] = {}
    for fmt in ("langgraph", "ai-sdk", "ag-ui"):
        best = float("inf")
        for _ in range(repeats):
            encoder = encoder_for(
                fmt,
                stream_modes=["updates", "messages-tuple", "custom"],
                thread_id="t",
                run_id="bench",
            )
            start = time.perf_counter()
            for entry in log:
                encoder.encode(entry)
            best = min(best, time.perf_counter() - start)
        results[fmt] = len(log) / best
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _rxagent(port: int, spec: str) -> Iterator[str]:
    command = [sys.executable, "-m", "rxagent", "serve", "--agent", f"bench={spec}"]
    command += ["--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "benchmarks" / "serve")}
    with _process(command, env, ROOT) as url:
        yield url


@contextlib.contextmanager
def _langgraph(cli: str, port: int, jobs: int) -> Iterator[str]:
    cli = os.path.abspath(cli)
    if not Path(cli).exists():
        raise _Missing(f"{cli} not found (make bench-serve installs langgraph-cli[inmem])")
    with tempfile.TemporaryDirectory() as folder:
        graphs = ROOT / "benchmarks" / "serve" / "graphs.py"
        shutil.copy(graphs, Path(folder) / "graphs.py")
        config = {"dependencies": ["."], "graphs": {"bench": "./graphs.py:lg_graph"}}
        (Path(folder) / "langgraph.json").write_text(json.dumps(config))
        command = [cli, "dev", "--no-browser", "--no-reload", "--port", str(port)]
        command += ["--n-jobs-per-worker", str(max(jobs, 1)), "--server-log-level", "warning"]
        with _process(command, dict(os.environ), Path(folder)) as url:
            yield url


class _Missing(Exception):
    """A server cannot run here; the report says why."""


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[str]:
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    port = command[command.index("--port") + 1]
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        stop(process)


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise _Missing(f"server exited with {process.returncode}: {stderr[-500:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/ok", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise _Missing(f"server at {url} not ready after {timeout:.0f} s")


def _measure(name: str, start: Any, streams: int, events: int, period: float) -> LatencyRow:
    port = _free_port()
    try:
        with start(port, streams) as url:
            return asyncio.run(_streams(name, url, streams, events, period))
    except _Missing as missing:
        return LatencyRow(name, streams, events * streams, 0, 0, 0, 0, 0, note=str(missing))


async def _streams(name: str, url: str, streams: int, events: int, period: float) -> LatencyRow:
    limits = httpx.Limits(max_connections=streams + 5)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await one_stream(client, 5, period)  # warm up: imports, first-run caches
        start = time.perf_counter()
        results = await asyncio.gather(
            *(one_stream(client, events, period) for _ in range(streams))
        )
        elapsed = time.perf_counter() - start
    latencies = sorted(ms for result, _ in results for ms in result)
    first = statistics.median(first for _, first in results)
    received = len(latencies)
    q = statistics.quantiles(latencies, n=100) if received >= 2 else [0.0] * 99
    rate = received / elapsed
    return LatencyRow(name, streams, events * streams, received, q[49], q[98], rate, first)


def _report(encoders: dict[str, float], rows: list[LatencyRow], args: Any) -> str:
    lines = [
        "# Serving benchmark",
        "",
        f"`python -m benchmarks.serve` on {os.cpu_count()} cores; {args.events} custom events",
        f"per stream, {args.period_ms} ms apart; client and servers on 127.0.0.1.",
        "",
        "## Encoder throughput (in process, events/s)",
        "",
        "| format | events/s |",
        "|---|---:|",
        *(f"| {fmt} | {rate:,.0f} |" for fmt, rate in encoders.items()),
        "",
        "## Emission to arrival at an SSE client",
        "",
        "| server | streams | events received | p50 ms | p99 ms | events/s | first event ms "
        "| note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.server} | {row.streams} | {row.received:,} / {row.events:,} "
            f"| {row.p50_ms:.2f} | {row.p99_ms:.2f} | {row.events_per_s:,.0f} "
            f"| {row.first_event_ms:.1f} | {row.note} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
