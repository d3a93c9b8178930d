"""final_answer: only the tokens of model calls that made no tool call."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st

from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk
from rxagent.operators._final_answer import final_answer
from rxagent.operators._types import source_of
from tests.strategies import events_of, streams
from tests.support import (
    SEED_INPUT,
    ObservableFace,
    failing,
    failing_agent,
    parallel_agent,
    sample_events,
    seed_agent,
    signature,
)

BOOM = RuntimeError("boom")


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


def _text(events: list[Event]) -> str:
    return "".join(e.data[0].text for e in events)


@pytest.mark.parametrize(
    ("eager", "text"),
    [(False, "It is sunny in Paris."), (True, "Let me check.It is sunny in Paris.")],
)
def test_every_face_gets_the_seed_agents_answer_tokens(
    face: ObservableFace, eager: bool, text: str
) -> None:
    run = seed_agent().observe(SEED_INPUT)
    tokens = face.assert_oracle(run, final_answer(eager=eager), key=signature)
    assert _text(tokens) == text


def test_every_face_gets_the_answer_after_parallel_tool_calls(face: ObservableFace) -> None:
    run = parallel_agent().observe(SEED_INPUT)
    tokens = face.assert_oracle(run, final_answer(), key=signature)
    assert _text(tokens) == "Both done: rx is at example.org."


def test_every_face_gets_the_answers_of_a_finite_stream(face: ObservableFace) -> None:
    tokens = face.assert_oracle(rx.from_iterable(sample_events()), final_answer())
    answers: dict[str | None, str] = {}
    for event in tokens:
        answers[event.task_id] = answers.get(event.task_id, "") + event.data[0].text
    assert answers == {"t2": "Hello world", "t4": "It is sunny in Paris."}


@pytest.mark.parametrize("eager", [False, True])
def test_every_face_ends_with_the_upstream_error_after_the_same_tokens(
    face: ObservableFace, eager: bool
) -> None:
    events = sample_events()
    cut = next(i for i, e in enumerate(events) if e.task_id == "t4") + 3  # mid-answer
    face.assert_oracle(failing(events[:cut], BOOM), final_answer(eager=eager))
    run = failing_agent().observe(SEED_INPUT)
    tokens = face.assert_oracle(run, final_answer(eager=eager), key=signature)
    # the failed call's task event (its error) releases the text held so far
    assert _text(tokens) == ("Let me check.It is" if eager else "It is")
