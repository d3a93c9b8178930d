"""Every scenario × rxagent variant × face: rxagent's output equals LangGraph's."""

from __future__ import annotations

from functools import cache
from itertools import islice
from typing import Any

import pytest

from tests.conformance._known_gaps import reasons
from tests.conformance._run import FACES, Face, comparable, differences, run
from tests.conformance._scenarios import (
    BY_NAME,
    SCENARIOS,
    MissingName,
    Scenario,
    kit_for,
    model_for,
)

FACE_BY_NAME = {face.name: face for face in FACES}


def check_id(scenario: str, variant: str, face: str) -> str:
    """The id of one comparison, as ``_known_gaps`` patterns match it."""
    return f"{scenario}-{variant}-{face}"


def _checks() -> list[Any]:
    params = []
    for scenario in SCENARIOS:
        for variant in scenario.variants:
            for face in FACES:
                name = check_id(scenario.name, variant, face.name)
                found = reasons(name)
                marks = [pytest.mark.xfail(strict=True, reason=" + ".join(found))] if found else []
                params.append(pytest.param(scenario.name, variant, face.name, id=name, marks=marks))
    return params


@cache
def graph(scenario: str, side: str) -> Any:
    """The compiled graph of one side, built once per session."""
    described = BY_NAME[scenario]
    return described.build(kit_for(side), model_for(described, side))


@cache
def expected(scenario: str, face: str) -> Any:
    """LangGraph's output, in comparable form (shared by every rxagent variant)."""
    described, shape = BY_NAME[scenario], FACE_BY_NAME[face]
    output = run(graph(scenario, "langgraph"), shape, described.input, described.config)
    return comparable(output, shape, ordered=described.ordered)


def compare(described: Scenario, rxagent_graph: Any, face: Face, want: Any) -> None:
    """Run ``rxagent_graph`` through ``face`` and assert it gives ``want``."""
    output = run(rxagent_graph, face, described.input, described.config)
    got = comparable(output, face, ordered=described.ordered)
    found = list(islice(differences(want, got), 6))
    assert not found, "rxagent differs from LangGraph (left: LangGraph):\n" + "\n".join(found)


@pytest.mark.parametrize(("scenario", "variant", "face"), _checks())
def test_same_output_as_langgraph(scenario: str, variant: str, face: str) -> None:
    want = expected(scenario, face)
    try:
        rxagent_graph = graph(scenario, variant)
    except MissingName as missing:
        pytest.xfail(str(missing))
    compare(BY_NAME[scenario], rxagent_graph, FACE_BY_NAME[face], want)


def test_every_face_and_scenario_is_checked() -> None:
    checks = _checks()
    assert len(checks) == sum(len(s.variants) for s in SCENARIOS) * len(FACES)
    assert len({param.id for param in checks}) == len(checks)
