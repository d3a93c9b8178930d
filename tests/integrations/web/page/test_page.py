"""The page ``rxagent serve`` serves at ``/``, in Debian's headless Chromium against uvicorn.

It streams the demo agent's run over AG-UI: the answer grows token by token, the tool call's
progress bar reaches 100 %, Stop cancels the run on the server, a reload mid-run rejoins it
after the last event id without duplicating text, and a token is asked for once.

``RXAGENT_SCREENSHOT=docs/assets/serve-page.png pytest tests/integrations/web/page`` also
saves a screenshot of the page mid-run, for the docs.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from rxagent._demo import ANSWER, INTRO
from tests.integrations.web.page.conftest import CHROMIUM, TOKEN, Served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("RXAGENT_REQUIRE_BROWSER"),
        reason=f"no {CHROMIUM}: apt-get install chromium to run these",
    ),
]
"""Without Chromium these skip, unless ``RXAGENT_REQUIRE_BROWSER`` is set (``.ci/run`` sets
it): then they fail, so CI never passes without having run them."""

RECORDER = """
document.addEventListener("DOMContentLoaded", () => {
  window.answerLengths = [];
  window.progressValues = {};
  const answer = document.getElementById("answer");
  new MutationObserver(() => window.answerLengths.push(answer.textContent.length))
    .observe(answer, { childList: true, characterData: true, subtree: true });
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.localName !== "progress") continue;
      (window.progressValues[r.target.id] ??= []).push(r.target.value / r.target.max);
    }
  }).observe(document.getElementById("tools"), { attributes: true, subtree: true });
});
"""
"""Records, from the page's first script on, each answer length and progress fraction shown."""

STATE = "document.getElementById('status').dataset.state"
FINISHED = f"['done', 'cancelled', 'error'].includes({STATE})"


def messages(page: Page) -> list[str]:
    """The texts of the answer's messages, in order."""
    return page.locator("#answer p").all_text_contents()


def progress(page: Page) -> list[tuple[float, float]]:
    """Each tool call's ``(value, max)``."""
    values: list[tuple[float, float]] = page.eval_on_selector_all(
        "#tools progress", "bars => bars.map(bar => [bar.value, bar.max])"
    )
    return [(value, maximum) for value, maximum in values]


def timeline(page: Page) -> list[str]:
    """The timeline's entries, as ``"<class> <text>"``."""
    entries: list[str] = page.eval_on_selector_all(
        "#timeline li", "items => items.map(item => `${item.className} ${item.textContent}`)"
    )
    return entries


def saved_run(page: Page) -> dict[str, Any]:
    """The run state the page keeps in sessionStorage."""
    run: dict[str, Any] = json.loads(page.evaluate("sessionStorage.getItem('rxagent.run')"))
    return run


def send(page: Page, served: Served) -> None:
    """Open the page and send the prompt with Ctrl+Enter."""
    page.add_init_script(RECORDER)
    page.goto(served.url)
    prompt = page.get_by_label("Prompt")
    prompt.focus()
    prompt.press("Control+Enter")


def expect_finished_run(page: Page) -> None:
    """The whole answer once, the bar full, every step finished: as an uninterrupted run."""
    expect(page.locator("#status")).to_have_text("Done.")
    assert messages(page) == [INTRO, ANSWER]
    assert page.locator("body").inner_text().count(ANSWER[:40]) == 1
    assert progress(page) == [(100, 100)]
    entries = timeline(page)
    steps = [entry for entry in entries if not entry.startswith("result ")]
    assert steps == ["done model", "done tools", "done model"], entries
    results = [entry for entry in entries if "fetch_records → Fetched 100 records" in entry]
    assert len(results) == 1, entries
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()


def test_the_answer_streams_token_by_token_and_the_bar_fills(page: Page, server: Served) -> None:
    send(page, server)
    expect(page.get_by_role("button", name="Stop")).to_be_enabled()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.locator("#answer")).to_have_attribute("aria-live", "polite")
    bar = page.get_by_role("progressbar", name="fetch_records")
    expect(bar).to_have_count(1)
    screenshot = os.environ.get("RXAGENT_SCREENSHOT")
    if screenshot:
        page.wait_for_function(
            "[...document.querySelectorAll('#tools progress')]"
            ".some(bar => bar.value > 0.3 * bar.max && bar.value < 0.8 * bar.max)"
        )
        page.get_by_label("Prompt").blur()  # no focus ring in the docs' picture
        page.screenshot(path=screenshot, full_page=True)
    page.wait_for_function(FINISHED)
    expect_finished_run(page)

    lengths: list[int] = page.evaluate("window.answerLengths")
    assert lengths == sorted(lengths), "the answer only grows"
    growing = sorted(set(lengths))
    assert len(growing) >= 10, f"the answer appeared in {len(growing)} steps: {growing}"
    assert growing[-1] == len(INTRO + ANSWER)
    fractions: dict[str, list[float]] = page.evaluate("window.progressValues")
    assert len(fractions) == 1
    (shown,) = fractions.values()
    assert shown == sorted(shown), "the bar only grows"
    assert any(0 < fraction < 1 for fraction in shown), shown
    assert shown[-1] == 1
    run = saved_run(page)
    assert not run["active"]
    assert server.run_status(run["threadId"], run["runId"]) == "success"


