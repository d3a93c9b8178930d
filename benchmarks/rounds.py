"""Does a round cost the same at round 1,000 as at round 10? And does state grow per run?

``python -m benchmarks.rounds [--rounds N] [--runs N] [--profile]``

Rounds: an agent (``create_agent``) whose model calls a tool ``rounds`` times and then
answers, streamed in the seeds' modes (``updates``, ``messages``, ``custom``; the tool
writes one custom payload per call). A round is a model call and its tool call: the wall
time between two ``updates`` events of the ``tools`` node. The cost of a round near round
10 is the median of rounds 5–15, near the end the median of the last 11 rounds; the ratio
is the target of issue 12 (≤ 1.5). Each is measured in wall time and in the process's CPU
time (``time.process_time``, all threads), which other processes on a shared machine
disturb less. Twice: with ``ScriptedModel``, and with a LangChain
chat model (a fake that answers in O(1), so only the conversation's handling grows)
through ``LangChainModel``.

Memory: ``tracemalloc``'s growth over ``runs`` runs of a small agent whose one
``ScriptedModel`` is reused, and over ``runs`` sources through one bridge
``Coalescer`` (one event pushed and popped per source), after a warm-up and ``gc.collect()``.

``--profile`` prints the top of a cProfile of the ScriptedModel rounds instead.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from rxagent import StreamMode, create_agent, get_stream_writer
from rxagent.bridges._coalesce import Coalescer
from rxagent.events import CustomEvent
from rxagent.messages import AIMessage
from rxagent.models import ScriptedModel
from rxagent.tools import tool

MODES: list[StreamMode] = ["updates", "messages", "custom"]


@tool
def lookup(n: int) -> str:
    """Look up record ``n``."""
    get_stream_writer()({"progress": n})
    return f"record {n}"


def _call(n: int) -> dict[str, Any]:
    return {"name": "lookup", "args": {"n": n}, "id": f"call_{n}"}


def scripted_agent(rounds: int) -> Any:
    """``create_agent`` on a ``ScriptedModel`` that calls ``lookup`` ``rounds`` times."""
    script: list[AIMessage | str] = [
        AIMessage("Checking.", tool_calls=[_call(n)]) for n in range(rounds)
    ]
    return create_agent(ScriptedModel([*script, "Done."]), [lookup])


def langchain_agent(rounds: int) -> Any:
    """The same agent on a LangChain chat model through ``LangChainModel``."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from rxagent.integrations.langchain import LangChainModel

    state = {"calls": 0}

    def reply() -> AIMessageChunk:
        n = state["calls"]
        state["calls"] += 1
        if n >= rounds:
            return AIMessageChunk(content="Done.", chunk_position="last")
        piece = {"name": "lookup", "args": f'{{"n": {n}}}', "id": f"call_{n}", "index": 0}
        return AIMessageChunk(content="Checking.", tool_call_chunks=[piece])

    def _stream(self: Any, messages: list[Any], *_a: Any, **_k: Any) -> Iterator[Any]:
        yield ChatGenerationChunk(message=reply())

    async def _astream(self: Any, messages: list[Any], *_a: Any, **_k: Any) -> Any:
        yield ChatGenerationChunk(message=reply())

    def _generate(self: Any, *_a: Any, **_k: Any) -> ChatResult:
        raise NotImplementedError

    namespace = {
        "_llm_type": property(lambda self: "rounds-fake"),
        "bind_tools": lambda self, tools, **kw: self,
        "_stream": _stream,
        "_astream": _astream,
        "_generate": _generate,
    }
    model = type("RoundsFakeChatModel", (BaseChatModel,), namespace)()
    return create_agent(LangChainModel(model), [lookup])


def round_times(
    agent: Any, rounds: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Seconds per round: between two ``updates`` events of the ``tools`` node."""
    inputs = {"messages": [{"role": "user", "content": "Check every record."}]}
    config = {"recursion_limit": 2 * rounds + 10}
    marks = [clock()]
    for mode, data in agent.stream(inputs, stream_mode=MODES, config=config):
        if mode == "updates" and "tools" in data:
            marks.append(clock())
    if len(marks) != rounds + 1:
        raise RuntimeError(f"expected {rounds} rounds, saw {len(marks) - 1}")
    return [b - a for a, b in itertools.pairwise(marks)]


def growth(step: Callable[[], None], runs: int) -> int:
    """Bytes that ``tracemalloc`` sees retained after ``runs`` calls of ``step``."""
    for _ in range(10):
        step()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(runs):
        step()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def scripted_runs_step() -> Callable[[], None]:
    """One run of a small agent, its ``ScriptedModel`` reused from run to run."""
    agent = create_agent(ScriptedModel(["Hello there, how can I help?"]))
    inputs = {"messages": [{"role": "user", "content": "hi"}]}

    def step() -> None:
        for _ in agent.stream(inputs, stream_mode=MODES):
            pass

    return step


def coalescer_step() -> Callable[[], None]:
    """One source through a coalescer: its event pushed (buffer full), then popped."""
    coalescer, items = Coalescer(), deque[Any]()
    count = iter(range(10**9))

    def step() -> None:
        event = CustomEvent(data=1, node="tools", task_id=f"task-{next(count)}")
        coalescer.push(items, event, True)
        items.popleft()
        coalescer.popped()

    return step


def _window(times: list[float], start: int, stop: int) -> float:
    return statistics.median(times[start:stop]) * 1e6


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    rounds = args.rounds
    if args.profile:
        import cProfile
        import pstats

        agent = scripted_agent(rounds)
        cProfile.runctx("round_times(agent, rounds)", globals(), locals(), "/tmp/rounds.prof")
        pstats.Stats("/tmp/rounds.prof").sort_stats("tottime").print_stats(25)
        return
    print(f"{'workload':<34} {'round 5-15 µs':>14} {'last 11 µs':>11} {'ratio':>6}")
    clocks = (("wall", time.perf_counter), ("CPU", time.process_time))
    for name, build in (
        ("rounds, ScriptedModel", scripted_agent),
        ("rounds, LangChainModel", langchain_agent),
    ):
        for clock_name, clock in clocks:
            times = round_times(build(rounds), rounds, clock)
            early, late = _window(times, 5, 16), _window(times, rounds - 11, rounds)
            label = f"{name} ({clock_name})"
            print(f"{label:<34} {early:>14.1f} {late:>11.1f} {late / early:>6.2f}")
    print()
    print(f"{'memory growth per ' + str(args.runs) + ' runs':<34} {'KiB':>14}")
    for name, make in (
        ("ScriptedModel reused", scripted_runs_step),
        ("Coalescer sources", coalescer_step),
    ):
        kib = growth(make(), args.runs) / 1024
        print(f"{name:<34} {kib:>14.1f}")


if __name__ == "__main__":
    main()
