"""A scripted HTTP server on 127.0.0.1 that streams Server-Sent Events, for real provider clients.

Each POST takes the next :class:`Reply` of the server's script, records its JSON body in
``requests`` and writes the reply's steps one by one: bytes (an SSE event), :data:`HOLD` (stop
writing and wait until the client goes away) or :data:`DROP` (close the socket mid-stream).
Replies use chunked transfer encoding, as the providers' do, so a client can tell a finished
body (the last, empty chunk) from a dropped connection; and ``Connection: close``, so no
connection is ever reused across the tests' event loops.

Threads and invariants:

* ``serve_forever`` runs in one daemon thread; every request gets its own daemon thread
  (``ThreadingHTTPServer``). The test thread only calls ``script``, reads ``requests`` and
  waits on ``disconnected``.
* ``_lock`` guards ``_replies`` and ``requests``: handler threads pop and append under it,
  and ``requests`` hands out a copy.
* ``disconnected`` is set (once, by a handler thread) when a client closes a connection
  whose reply is not finished: a :data:`HOLD` reads end-of-file, or a write fails.
* ``stop()`` sets ``_stopping``, which ends a :data:`HOLD` whose client never leaves, then
  shuts the server down; nothing waits longer than ``_POLL`` seconds to see it.
"""

from __future__ import annotations

import json
import select
import socket
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

_POLL: Final = 0.05
"""How often ``serve_forever`` and a :data:`HOLD` look for a stop (seconds)."""


class _Signal:
    """A named step of a reply that is not data."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


HOLD: Final = _Signal("HOLD")
"""Stop writing and wait until the client closes the connection."""

DROP: Final = _Signal("DROP")
"""Close the connection at once, leaving the stream unfinished."""

Step = bytes | _Signal


def sse(data: Any, event: str | None = None) -> bytes:
    """One Server-Sent Event: ``data`` as JSON (a ``str`` as is), after ``event:`` if given."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP response: a status, then the steps of an SSE body."""

    steps: Sequence[Step]
    status: int = 200
    content_type: str = "text/event-stream"


@dataclass(frozen=True)
class Received:
    """A request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(repr=False)


class ScriptedServer(ThreadingHTTPServer):
    """Replays scripted SSE replies to POST requests; see the module docstring."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._requests: list[Received] = []
        self._stopping = threading.Event()
        self.disconnected = threading.Event()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": _POLL}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def requests(self) -> list[Received]:
        """The requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def script(self, replies: Iterable[Reply]) -> None:
        """Queue ``replies``, one per coming request."""
        with self._lock:
            self._replies.extend(replies)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """End any waiting reply, stop serving and close the listening socket."""
        self._stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()

    def take(self, received: Received) -> Reply:
        """Record ``received`` and return the next reply (a 500 when the script ran out)."""
        with self._lock:
            self._requests.append(received)
            if self._replies:
                return self._replies.popleft()
        error = {"error": {"type": "server_error", "message": "the script ran out"}}
        return Reply([json.dumps(error).encode()], 500, "application/json")

    def hold(self, connection: socket.socket) -> None:
        """Wait until the client closes ``connection``, then set ``disconnected``."""
        while not self._stopping.is_set():
            readable, _, _ = select.select([connection], [], [], _POLL)
            if readable:
                try:
                    data = connection.recv(1)
                except OSError:
                    data = b""
                if not data:  # end of file: the client closed the connection
                    self.disconnected.set()
                    return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScriptedServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        reply = self.server.take(Received(self.path, dict(self.headers.items()), body))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self._write(reply.steps)
        except OSError:  # the client went away in the middle of the reply
            self.server.disconnected.set()

    def _write(self, steps: Sequence[Step]) -> None:
        for step in steps:
            if step is HOLD:
                self.server.hold(self.connection)
                return
            if step is DROP:
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            assert isinstance(step, bytes)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(step), step))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""
