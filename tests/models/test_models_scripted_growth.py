"""ScriptedModel keeps nothing per call beyond a bounded log, and reads each message of a
run's conversation once, however many rounds the run makes."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from typing import Any, ClassVar

from rxagent import create_agent, tool
from rxagent.messages import AIMessage, HumanMessage
from rxagent.models import ScriptedModel


@tool
def lookup(n: int) -> str:
    """Look up record ``n``."""
    return f"record {n}"


def rounds_model(rounds: int, **kwargs: Any) -> ScriptedModel:
    calls = [
        AIMessage("Checking.", tool_calls=[{"name": "lookup", "args": {"n": n}, "id": f"c{n}"}])
        for n in range(rounds)
    ]
    return ScriptedModel([*calls, "Done."], **kwargs)


class Watched(HumanMessage):
    """A message that counts how often its text is read."""

    reads: ClassVar[int] = 0

    @property
    def text(self) -> str:
        Watched.reads += 1
        return str(self.content)


def test_the_call_log_keeps_the_last_calls() -> None:
    model = ScriptedModel(["Hi"] * 1)
    for _ in range(100):
        model.invoke("hello")
    assert model.call_count == 100
    assert len(model.calls) == 16
    assert [m.text for m in model.calls[-1]] == ["hello"]
    assert "calls=100" in repr(model)


def test_the_call_log_can_keep_everything_or_nothing() -> None:
    everything, nothing = ScriptedModel(["Hi"], call_log=None), ScriptedModel(["Hi"], call_log=0)
    for _ in range(40):
        everything.invoke("hello")
        nothing.invoke("hello")
    assert (len(everything.calls), len(nothing.calls)) == (40, 0)
    assert nothing.call_count == 40


def test_a_model_reused_for_many_runs_does_not_grow() -> None:
    agent = create_agent(ScriptedModel(["Hello there, how can I help?"]))
    inputs = {"messages": [{"role": "user", "content": "hi"}]}
    for _ in range(20):
        agent.invoke(inputs)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            agent.invoke(inputs)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, f"{grown} bytes after 500 runs (was about 0.5 MiB per 500)"


def test_each_message_of_a_run_is_read_once_across_rounds() -> None:
    agent = create_agent(rounds_model(30), [lookup])
    Watched.reads = 0
    result = agent.invoke({"messages": [Watched(content="Check every record.")]})
    assert result["messages"][-1].text == "Done."
    assert len(result["messages"]) == 62
    assert Watched.reads == 1, "the question's words are counted at the first call only"


def test_turns_are_recognised_across_runs_and_models() -> None:
    model, other = ScriptedModel(["One", "Two", "Three"]), ScriptedModel(["Other"])
    first = model.invoke("hi")
    foreign = other.invoke("hi")
    second = model.invoke(["hi", first, foreign, "more"])
    assert second.text == "Two", "the other model's reply is not this model's turn"
    assert model.invoke(["hi", first, second]).text == "Three"
    assert first.id is not None
    assert first.id.startswith("run-")
    assert uuid.UUID(first.id.removeprefix("run-")).version == 4, "still run-<uuid4>"
