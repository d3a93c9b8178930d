"""Workloads 7–9: rxagent under load (issue 12's targets), on ``ScriptedModel``.

7. ``concurrent``: ``n`` runs started at once on the async face (``astream`` in the seeds'
   three modes, tasks started in order), each answering ``tokens`` tokens without a tool.
   A sample runs ``passes`` passes of them back to back (the suite makes every size about
   as many events as its largest: 100 passes of 10 runs, 10 of 100, 1 of 1,000).
   Extras: the time to first event of each run (from the start of the first run) over the
   number of runs started up to and including it (worst, which run it was, and last; of
   the median pass by its worst run); the garbage collector's full collections during the
   sample (how many, their milliseconds: what a pause costs every run that waits behind
   it); and the memory per run: ``tracemalloc``'s peak over one untimed pass of the same
   runs, divided by ``n`` (measured once per worker, before the timed runs, because
   tracing slows every allocation).
8. ``rounds``: an agent whose model calls a tool ``n`` times, then answers, streamed in the
   three modes; a round is the time between two ``updates`` events of the ``tools`` node.
   Extras: the median round near round 10 (rounds 5–15), near the end (the last 11), and
   their ratio. On ``ScriptedModel`` and on a LangChain chat model through ``LangChainModel``
   (a fake that decides its reply in O(1): only the conversation's handling can grow).
9. ``long_run``: one run answering ``n`` tokens, ``messages`` mode. Extras: ``tracemalloc``'s
   peak during one untimed pass over what the built agent holds, per token.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import itertools
import math
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from benchmarks.compare._agents import inputs
from benchmarks.compare._core import (
    AsyncRun,
    Faces,
    Implementation,
    Params,
    PushRun,
    SyncRun,
    register,
)
from benchmarks.compare._langchain import LANGCHAIN

MODES = ["updates", "messages", "custom"]
"""The seeds' stream modes."""
ONE_OBJECT = 48
"""Bytes per token below which a run keeps less than one Python object per token."""


def answer_agent(tokens: int) -> Any:
    """``create_agent`` on a ``ScriptedModel`` answering ``tokens`` tokens, no tool call."""
    from rxagent import ScriptedModel, create_agent

    return create_agent(ScriptedModel([" ".join(["token"] * tokens)]))


# -- 7. concurrent runs ---------------------------------------------------------------------


async def _runs(agent: Any, count: int, on_next: Callable[[Any], None]) -> list[float]:
    """Start ``count`` runs at once; return each run's time to its first event, counted
    from the moment the first run starts (creating the ``count`` asyncio tasks of this
    harness, about 5 ms for 1,000, is not the runs' cost)."""
    firsts = [math.nan] * count
    start = math.nan

    async def one(index: int) -> None:
        nonlocal start
        if index == 0:
            start = time.perf_counter()
        async for item in agent.astream(inputs(), stream_mode=MODES):
            if firsts[index] != firsts[index]:  # NaN: the first event of this run
                firsts[index] = time.perf_counter() - start
            on_next(item)

    await asyncio.gather(*(one(index) for index in range(count)))
    return firsts