def test_stop_cancels_the_run_on_the_server(page: Page, server: Served) -> None:
    send(page, server)
    page.wait_for_function(
        "document.querySelectorAll('#answer p').length === 2"
        " && document.querySelectorAll('#answer p')[1].textContent.length > 10"
    )
    page.get_by_role("button", name="Stop").click()
    page.wait_for_function(FINISHED)
    expect(page.locator("#status")).to_have_text("Cancelled.")
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    intro, answer = messages(page)
    assert intro == INTRO
    assert ANSWER.startswith(answer)
    assert 10 < len(answer) < len(ANSWER)
    run = saved_run(page)
    assert server.run_status(run["threadId"], run["runId"]) == "interrupted"
    page.wait_for_timeout(300)
    assert messages(page) == [intro, answer], "nothing streams after the cancellation"


MOMENTS = {
    "intro": "document.querySelector('#answer p')?.textContent.length > 5",
    "tool": "[...document.querySelectorAll('#tools progress')]"
    ".some(bar => bar.value > 0 && bar.value < bar.max)",
    "answer": "document.querySelectorAll('#answer p')[1]?.textContent.length > 20",
}
"""Moments to reload at: the first message, the tool call, the answer, streaming."""


def event_id(text: str) -> tuple[int, ...]:
    """An SSE id ``<ms>-<seq>[.n]`` as numbers."""
    assert re.fullmatch(r"\d+-\d+(\.\d+)?", text), text
    return tuple(int(part) for part in re.split(r"[-.]", text))


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_reload_mid_run_rejoins_without_duplicated_text(
    page: Page, server: Served, moment: str
) -> None:
    joins: list[Request] = []
    page.on("request", lambda request: joins.append(request) if "/stream" in request.url else None)
    send(page, server)
    page.wait_for_function(MOMENTS[moment])
    before = saved_run(page)
    assert before["active"]
    with page.expect_request(lambda request: "/stream" in request.url) as rejoin:
        page.reload()

    restored = messages(page)
    assert restored, "the page shows again what it had shown before the reload"
    assert (INTRO + ANSWER).startswith("".join(restored))
    if moment == "tool":
        ((value, _),) = progress(page)
        assert value > 0, "the bar is restored"
    join = rejoin.value
    assert join.method == "GET"
    path = f"/threads/{before['threadId']}/runs/{before['runId']}/stream?format=ag-ui"
    assert join.url == server.url + path
    assert event_id(join.headers["last-event-id"]) >= event_id(before["lastId"])

    page.wait_for_function(FINISHED)
    expect_finished_run(page)
    assert page.locator("#answer").text_content() == INTRO + ANSWER
    assert len(joins) == 1, "one rejoin, no reconnections"


def test_the_token_is_asked_once_and_kept_for_the_tab(page: Page, token_server: Served) -> None:
    send(page, token_server)
    form = page.locator("#token-form")
    expect(form).to_be_visible()
    expect(page.locator("#status")).to_have_text("A token is needed.")
    token = page.get_by_label("Access token")
    expect(token).to_be_focused()
    token.fill("wrong")
    token.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("That token was rejected.")
    expect(token).to_be_focused()
    token.fill(TOKEN)
    token.press("Enter")
    expect(form).to_be_hidden()
    page.wait_for_function(FINISHED)
    expect_finished_run(page)
    assert page.evaluate("sessionStorage.getItem('rxagent.token')") == TOKEN

    page.reload()
    expect(page.locator("#status")).to_have_text("Done.")
    assert messages(page) == [INTRO, ANSWER], "a finished run is shown again after a reload"
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(FINISHED)
    expect(form).to_be_hidden()
    expect_finished_run(page)


def test_rejoining_a_run_the_server_no_longer_has_shows_why(page: Page, server: Served) -> None:
    page.goto(server.url)
    gone = {
        "threadId": "t-gone",
        "runId": "r-gone",
        "lastId": "1-0",
        "active": True,
        "status": ["running", "Running…"],
        "messages": [{"id": "m1", "text": "Half an ans"}],
        "tools": [],
        "steps": [],
    }
    page.evaluate("run => sessionStorage.setItem('rxagent.run', JSON.stringify(run))", gone)
    page.reload()
    page.wait_for_function(FINISHED)
    expect(page.locator("#status")).to_have_attribute("data-state", "error")
    expect(page.locator("#status")).to_contain_text("HTTP 404")
    assert messages(page) == ["Half an ans"], "what was shown stays"
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()
