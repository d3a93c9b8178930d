"""A real ``redis-server`` per test session (and a private one for tests that kill it).

Each server listens on a free loopback port, with no persistence (``--save ''
--appendonly no``) in a temporary directory, and is killed at teardown. Without a
``redis-server`` on the PATH the tests are skipped, unless ``RXAGENT_REQUIRE_REDIS=1``
(as in CI), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process that a test may kill and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        with open(self.directory / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not self._pong():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log_text = (self.directory / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server did not start:\n{log_text[-2000:]}")
            time.sleep(0.02)

    def kill(self) -> None:
        """``kill -9`` the server and wait for it: its data is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def _require_redis_server() -> None:
    if REDIS_SERVER is None:
        message = (
            "redis-server is not installed (apt-get install redis-server, or make "
            "system-deps); RXAGENT_REQUIRE_REDIS=1 makes this a failure"
        )
        if os.environ.get("RXAGENT_REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A server shared by the session's tests (each uses its own run ids)."""
    _require_redis_server()
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def own_redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A server for one test, which may kill and restart it."""
    _require_redis_server()
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url
