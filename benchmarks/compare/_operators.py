"""Workloads 3 (a long stream through the UI operators) and 4 (per-operator overhead).

The events are built as the runtime builds them (trusted, no validation): messages of
``MESSAGE_TOKENS`` tokens from the ``model`` node, with one ``custom`` progress event of
the ``tools`` node after every ``CUSTOM_EVERY`` tokens (two sources, interleaved as a
parallel tool and model would be). Workload 3 generates them lazily, one at a time, until
``n`` tokens, and pushes them from an asyncio task that yields to the loop every 1,000
events (so the timers of ``buffer_tokens(max_delay=...)`` and ``throttle_custom`` fire);
the consumer keeps nothing. Workload 4 pushes ``n`` pre-built events the same way through
a bare ``filter`` + ``map`` pipeline, with and without one operator after it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.compare._core import Faces, Implementation, Params, PushRun, register
from benchmarks.compare._measure import current_rss_mib

MESSAGE_TOKENS = 1_000
"""Tokens per message (a new message id every this many tokens)."""
CUSTOM_EVERY = 9
"""A custom event after every this many tokens."""
_YIELD_EVERY = 1_000
"""Events pushed between two yields to the event loop."""

Operator = Callable[[Any], Any]


def events(n: int) -> Iterator[Any]:
    """``n`` events, ``CUSTOM_EVERY`` tokens then one custom progress event, repeated."""
    from rxagent.events import CustomEvent, MessageEvent
    from rxagent.messages import text_chunk

    message, custom = _maker(MessageEvent), _maker(CustomEvent)
    model = {"ns": (), "node": "model", "step": 1, "task_id": "t-model", "run_id": "r"}
    tools = {"ns": (), "node": "tools", "step": 1, "task_id": "t-tools", "run_id": "r"}
    metadata = {"langgraph_node": "model", "langgraph_step": 1}
    tokens = 0
    for seq in range(n):
        if seq % (CUSTOM_EVERY + 1) == CUSTOM_EVERY:
            payload = {"progress": "working", "done": seq}
            yield custom(
                {**tools, "tool_call_id": "c", "mode": "custom", "seq": seq, "data": payload}
            )
            continue
        chunk = text_chunk(" tok", f"msg-{tokens // MESSAGE_TOKENS}")
        tokens += 1
        fields = {**model, "tool_call_id": None, "mode": "messages", "seq": seq}
        fields["data"] = (chunk, metadata)
        yield message(fields)


def _maker(cls: Any) -> Callable[[dict[str, Any]], Any]:
    """Trusted construction of ``cls`` from its fields, as the runtime builds events."""
    try:
        from rxagent._fast import maker
    except ImportError:  # the engine's event records no longer need it
        return lambda fields: cls(**fields)
    return maker(cls)


def token_count(n: int) -> int:
    """How many of ``events(n)`` are tokens."""
    full, rest = divmod(n, CUSTOM_EVERY + 1)
    return full * CUSTOM_EVERY + min(rest, CUSTOM_EVERY)


@functools.lru_cache(maxsize=1)
def prebuilt(n: int) -> tuple[Any, ...]:
    """``events(n)``, built once per worker and reused by every run of workload 4."""
    return tuple(events(n))


def _push(source: Any, pipeline: tuple[Operator, ...], on_next: Callable[[Any], None]) -> None:
    """Push ``source`` through a Subject and ``pipeline`` from an asyncio task."""
    from reactivex.subject import Subject

    async def main() -> None:
        subject: Subject[Any] = Subject()
        subject.pipe(*pipeline).subscribe(on_next)
        push = subject.on_next
        for index, event in enumerate(source, 1):
            push(event)
            if index % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        subject.on_completed()
        await asyncio.sleep(0)

    asyncio.run(main())


def _floor_ops() -> tuple[Operator, ...]:
    from reactivex import operators as ops

    return ops.filter(lambda event: event.seq >= 0), ops.map(lambda event: event)


# -- workload 3 -----------------------------------------------------------------------------


def _long_stream(extra_ops: Callable[[], tuple[Operator, ...]]) -> Callable[[Params], PushRun]:
    def prepare(params: Params) -> PushRun:
        n = params["n"] + params["n"] // CUSTOM_EVERY  # events carrying n tokens
        pipeline = (*_floor_ops(), *extra_ops())

        def run(on_next: Callable[[Any], None]) -> dict[str, float]:
            marks: list[float] = []

            def source() -> Iterator[Any]:
                for index, event in enumerate(events(n), 1):
                    if index % max(1, n // 10) == 0:
                        marks.append(current_rss_mib())
                    yield event

            _push(source(), pipeline, on_next)
            marks.append(current_rss_mib())
            growth = max(marks) - marks[0]
            return {"inputs": n, "tokens": token_count(n), "rss_growth_mib": growth}

        return run

    return prepare


def _ui_ops() -> tuple[Operator, ...]:
    from rxagent import operators as ops

    buffer_tokens, throttle_custom = _operator("buffer_tokens"), _operator("throttle_custom")
    return (
        ops.filter_mode("messages", "custom"),
        buffer_tokens(max_delay=0.05),
        throttle_custom(0.1),
    )


def _operator(name: str) -> Any:
    from rxagent import operators

    return getattr(operators, name)


def _missing(*names: str) -> Callable[[], str | None]:
    def check() -> str | None:
        from rxagent import operators

        absent = [name for name in names if not hasattr(operators, name)]
        if absent:
            return f"not available yet: rxagent.operators.{', '.join(absent)} (issue 3)"
        return None

    return check


# -- workload 4 -----------------------------------------------------------------------------


def _overhead(build: Callable[[], tuple[Operator, ...]]) -> Callable[[Params], PushRun]:
    def prepare(params: Params) -> PushRun:
        n = params["n"]
        source, pipeline = prebuilt(n), (*_floor_ops(), *build())

        def run(on_next: Callable[[Any], None]) -> dict[str, float]:
            _push(source, pipeline, on_next)
            return {"inputs": n, "tokens": token_count(n)}

        return run

    return prepare


def _one(name: str, *args: Any, **kwargs: Any) -> Callable[[], tuple[Operator, ...]]:
    return lambda: (_operator(name)(*args, **kwargs),)


def _merge_two() -> tuple[Operator, ...]:
    import reactivex

    merge = _operator("merge")
    return (lambda source: merge(source, reactivex.empty()),)


def _merge_named() -> tuple[Operator, ...]:
    merge = _operator("merge")
    return (lambda source: merge(main=source),)


OPERATOR_ROWS: dict[str, tuple[str, Callable[[], tuple[Operator, ...]]]] = {
    "filter_mode": ("filter_mode", _one("filter_mode", "messages")),
    "buffer_tokens": ("buffer_tokens", _one("buffer_tokens", max_delay=0.05)),
    "throttle_custom": ("throttle_custom", _one("throttle_custom", 0.1)),
    "final_answer": ("final_answer", _one("final_answer")),
    "merge (2 sources)": ("merge", _merge_two),
    "merge (named)": ("merge", _merge_named),
    "accumulate_messages": ("accumulate_messages", _one("accumulate_messages")),
}
"""Workload 4's rows: name → (the operator it needs, the pipeline tail it adds)."""


def register_all() -> None:
    """Register the rows of workloads 3 and 4."""
    ui = _missing("buffer_tokens", "throttle_custom")
    register(Implementation("long_stream", "rxagent", {"push": _long_stream(_ui_ops)}, check=ui))
    register(Implementation("long_stream", "base: filter+map", {"push": _long_stream(tuple)}))
    register(Implementation("operators", "base: filter+map", {"push": _overhead(tuple)}))
    for row, (needed, build) in OPERATOR_ROWS.items():
        faces: Faces = {"push": _overhead(build)}
        register(Implementation("operators", row, faces, check=_missing(needed)))
