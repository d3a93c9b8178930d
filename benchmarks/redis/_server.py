"""Processes the benchmark starts: its own ``redis-server``, ``rxagent serve``, ``rxagent worker``.

Every process listens on a free loopback port, logs into a temporary directory, and is
stopped (SIGTERM, then SIGKILL after 10 s) when its context ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from benchmarks.serve.client import stop

ROOT = Path(__file__).resolve().parents[2]
GRAPH = "bench=benchmarks.serve.graphs:rx"
"""The paced ``custom`` event graph of the serving benchmark, as ``--agent`` takes it."""


class StartFailed(RuntimeError):
    """A process did not start; the message holds the end of its log."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def redis_version() -> str:
    """``redis-server --version``, or why there is none."""
    server = shutil.which("redis-server")
    if server is None:
        return "redis-server not found"
    return subprocess.run([server, "--version"], capture_output=True, text=True).stdout.strip()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A ``redis-server`` of its own (no persistence, temporary directory); its URL."""
    server = shutil.which("redis-server")
    if server is None:
        raise StartFailed("redis-server is not installed (make system-deps)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rxagent-bench-redis-") as folder:
        command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", folder]
        with _process(command, Path(folder) / "redis.log") as process:
            _wait(lambda: _pong(port), process, Path(folder) / "redis.log")
            yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def serve(redis: str | None, prefix: str, folder: Path) -> Iterator[tuple[str, int]]:
    """``rxagent serve`` of the paced graph (on ``redis`` if given); its base URL and pid."""
    port = free_port()
    command = [sys.executable, "-m", "rxagent", "serve", "--agent", GRAPH, "--port", str(port)]
    if redis is not None:
        command += ["--redis", redis, "--prefix", prefix]
    url = f"http://127.0.0.1:{port}"
    log = folder / f"serve-{port}.log"
    with _process(command, log) as process:
        _wait(lambda: _ok(url), process, log)
        yield url, process.pid


@contextlib.contextmanager
def worker(redis: str, prefix: str, concurrency: int, folder: Path) -> Iterator[int]:
    """``rxagent worker`` of the paced graph, ``concurrency`` runs at once; its pid."""
    command = [sys.executable, "-m", "rxagent", "worker", "--redis", redis, "--prefix", prefix]
    command += ["--agent", GRAPH, "--concurrency", str(concurrency)]
    log = folder / f"worker-{prefix}.log"
    with _process(command, log) as process:
        _wait(lambda: "rxagent worker:" in log.read_text(errors="replace"), process, log)
        yield process.pid


@contextlib.contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


def _wait(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-1500:]
            raise StartFailed(f"{process.args!r} did not start:\n{text}")
        time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """The CPU seconds (user + system) process ``pid`` has used (Linux ``/proc``; else 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ok(url: str) -> bool:
    try:
        return httpx.get(url + "/ok", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
