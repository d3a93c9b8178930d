"""SSE event ids: parsing, numeric order, and a clock that never goes backwards."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxagent.integrations.web._encoders import encoder_for
from rxagent.integrations.web._ids import (
    FROM_START,
    EventId,
    IdClock,
    InvalidEventId,
    parse_last_event_id,
)

ids = st.builds(EventId, st.integers(0, 2**53), st.integers(0, 10**6), st.integers(0, 50))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1700000000000-3", EventId(1700000000000, 3)),
        ("1700000000000-3.2", EventId(1700000000000, 3, 2)),
        ("12", EventId(12, 0)),
        ("12.1", EventId(12, 0, 1)),
        (" 5-1 ", EventId(5, 1)),
    ],
)
def test_parse(text: str, expected: EventId) -> None:
    assert EventId.parse(text) == expected


@pytest.mark.parametrize("text", ["", "x", "12-x", "1-2-3", "-5", "1.2.3", "1-2.", "١٢"])
def test_parse_refuses_what_is_no_id(text: str) -> None:
    with pytest.raises(InvalidEventId, match="expected '<ms>-<seq>'"):
        EventId.parse(text)


def test_last_event_id() -> None:
    assert parse_last_event_id(None) is None
    for text in ("-", "-1", "0", "0-0", " -1 "):
        assert parse_last_event_id(text) == FROM_START
    assert parse_last_event_id("7-1.3") == EventId(7, 1, 3)
    with pytest.raises(InvalidEventId):
        parse_last_event_id("junk")


@given(ids)
def test_str_and_parse_round_trip(event_id: EventId) -> None:
    assert EventId.parse(str(event_id)) == event_id
    assert event_id.frame(event_id.sub) == event_id
    assert event_id.entry == EventId(event_id.ms, event_id.seq)


@given(ids, ids)
def test_order_is_numeric_not_textual(a: EventId, b: EventId) -> None:
    assert (a < b) == ((a.ms, a.seq, a.sub) < (b.ms, b.seq, b.sub))


def test_numeric_order_differs_from_string_order() -> None:
    assert EventId.parse("9-0") < EventId.parse("10-0")
    assert "9-0" > "10-0"
    assert EventId.parse("5-9") < EventId.parse("5-10")
    assert EventId(5, 2) < EventId(5, 2).frame(1) < EventId(5, 3)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=200))
def test_the_clock_is_strictly_increasing_even_when_the_wall_clock_goes_back(
    readings: list[int],
) -> None:
    times = iter(readings)
    clock = IdClock(now_ms=lambda: next(times))
    made = [clock.next() for _ in readings]
    assert all(a < b for a, b in itertools.pairwise(made))
    assert all(i.sub == 0 for i in made)
    assert made[0] == EventId(readings[0], 0)
    assert [i.ms for i in made] == list(itertools.accumulate(readings, max))


def test_encoder_for_makes_each_format_and_names_the_choices() -> None:
    assert type(encoder_for("langgraph", stream_modes=["custom"])).__name__ == "LangGraphEncoder"
    assert type(encoder_for("ai-sdk")).__name__ == "AISdkEncoder"
    assert type(encoder_for("ag-ui", thread_id="t", run_id="r")).__name__ == "AGUIEncoder"
    with pytest.raises(ValueError, match="choose from 'langgraph', 'ai-sdk', 'ag-ui'"):
        encoder_for("vercel")
    with pytest.raises(ValueError, match="unsupported LangGraph stream mode 'debug'"):
        encoder_for("langgraph", stream_modes=["debug"])
