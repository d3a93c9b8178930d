"""Selection operators: filter_mode, filter_node, filter_ns, exclude_tags.

Each is compared with a plain-list oracle; the laws of filter_mode are properties.
"""

from __future__ import annotations

from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st

from rxagent._types import STREAM_MODES, StreamMode
from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk
from rxagent.operators._exclude_tags import exclude_tags
from rxagent.operators._filter_mode import filter_mode
from rxagent.operators._filter_node import filter_node
from rxagent.operators._filter_ns import filter_ns
from rxagent.operators._types import Operator
from tests.strategies import events_of, streams

modes = st.lists(st.sampled_from(STREAM_MODES), min_size=1, max_size=4, unique=True)


def run(events: list[Event], *operators: Operator) -> list[Event]:
    out: list[Event] = []
    rx.from_iterable(events).pipe(*operators).subscribe(out.append)
    return out


@given(streams(), modes)
def test_filter_mode_output_is_the_input_subsequence_of_those_modes(
    stream: list[Any], wanted: list[StreamMode]
) -> None:
    events = events_of(stream)
    assert run(events, filter_mode(*wanted)) == [e for e in events if e.mode in wanted]


@given(streams(), modes)
def test_filter_mode_is_idempotent(stream: list[Any], wanted: list[StreamMode]) -> None:
    events = events_of(stream)
    once = run(events, filter_mode(*wanted))
    assert run(events, filter_mode(*wanted), filter_mode(*wanted)) == once


@given(streams(), modes, modes)
def test_filter_mode_composes_as_intersection(
    stream: list[Any], a: list[StreamMode], b: list[StreamMode]
) -> None:
    events = events_of(stream)
    both = [m for m in a if m in b]
    composed = run(events, filter_mode(*a), filter_mode(*b))
    expected = run(events, filter_mode(*both)) if both else []
    assert composed == expected


@given(streams(), st.lists(st.sampled_from(["model", "tools", "other"]), min_size=1))
def test_filter_node_is_the_subsequence_of_those_nodes(stream: list[Any], nodes: list[str]) -> None:
    events = events_of(stream)
    assert run(events, filter_node(*nodes)) == [e for e in events if e.node in nodes]


@given(streams())
def test_filter_ns_matches_node_names_of_namespace_parts(stream: list[Any]) -> None:
    events = events_of(stream)
    assert run(events, filter_ns("agent")) == [e for e in events if e.ns[:1] == ("agent:x",)]
    assert run(events, filter_ns(("agent:x",))) == [e for e in events if e.ns[:1] == ("agent:x",)]
    assert run(events, filter_ns(())) == events


def _token(tags: list[str] | None) -> MessageEvent:
    metadata: dict[str, Any] = {"langgraph_node": "model"}
    if tags is not None:
        metadata["tags"] = tags
    return MessageEvent(data=(AIMessageChunk(content="x", id="m"), metadata))


def test_exclude_tags_drops_tagged_messages_only() -> None:
    tagged, other, untagged = _token(["internal"]), _token(["ui"]), _token(None)
    from rxagent.events import CustomEvent

    custom = CustomEvent(data={"tags": ["internal"]})
    out = run([tagged, other, untagged, custom], exclude_tags("internal", "nostream"))
    assert out == [other, untagged, custom]


def test_exclude_tags_with_run_and_node_tags() -> None:
    from rxagent import START, StateGraph, to_iter

    def talk(state: dict[str, Any]) -> Any:
        yield AIMessageChunk(content="hidden", id="h")
        yield {"said": True}

    graph = StateGraph().add_node("talk", talk, tags=["internal"]).add_edge(START, "talk")
    compiled = graph.compile()
    items = list(compiled.stream({}, {"tags": ["run-tag"]}, stream_mode="messages"))
    assert items[0][1]["tags"] == ["run-tag", "internal"]
    kept = list(
        to_iter(compiled.observe({}, stream_mode="messages").pipe(exclude_tags("internal")))
    )
    assert kept == []


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: filter_mode(), "stream_mode is empty"),
        (
            lambda: filter_mode("debug"),  # type: ignore[arg-type]
            "Unknown stream mode 'debug'",
        ),
        (lambda: filter_node(), "one or more node names"),
        (lambda: filter_ns(""), "non-empty"),
        (lambda: exclude_tags(), "one or more tags"),
    ],
)
def test_bad_arguments_fail_when_built(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
