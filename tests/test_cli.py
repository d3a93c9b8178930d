"""The ``rxagent`` command: ``demo`` (human and JSON output) and a smoke-sized ``bench``."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from rxagent import EVENT_ADAPTER, CustomEvent, _bench, _demo, cli
from rxagent._demo import ANSWER, INTRO
from rxagent.cli import main


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


@pytest.mark.parametrize("argv", [["bench", "--n", "0"], ["bench", "--k", "x"], []])
def test_invalid_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage: rxagent" in capsys.readouterr().err


def test_bench_smoke_prints_a_markdown_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--n", "200", "--k", "20", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "N=200 answer tokens, K=20 progress events" in out
    table = [line for line in out.splitlines() if line.startswith("|")]
    header, rule, *rows = table
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns[:3] == ["configuration", "events", "µs/event"]
    assert "peak RSS (MiB)" in columns
    assert rule.count("|") == header.count("|")
    labels = [row.split("|")[1].strip() for row in rows]
    assert labels[:2] == ["rxagent (sync)", "rxagent (async)"]
    assert any(label.startswith("floor") for label in labels)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == len(columns)
        assert float(cells[2].split()[0]) > 0  # µs/event is a number
    # N tokens + K progress events + the tool-call turn's events
    assert int(rows[0].split("|")[2].strip().replace(",", "")) > 220


@pytest.mark.parametrize("module", [cli, _demo, _bench])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
