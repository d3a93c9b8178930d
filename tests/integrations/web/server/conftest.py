"""A real uvicorn serving ``create_app`` with the demo agent and the test agents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rxagent.integrations.web._app import create_app
from tests.integrations.web.server.support import Gate, serve, served_agents


@pytest.fixture
def gate() -> Iterator[Gate]:
    """The gate of the ``gated`` agent; released at teardown so no run is left waiting."""
    gate = Gate()
    yield gate
    gate.release()


@pytest.fixture
def url(gate: Gate) -> Iterator[str]:
    """The URL of a fresh server (no token, default limits, keep-alive every 10 s)."""
    with serve(create_app(served_agents(gate), max_event_bytes=2_000)) as base:
        yield base
