"""Building and misusing graphs: the same errors, with LangGraph's wording, or the same result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import pytest

from tests.conformance._differences import STRICTER
from tests.conformance._known_gaps import reasons
from tests.conformance._normalize import Normalizer
from tests.conformance._scenarios import Kit, kit_for


class State(TypedDict):
    """A one-key state."""

    x: int


def _unknown_edge_target(kit: Kit) -> Any:
    graph = kit.StateGraph(State)
    graph.add_node("a", lambda state: {"x": 1})
    graph.add_edge(kit.START, "a")
    graph.add_edge("a", "b")
    return graph.compile()


def _duplicate_node(kit: Kit) -> Any:
    graph = kit.StateGraph(State)
    graph.add_node("a", lambda state: {"x": 1})
    return graph.add_node("a", lambda state: {"x": 2})


def _reserved_name(kit: Kit) -> Any:
    return kit.StateGraph(State).add_node(kit.END, lambda state: {"x": 1})


def _no_entry_point(kit: Kit) -> Any:
    graph = kit.StateGraph(State)
    graph.add_node("a", lambda state: {"x": 1})
    return graph.compile()


def _unknown_state_key(kit: Kit) -> Any:
    graph = kit.StateGraph(State)
    graph.add_node("a", lambda state: {"y": 1})
    graph.add_edge(kit.START, "a")
    return graph.compile().invoke({"x": 1})


def _two_writes_without_reducer(kit: Kit) -> Any:
    graph = kit.StateGraph(State)
    graph.add_node("a", lambda state: {"x": 1})
    graph.add_node("b", lambda state: {"x": 2})
    graph.add_edge(kit.START, "a")
    graph.add_edge(kit.START, "b")
    return graph.compile().invoke({"x": 0})


CASES: dict[str, Callable[[Kit], Any]] = {
    "unknown_edge_target": _unknown_edge_target,
    "duplicate_node": _duplicate_node,
    "reserved_name": _reserved_name,
    "no_entry_point": _no_entry_point,
    "unknown_state_key": _unknown_state_key,
    "two_writes_without_reducer": _two_writes_without_reducer,
}


def outcome(case: Callable[[Kit], Any], kit: Kit) -> Any:
    """The error a case raises (type name and message), or what it returns if plain data."""
    try:
        result = case(kit)
    except Exception as error:
        return Normalizer()(error)
    return result if isinstance(result, dict) else "built"


def _params() -> list[Any]:
    params = []
    for name in CASES:
        found = reasons(f"builder-graph-{name}")
        marks = [pytest.mark.xfail(strict=True, reason=" + ".join(found))] if found else []
        params.append(pytest.param(name, id=f"builder-graph-{name}", marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_same_error_as_langgraph(case: str) -> None:
    want = outcome(CASES[case], kit_for("langgraph"))
    got = outcome(CASES[case], kit_for("graph"))
    if f"builder-graph-{case}" in STRICTER:  # a deliberate difference: see _differences.py
        assert isinstance(want, dict)
        assert "InvalidUpdateError" in repr(got)
        assert "'y'" in repr(got)
        return
    assert got == want
