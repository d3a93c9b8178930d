"""Fixtures of the page's browser tests: a real uvicorn server and Debian's headless Chromium.

The server runs in a thread on a socket bound to a free loopback port, serving the demo
agent with a latency short enough for quick tests but long enough to stop or reload a page
mid-run (about 2.5 s a run). Chromium is Debian's ``/usr/bin/chromium`` driven by
Playwright (never a browser that Playwright downloads).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette

from rxagent._demo import build_demo_agent
from rxagent.graph import CompiledStateGraph
from rxagent.integrations.web import create_app, serve_in_thread
from rxagent.models import Latency

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``apt-get install chromium``)."""
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "page-test-token"
"""The ``--token`` of the :func:`token_server`."""
LATENCY = Latency(first_token=0.05, per_token=0.02)
"""The model's timing in these tests: ~10 intro tokens, then ~65 answer tokens."""
REPORTS = 20
"""Progress payloads of the tool call, :data:`TOOL_DELAY` s apart (the page throttles them
to one per 100 ms), so a bar shows values between 0 and 100 %."""
TOOL_DELAY = 0.04


def page_agent() -> CompiledStateGraph:
    """The demo agent with the tests' timing."""
    return build_demo_agent(reports=REPORTS, latency=LATENCY, tool_delay=TOOL_DELAY)


@dataclass
class Served:
    """A running server: its base URL and the token it needs, if any."""

    url: str
    token: str | None = None
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def run_status(self, thread_id: str, run_id: str) -> str:
        """``GET /threads/{thread_id}/runs/{run_id}``'s ``status``."""
        response = self.client.get(f"/threads/{thread_id}/runs/{run_id}")
        response.raise_for_status()
        status = response.json()["status"]
        assert isinstance(status, str)
        return status


def _app(token: str | None) -> Starlette:
    return create_app({"agent": page_agent()}, token=token)


def _serve(token: str | None) -> Iterator[Served]:
    """The page's app on uvicorn in a thread, on a free loopback port."""
    with serve_in_thread(_app(token)) as url:
        served = Served(url, token)
        try:
            yield served
        finally:
            served.client.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """The demo agent served without a token."""
    yield from _serve(None)


@pytest.fixture(scope="module")
def token_server() -> Iterator[Served]:
    """The demo agent served with ``--token`` :data:`TOKEN`."""
    yield from _serve(TOKEN)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless.

    Module-scoped, not session-scoped: Playwright's sync API keeps its event loop marked as
    running on the main thread until it stops, which breaks the asyncio tests run after.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"no {CHROMIUM} (RXAGENT_REQUIRE_BROWSER is set): apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage); fails the test on any uncaught script error."""
    context = browser.new_context(viewport={"width": 900, "height": 760})
    context.set_default_timeout(15_000)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"the page raised: {errors}"
