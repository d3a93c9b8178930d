"""Hypothesis writes the agent's script: 0-2 tool calls, then an answer; same output."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conformance._models import Reply
from tests.conformance._run import Face, comparable, differences, run
from tests.conformance._scenarios import QUESTION, Scenario, _agent, kit_for, model_for

FACE = Face("generated", {"stream_mode": ["values", "updates", "custom", "tools", "tasks"]})
"""The modes that match today for every script (``messages`` has known gaps)."""

words = st.lists(st.sampled_from(["Sunny", "in", "Paris", "ok,", "it's", "fine."]), max_size=4)
cities = st.lists(st.sampled_from(["Paris", "Rome", "Oslo"]), max_size=2)


@settings(max_examples=8, deadline=None)
@given(first=words, calls=cities, answer=words, variant=st.sampled_from(["scripted", "lc"]))
def test_generated_agent_scripts(
    first: list[str], calls: list[str], answer: list[str], variant: str
) -> None:
    tool_calls = tuple(
        ("get_weather", {"city": city}, f"call_{n}") for n, city in enumerate(calls, 1)
    )
    script = (Reply(" ".join(first), tool_calls), Reply(" ".join(answer)))
    scenario = Scenario("generated", _agent, QUESTION, script, ordered=len(calls) < 2)
    side = "scripted" if variant == "scripted" else "langchain_model"
    outputs: list[Any] = []
    for name in ("langgraph", side):
        graph = scenario.build(kit_for(name), model_for(scenario, name))
        output = run(graph, FACE, scenario.input, None)
        outputs.append(comparable(output, FACE, ordered=scenario.ordered))
    assert outputs[0] == outputs[1], "\n".join(list(differences(*outputs))[:6])