@functools.cache
def _traced_peak_mib(tokens: int, count: int) -> float:
    """``tracemalloc``'s peak over ``count`` concurrent runs, in MiB (one untimed pass)."""
    agent = answer_agent(tokens)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        asyncio.run(_runs(agent, count, lambda _item: None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / 2**20


def concurrent(params: Params) -> PushRun:
    """``params["n"]`` concurrent runs of ``params["tokens"]`` tokens each, ``params["passes"]``
    passes of them back to back per sample (default 1), so that every size measures about as
    many events: a pass of 10 runs lasts about as long as one of the box's hiccups."""
    count, tokens = int(params["n"]), int(params["tokens"])
    passes = int(params.get("passes", 1))
    per_run = _traced_peak_mib(tokens, count) / count
    agent = answer_agent(tokens)

    def run(on_next: Callable[[Any], None]) -> dict[str, float]:
        outcomes = []
        with _full_collections() as full:
            for _ in range(passes):
                firsts = asyncio.run(_runs(agent, count, on_next))
                ahead = [first / (index + 1) for index, first in enumerate(firsts)]
                worst = max(range(count), key=ahead.__getitem__)
                outcomes.append((ahead[worst], worst, firsts[-1]))
        outcomes.sort()
        ahead_worst, worst, last = outcomes[(len(outcomes) - 1) // 2]  # the median pass
        return {
            "runs": count,
            "passes": passes,
            "first_per_run_ahead_ms": ahead_worst * 1e3,
            "worst_run": worst,
            "last_first_ms": last * 1e3,
            "full_gcs": full.count,
            "full_gc_ms": full.seconds * 1e3,
            "mib_per_run": per_run,
        }

    return run


class _Collections:
    """How many full collections the garbage collector ran, and their seconds."""

    def __init__(self) -> None:
        self.count, self.seconds, self._started = 0, 0.0, math.nan

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._started


@contextlib.contextmanager
def _full_collections() -> Iterator[_Collections]:
    """Count the full collections (generation 2) that run inside the block."""
    full = _Collections()
    gc.callbacks.append(full)
    try:
        yield full
    finally:
        gc.callbacks.remove(full)


# -- 8. rounds ------------------------------------------------------------------------------


def _call(index: int) -> dict[str, Any]:
    return {"name": "lookup", "args": {"n": index}, "id": f"call_{index}"}


def _lookup_tool() -> Any:
    from rxagent import get_stream_writer, tool

    @tool
    def lookup(n: int) -> str:
        """Look up record ``n``."""
        get_stream_writer()({"progress": n})
        return f"record {n}"

    return lookup


def scripted_rounds(rounds: int) -> Any:
    """``create_agent`` on a ``ScriptedModel`` that calls ``lookup`` ``rounds`` times."""
    from rxagent import ScriptedModel, create_agent
    from rxagent.messages import AIMessage

    script: list[AIMessage | str] = [
        AIMessage("Checking.", tool_calls=[_call(index)]) for index in range(rounds)
    ]
    return create_agent(ScriptedModel([*script, "Done."]), [_lookup_tool()])


def langchain_rounds(rounds: int) -> Any:
    """The same agent on a fake LangChain chat model (O(1) per reply) via ``LangChainModel``."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk

    from rxagent import create_agent
    from rxagent.integrations.langchain import LangChainModel

    calls = 0

    def reply() -> Any:
        nonlocal calls
        calls += 1
        if calls > rounds:
            return AIMessageChunk(content="Done.", chunk_position="last")
        args = f'{{"n": {calls}}}'
        piece = {"name": "lookup", "args": args, "id": f"call_{calls}", "index": 0}
        return AIMessageChunk(content="Checking.", tool_call_chunks=[piece])

    def _stream(self: Any, *_args: Any, **_kw: Any) -> Iterator[Any]:
        yield ChatGenerationChunk(message=reply())

    async def _astream(self: Any, *_args: Any, **_kw: Any) -> AsyncIterator[Any]:
        yield ChatGenerationChunk(message=reply())

    def _generate(self: Any, *_args: Any, **_kw: Any) -> Any:
        raise NotImplementedError

    namespace = {
        "_llm_type": property(lambda self: "rounds-fake"),
        "bind_tools": lambda self, tools, **kw: self,
        "_stream": _stream,
        "_astream": _astream,
        "_generate": _generate,
    }
    model = type("RoundsFakeChatModel", (BaseChatModel,), namespace)()
    return create_agent(LangChainModel(model), [_lookup_tool()])


def round_extras(marks: list[float], rounds: int) -> dict[str, float]:
    """The cost of a round near round 10 and near the last round, from ``tools`` updates."""
    if len(marks) != rounds + 1:
        raise RuntimeError(f"expected {rounds} rounds, saw {len(marks) - 1}")
    times = [later - earlier for earlier, later in itertools.pairwise(marks)]
    early = statistics.median(times[4:15])
    late = statistics.median(times[-11:])
    return {"rounds": rounds, "early_us": early * 1e6, "late_us": late * 1e6, "ratio": late / early}


def _rounds(build: Callable[[int], Any], *, asynchronous: bool) -> Callable[[Params], PushRun]:
    def prepare(params: Params) -> PushRun:
        rounds = int(params["n"])
        config = {"recursion_limit": 2 * rounds + 10}

        def run(on_next: Callable[[Any], None]) -> dict[str, float]:
            agent = build(rounds)  # a fresh fake model per run (its reply counter)
            marks = [time.perf_counter()]

            def see(item: Any) -> None:
                mode, data = item
                if mode == "updates" and "tools" in data:
                    marks.append(time.perf_counter())
                on_next(item)

            if asynchronous:

                async def consume() -> None:
                    async for item in agent.astream(inputs(), config, stream_mode=MODES):
                        see(item)

                asyncio.run(consume())
            else:
                for item in agent.stream(inputs(), config, stream_mode=MODES):
                    see(item)
            return round_extras(marks, rounds)

        return run

    return prepare


# -- 9. one long run ------------------------------------------------------------------------


@functools.cache
def _traced_bytes_per_token(tokens: int, asynchronous: bool) -> float:
    """``tracemalloc``'s peak during one run of ``tokens`` tokens, per token (untimed)."""
    agent = answer_agent(tokens)
    for _ in agent.stream(inputs(), stream_mode="messages"):  # the script's lazy parts
        break
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        if asynchronous:

            async def consume() -> None:
                async for _item in agent.astream(inputs(), stream_mode="messages"):
                    pass

            asyncio.run(consume())
        else:
            for _item in agent.stream(inputs(), stream_mode="messages"):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / tokens


def long_run_sync(params: Params) -> SyncRun:
    """``stream(stream_mode="messages")`` of one ``params["n"]``-token answer."""
    agent = answer_agent(int(params["n"]))
    return lambda: agent.stream(inputs(), stream_mode="messages")


def long_run_async(params: Params) -> AsyncRun:
    """``astream(stream_mode="messages")`` of one ``params["n"]``-token answer."""
    agent = answer_agent(int(params["n"]))
    return lambda: agent.astream(inputs(), stream_mode="messages")


def long_run_memory(params: Params) -> PushRun:
    """No timing: the traced peak per token of one run on each face, as extras."""
    tokens = int(params["n"])

    def run(on_next: Callable[[Any], None]) -> dict[str, float]:
        on_next(None)
        return {
            "tokens": tokens,
            "sync_bytes_per_token": _traced_bytes_per_token(tokens, False),
            "async_bytes_per_token": _traced_bytes_per_token(tokens, True),
        }

    return run


def register_all() -> None:
    """Register the rows of workloads 7, 8 and 9."""
    register(Implementation("concurrent", "rxagent astream()", {"push": concurrent}))
    for name, build, requires in (
        ("rxagent", scripted_rounds, ()),
        ("rxagent + LangChain model (fast path)", langchain_rounds, LANGCHAIN),
    ):
        for face, asynchronous in ((ROUNDS_SYNC, False), (ROUNDS_ASYNC, True)):
            pushed: Faces = {"push": _rounds(build, asynchronous=asynchronous)}
            register(Implementation("rounds", f"{name}, {face}", pushed, requires))
    faces: Faces = {"sync": long_run_sync, "async": long_run_async}
    register(Implementation("long_run", "rxagent", faces))
    register(Implementation("long_run", MEMORY, {"push": long_run_memory}))


ROUNDS_SYNC, ROUNDS_ASYNC = "stream()", "astream()"
"""The faces of the rounds rows, in their names (the rows push their round times)."""
MEMORY = "rxagent, traced memory"
"""The long run's memory row: ``tracemalloc``'s peak per token, untimed."""
