"""Selection operators: filter_mode, filter_node, filter_ns, exclude_tags.

Each is compared with a plain-list oracle; the laws of filter_mode are properties; each
selects the same events through every face (the ``face`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
import reactivex as rx
from hypothesis import given
from hypothesis import strategies as st

from rxagent import START, CompiledStateGraph, StateGraph
from rxagent._types import STREAM_MODES, StreamMode
from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk
from rxagent.operators._exclude_tags import exclude_tags
from rxagent.operators._filter_mode import filter_mode
from rxagent.operators._filter_node import filter_node
from rxagent.operators._filter_ns import filter_ns
from rxagent.operators._merge import merge
from rxagent.operators._types import Operator
from tests.strategies import events_of, streams
from tests.support import (
    PROGRESS,
    SEED_INPUT,
    ObservableFace,
    failing,
    failing_agent,
    parallel_agent,
    sample_events,
    seed_agent,
    signature,
)

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


# --- parity: every face ------------------------------------------------------------------

BOOM = RuntimeError("boom")
SELECTIONS: dict[str, Operator] = {
    "filter_mode": filter_mode("custom", "updates"),
    "filter_node": filter_node("tools"),
    "filter_ns": filter_ns("agent"),
    "exclude_tags": exclude_tags("internal"),
}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_every_face_selects_the_same_events_of_a_finite_stream(
    face: ObservableFace, name: str
) -> None:
    events = sample_events()
    kept = face.assert_oracle(rx.from_iterable(events), SELECTIONS[name])
    assert 0 < len(kept) < len(events), "the selection keeps some events, not all"


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_every_face_ends_a_selection_with_the_upstream_error_after_the_same_events(
    face: ObservableFace, name: str
) -> None:
    events = sample_events()
    kept = face.assert_oracle(failing(events, BOOM), SELECTIONS[name])
    assert kept == run(events, SELECTIONS[name])
    with pytest.raises(RuntimeError, match="boom"):
        face(failing(events, BOOM).pipe(SELECTIONS[name]))


def _tagged_graph() -> CompiledStateGraph:
    """``think`` (tagged ``internal``) then ``talk``, each streaming tokens."""

    def think(state: dict[str, Any]) -> Any:
        yield AIMessageChunk(content="hmm", id="h")
        yield {"thought": True}

    def talk(state: dict[str, Any]) -> Any:
        for text in ("Hi", " there"):
            yield AIMessageChunk(content=text, id="t")
        yield {"said": True}

    graph = StateGraph().add_node("think", think, tags=["internal"]).add_node("talk", talk)
    return graph.add_edge(START, "think").add_edge("think", "talk").compile()


def test_every_face_filters_modes_of_an_agent_run(face: ObservableFace) -> None:
    run_ = seed_agent().observe(SEED_INPUT)
    kept = face.assert_oracle(run_, filter_mode("custom", "updates"), key=signature)
    assert [e.data for e in kept if e.mode == "custom"] == PROGRESS
    assert [next(iter(e.data)) for e in kept if e.mode == "updates"] == ["model", "tools", "model"]


def test_every_face_filters_the_tool_nodes_of_a_parallel_run(face: ObservableFace) -> None:
    source = parallel_agent().observe(SEED_INPUT)
    kept = face.assert_oracle(source, filter_node("tools"), key=signature)
    assert {e.node for e in kept} == {"tools"}
    assert len({e.task_id for e in kept}) == 2, "both parallel tool tasks"


def test_every_face_filters_the_namespace_of_merged_runs(face: ObservableFace) -> None:
    merged = merge(
        researcher=parallel_agent().observe(SEED_INPUT), writer=seed_agent().observe(SEED_INPUT)
    )
    kept = face.assert_oracle(merged, filter_ns("writer"), key=signature)
    assert {e.ns[0] for e in kept} == {"writer"}
    assert [e.data for e in kept if e.mode == "custom"] == PROGRESS


def test_every_face_excludes_a_tagged_node_of_a_run(face: ObservableFace) -> None:
    source = _tagged_graph().observe({}, stream_mode="messages")
    kept = face.assert_oracle(source, exclude_tags("internal"), key=signature)
    assert [e.data[0].text for e in kept] == ["Hi", " there"]


def test_every_face_ends_a_failing_run_selection_after_the_same_events(
    face: ObservableFace,
) -> None:
    kept = face.assert_oracle(
        failing_agent().observe(SEED_INPUT), filter_mode("messages", "custom"), key=signature
    )
    assert [e.data for e in kept if e.mode == "custom"] == PROGRESS
    assert "".join(e.data[0].text for e in kept if e.node == "model")[-5:] == "It is"
