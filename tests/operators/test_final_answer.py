"""final_answer: only the tokens of model calls that made no tool call."""

from __future__ import annotations

from typing import Any

import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st

from rxagent import to_iter
from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk
from rxagent.operators._final_answer import final_answer
from rxagent.operators._types import source_of
from tests.strategies import events_of, streams
from tests.support import SEED_INPUT, seed_agent


def _message_key(event: Event) -> tuple[Any, ...]:
    return (source_of(event), event.data[0].id)


def _is_token(event: Event) -> bool:
    return isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk)


def _oracle(events: list[Event]) -> dict[tuple[Any, ...], list[Event]]:
    """Per message: its tokens if it made no tool call, else nothing."""
    tokens: dict[tuple[Any, ...], list[Event]] = {}
    calling: set[tuple[Any, ...]] = set()
    for event in events:
        if _is_token(event):
            key = _message_key(event)
            tokens.setdefault(key, []).append(event)
            if event.data[0].tool_call_chunks:  # type: ignore[union-attr]
                calling.add(key)
    return {key: found for key, found in tokens.items() if key not in calling}


@given(streams(), st.booleans())
def test_only_tokens_of_calls_without_tool_calls_in_their_order(
    stream: list[Any], eager: bool
) -> None:
    events = events_of(stream)
    out: list[Event] = []
    rx.from_iterable(events).pipe(final_answer(eager=eager)).subscribe(out.append)
    assert all(_is_token(e) for e in out)
    got: dict[tuple[Any, ...], list[Event]] = {}
    for event in out:
        got.setdefault(_message_key(event), []).append(event)
    expected = _oracle(events)
    if eager:
        for key, found in got.items():
            source_tokens = [e for e in events if _is_token(e) and _message_key(e) == key]
            assert found == source_tokens[: len(found)], "eager: a prefix, in order"
    else:
        assert got == expected


def test_seed_agent_final_answer_tokens() -> None:
    events = to_iter(seed_agent().observe(SEED_INPUT).pipe(final_answer()))
    assert "".join(e.data[0].text for e in events) == "It is sunny in Paris."


def test_eager_lets_pre_tool_text_through() -> None:
    events = list(to_iter(seed_agent().observe(SEED_INPUT).pipe(final_answer(eager=True))))
    text = "".join(e.data[0].text for e in events)
    assert text == "Let me check.It is sunny in Paris."
