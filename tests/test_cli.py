"""The ``rxagent`` command: ``demo`` (human and JSON output) and a smoke-sized ``bench``."""

from __future__ import annotations

import importlib.metadata
import io
import re
import textwrap
from typing import Any

import pytest

from rxagent import EVENT_ADAPTER, CustomEvent, Event, MessageEvent
from rxagent._demo import ANSWER, DEMO_MODES, INTRO, THROTTLED_REPORTS, run_human
from rxagent.cli import main
from rxagent.messages import AIMessageChunk, ChunkAccumulator


def test_demo_prints_tokens_progress_and_steps_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fast"]) == 0
    out = capsys.readouterr().out
    progress = [f"Fetched {done}/100 records" for done in range(10, 101, 10)]
    milestones = [
        INTRO,
        "✓ model: called fetch_records(count=100)",
        *progress,
        "✓ tools: fetch_records → 'Fetched 100 records",
        ANSWER,
        "✓ model: answered (63 words)",
        "events: updates 3, messages ",
    ]
    positions = [out.find(text) for text in milestones]
    assert -1 not in positions, [m for m, p in zip(milestones, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "[#####.....] Fetched 50/100 records" in out
    assert "\033[" not in out  # no ANSI codes when stdout is not a terminal


def test_demo_one_mode_shows_only_that_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fast", "--mode", "updates"]) == 0
    out = capsys.readouterr().out
    assert "✓ model: answered (63 words)" in out
    assert "Fetched 10/100" not in out
    assert ANSWER not in out
    assert "events: updates 3 · first token n/a" in out


def test_demo_json_custom_prints_attributed_custom_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--mode", "custom", "--fast", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    parsed = [EVENT_ADAPTER.validate_json(line) for line in lines]
    events = [event for event in parsed if isinstance(event, CustomEvent)]
    assert len(events) == len(parsed) == 10
    assert {event.node for event in events} == {"tools"}
    assert {event.tool_call_id for event in events} == {"call_fetch_records"}
    assert [event.data["done"] for event in events] == list(range(10, 101, 10))
    assert [event.seq for event in events] == sorted(event.seq for event in events)


def test_demo_json_all_modes_are_valid_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fast", "--json"]) == 0
    modes = [
        EVENT_ADAPTER.validate_json(line).mode for line in capsys.readouterr().out.splitlines()
    ]
    assert set(modes) == {"updates", "messages", "custom"}
    assert modes.count("updates") == 3


def test_demo_unknown_mode_exits_2_listing_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--fast", "--mode", "vibes"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'vibes'" in err
    assert "'updates', 'messages', 'custom'" in err


SAVING = re.compile(
    r"^(buffer_tokens|throttle_custom): ([\d,]+) (?:token|progress) events → ([\d,]+)(?: chunks)?$",
    flags=re.M,
)


def _savings(text: str) -> dict[str, tuple[int, int]]:
    """``{operator: (events in, events out)}`` from the demo's summary lines."""
    return {
        m[1]: (int(m[2].replace(",", "")), int(m[3].replace(",", "")))
        for m in SAVING.finditer(text)
    }


def _body(out: str) -> list[str]:
    """The human output without progress bars and counts: the text and the steps."""
    counts = ("[", "events:", "buffer_tokens:", "throttle_custom:")
    return [line for line in out.splitlines() if not line.startswith(counts)]


def test_demo_operators_print_their_savings_and_keep_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--fast"]) == 0
    plain = capsys.readouterr().out
    assert "buffer_tokens" not in plain
    assert "throttle_custom" not in plain
    assert main(["demo", "--fast", "--buffer-ms", "50", "--throttle-ms", "200"]) == 0
    piped = capsys.readouterr().out
    savings = _savings(piped)
    assert list(savings) == ["buffer_tokens", "throttle_custom"]
    tokens, chunks = savings["buffer_tokens"]
    progress, throttled = savings["throttle_custom"]
    assert 0 < chunks < tokens
    assert progress == THROTTLED_REPORTS
    assert 0 < throttled < progress
    counts = re.search(r"events: updates 3, messages (\d+), custom (\d+) ·", piped)
    assert counts is not None
    assert int(counts[1]) == chunks + 1  # the chunks and the tool's message
    assert int(counts[2]) == throttled
    assert piped.splitlines()[-2:] == [
        f"buffer_tokens: {tokens:,} token events → {chunks:,} chunks",
        f"throttle_custom: {progress:,} progress events → {throttled:,}",
    ]
    assert "[##########] Fetched 100/100 records" in piped  # the final progress is kept
    assert _body(piped) == _body(plain)  # the same text, steps and order


def _replies(events: list[Event]) -> list[tuple[str, list[Any]]]:
    """Each model call's joined text and parsed tool calls, in order."""
    calls: dict[str | None, ChunkAccumulator] = {}
    for event in events:
        if isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk):
            calls.setdefault(event.data[0].id, ChunkAccumulator()).add(event.data[0])
    return [(acc.text, acc.to_message().tool_calls) for acc in calls.values()]


def test_demo_json_operators_keep_text_and_tool_calls_and_count_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--fast", "--json"]) == 0
    plain = capsys.readouterr()
    assert plain.err == ""
    assert main(["demo", "--fast", "--json", "--buffer-ms", "50", "--throttle-ms", "200"]) == 0
    piped = capsys.readouterr()
    events = [EVENT_ADAPTER.validate_json(line) for line in piped.out.splitlines()]
    unbuffered = [EVENT_ADAPTER.validate_json(line) for line in plain.out.splitlines()]
    assert _replies(events) == _replies(unbuffered)
    assert [text for text, _ in _replies(events)] == [INTRO, ANSWER]
    tokens = [
        e for e in events if isinstance(e, MessageEvent) and type(e.data[0]) is AIMessageChunk
    ]
    progress = [event for event in events if isinstance(event, CustomEvent)]
    savings = _savings(piped.err)
    assert savings["buffer_tokens"][1] == len(tokens) < savings["buffer_tokens"][0]
    assert savings["throttle_custom"] == (THROTTLED_REPORTS, len(progress))
    assert progress[-1].data["done"] == 100
    assert [event.seq for event in events] == sorted(event.seq for event in events)


@pytest.mark.parametrize("flag", ["--buffer-ms", "--throttle-ms"])
@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_demo_operator_flags_need_positive_ms(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--fast", flag, value])
    assert exited.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["bench", "--n", "200"], ["bench", "--level", "x"], []])
