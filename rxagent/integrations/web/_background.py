"""``serve_in_thread``: an app on uvicorn in a background thread (notebooks, tests, examples).

The socket is bound before uvicorn starts (port 0 picks a free one), so the URL is known and
no other process can take the port in between. Leaving the ``with`` block asks uvicorn to
exit, waits for its thread (open streams end: sse-starlette watches uvicorn's shutdown) and
closes the socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, start_timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``app`` (ASGI) with uvicorn in a daemon thread; yield its base URL.

    Args:
        app: the ASGI app, such as :func:`~._app.create_app`'s.
        host: the interface to bind (loopback by default).
        port: the port; 0 picks a free one.
        start_timeout: seconds to wait for uvicorn to start.

    Raises:
        RuntimeError: uvicorn stopped or did not start in time, or did not stop in time.

    Example:
        >>> import httpx
        >>> from rxagent._demo import build_demo_agent
        >>> from rxagent.integrations.web import create_app
        >>> with serve_in_thread(create_app({"agent": build_demo_agent(fast=True)})) as url:
        ...     httpx.get(url + "/ok").json()
        {'ok': True}
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", ws="none", lifespan="on", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {host}:{bound}")
            time.sleep(0.005)
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(start_timeout)
        sock.close()
    if thread.is_alive():
        raise RuntimeError(f"uvicorn on {host}:{bound} did not stop within {start_timeout} s")


__all__ = ("serve_in_thread",)