def test_invalid_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage: rxagent" in capsys.readouterr().err


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"rxagent {importlib.metadata.version('rxagent')}\n"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False)


@pytest.mark.parametrize("width", [20, 41, 80])
def test_demo_wraps_the_answer_at_word_boundaries(width: int) -> None:
    out = io.StringIO()
    assert run_human(DEMO_MODES, fast=True, out=out, width=width) == 0
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(ANSWER[:10]))
    answer = lines[start : start + len(_wrap(ANSWER, width))]
    assert answer == _wrap(ANSWER, width)  # whole words, each line full
    intro = next(i for i, line in enumerate(lines) if line.startswith(INTRO[:10]))
    assert lines[intro : intro + len(_wrap(INTRO, width))] == _wrap(INTRO, width)


def test_demo_does_not_wrap_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fast"]) == 0
    assert ANSWER in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serve", "--heartbeat-timeout", "0"], "must be > 0 seconds, got 0"),
        (["serve", "--heartbeat-timeout", "soon"], "not a number of seconds: 'soon'"),
        (["worker", "--redis", "redis://h", "--heartbeat-interval", "-1"], "must be > 0"),
        (["worker", "--redis", "redis://h", "--grace", "-1"], "must be >= 0 seconds, got -1"),
    ],
)
def test_seconds_options_name_the_problem(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert said in capsys.readouterr().err
