"""Shared test helpers: the seed and other agents, a fixed event stream, and the faces.

``ObservableFace`` is one way to consume an Observable (pushed to a subscriber on an asyncio
loop, ``to_aiter``, ``to_iter``); ``tests/operators/conftest.py`` parametrizes the ``face``
fixture over the three, modelled on aiostream's ``assert_run``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import reactivex
from reactivex import Observable

from rxagent import (
    CompiledStateGraph,
    ScriptedError,
    ScriptedModel,
    StreamMode,
    create_agent,
    get_stream_writer,
    to_aiter,
    to_iter,
    tool,
)
from rxagent.events import CustomEvent, Event, EventBase, MessageEvent, UpdateEvent
from rxagent.messages import AIMessage, AIMessageChunk, ToolMessage

T = TypeVar("T")

SEED_INPUT: dict[str, Any] = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
PROGRESS = [
    {"progress": "Looking up Paris", "pct": 0},
    {"progress": "Fetching data", "pct": 50},
    {"progress": "Done", "pct": 100},
]


LET_ME_CHECK = AIMessage(
    content="Let me check.",
    tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
)


def seed_agent() -> CompiledStateGraph:
    """The seed pages' agent: one tool call, three progress events, then an answer."""
    model = ScriptedModel([LET_ME_CHECK, AIMessage(content="It is sunny in Paris.")])
    return create_agent(model=model, tools=[_get_weather()])


def _get_weather() -> Any:
    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        writer = get_stream_writer()
        for payload in PROGRESS:
            writer(payload)
        return f"Sunny in {city}"

    return get_weather


Face = Callable[[CompiledStateGraph, Any, Sequence[StreamMode]], list[EventBase]]


def events_sync(graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]) -> list[Any]:
    """The events of one run through the iterator bridge."""
    return list(to_iter(graph.observe(inputs, stream_mode=list(modes))))


def events_async(graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]) -> list[Any]:
    """The events of one run through the async iterator bridge."""
    from rxagent import to_aiter

    async def collect() -> list[Any]:
        return [e async for e in to_aiter(graph.observe(inputs, stream_mode=list(modes)))]

    return asyncio.run(collect())


def events_observable(
    graph: CompiledStateGraph, inputs: Any, modes: Sequence[StreamMode]
) -> list[Any]:
    """The events of one run as the Observable pushes them (subscribed from plain code)."""
    seen: list[Any] = []
    errors: list[Exception] = []
    graph.observe(inputs, stream_mode=list(modes)).subscribe(seen.append, errors.append)
    if errors:
        raise errors[0]
    return seen


FACES: dict[str, Face] = {
    "iterator": events_sync,
    "async": events_async,
    "observable": events_observable,
}


def normalize(event: EventBase) -> tuple[Any, ...]:
    """An event without its random ids, for comparing runs."""
    any_event: Any = event  # every event class has ``data`` and ``mode``
    data: Any = any_event.data
    mode: str = any_event.mode
    if mode == "messages":
        message, metadata = data
        data = (
            message.type,
            message.text,
            repr(getattr(message, "tool_call_chunks", None)),
            metadata["langgraph_node"],
            metadata["langgraph_step"],
        )
    elif mode == "updates":
        data = {node: _strip(update) for node, update in data.items()}
    elif mode in ("tasks", "tools", "values"):
        data = repr(sorted(data)) if isinstance(data, dict) else repr(data)
    return (mode, len(event.ns), event.node, event.step, event.tool_call_id is not None, repr(data))


def _strip(update: Any) -> Any:
    if isinstance(update, dict):
        return {key: _strip(value) for key, value in update.items()}
    if isinstance(update, list):
        return [_strip(item) for item in update]
    if hasattr(update, "text"):
        return (update.type, update.text)
    return update


def answer(messages: list[Any]) -> str:
    """The text of the last message of a state's message list."""
    last = messages[-1]
    assert isinstance(last, AIMessage)
    return last.text


def signature(events: Sequence[EventBase]) -> list[tuple[Any, ...]]:
    """The events of a run without their random ids, for comparing runs."""
    return [normalize(event) for event in events]


# --- the faces of an Observable -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a consumer got: the items, in order, then the error that ended them, if any."""

    items: list[T]
    error: Exception | None = None


@dataclass(frozen=True)
class ObservableFace:
    """One way to consume an Observable: ``face(source)`` is its items, or raises its error."""

    name: str
    consume: Callable[[Observable[Any]], Outcome[Any]] = field(repr=False)

    def outcome(self, source: Observable[T]) -> Outcome[T]:
        """The items, then the error instead of raising it."""
        return self.consume(source)

    def __call__(self, source: Observable[T]) -> list[T]:
        """The items; the error, if any, is raised as the consumer sees it."""
        outcome = self.outcome(source)
        if outcome.error is not None:
            raise outcome.error
        return outcome.items

    def assert_run(
        self,
        source: Observable[T],
        expected: Sequence[T],
        error: Exception | None = None,
        *,
        key: Callable[[list[T]], Any] = list,
    ) -> list[T]:
        """Check the items (as ``key`` sees them), then the error (the same object), and
        return the items, as aiostream's ``assert_run`` does."""
        outcome = self.outcome(source)
        if error is None and outcome.error is not None:
            raise outcome.error
        assert key(outcome.items) == key(list(expected))
        assert outcome.error is error, f"{self.name}: {outcome.error!r} is not {error!r}"
        return outcome.items

    def assert_oracle(
        self,
        source: Observable[Any],
        operator: Callable[[Observable[Any]], Observable[T]],
        *,
        like: Callable[[Observable[Any]], Observable[T]] | None = None,
        key: Callable[[list[T]], Any] = list,
    ) -> list[T]:
        """Check that ``source.pipe(operator)`` gives through this face what ``like``
        (default: ``operator``) gives on a plain list: the items ``source`` pushes to a plain
        subscriber, then its error. Returns the items."""
        reference = pushed(replay(pushed(source)).pipe(like or operator))
        return self.assert_run(source.pipe(operator), reference.items, reference.error, key=key)


def _pushed_on_a_loop(source: Observable[T]) -> Outcome[T]:
    """Subscribe on a running asyncio loop; collect ``on_next`` and await the end."""

    async def main() -> Outcome[T]:
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[Exception | None] = loop.create_future()
        items: list[T] = []

        def end(error: Exception | None) -> None:
            if not ended.done():
                ended.set_result(error)

        def on_end(error: Exception | None = None) -> None:
            if threading.get_ident() == main_thread:
                end(error)
            else:
                loop.call_soon_threadsafe(end, error)

        main_thread = threading.get_ident()
        subscription = source.subscribe(items.append, on_end, on_end)
        try:
            error = await ended
        finally:
            subscription.dispose()
        return Outcome(items, error)

    return asyncio.run(main())


def _pulled_async(source: Observable[T]) -> Outcome[T]:
    """Iterate with ``to_aiter`` inside ``asyncio.run``."""

    async def main() -> Outcome[T]:
        items: list[T] = []
        try:
            async for item in to_aiter(source):
                items.append(item)
        except Exception as error:
            return Outcome(items, error)
        return Outcome(items)

    return asyncio.run(main())


def _pulled(source: Observable[T]) -> Outcome[T]:
    """Iterate with ``to_iter`` from plain code."""
    items: list[T] = []
    try:
        for item in to_iter(source):
            items.append(item)
    except Exception as error:
        return Outcome(items, error)
    return Outcome(items)


OBSERVABLE_FACES = (
    ObservableFace("observable", _pushed_on_a_loop),
    ObservableFace("aiter", _pulled_async),
    ObservableFace("iter", _pulled),
)
"""The three ways to consume an Observable; the ``face`` fixture runs a test through each."""


def pushed(source: Observable[T]) -> Outcome[T]:
    """What ``source`` pushes to a plain subscriber in synchronous code, the reference: with
    no loop running, an agent run completes inside ``subscribe``."""
    items: list[T] = []
    errors: list[Exception] = []
    source.subscribe(items.append, errors.append)
    return Outcome(items, errors[0] if errors else None)


def failing(events: Sequence[T], error: Exception) -> Observable[T]:
    """``events``, then ``error``."""
    return reactivex.concat(reactivex.from_iterable(events), reactivex.throw(error))


def replay(outcome: Outcome[T]) -> Observable[T]:
    """An Observable of the items of ``outcome``, then its error if it has one."""
    if outcome.error is not None:
        return failing(outcome.items, outcome.error)
    return reactivex.from_iterable(outcome.items)


# --- a finite event stream ------------------------------------------------------------------


def sample_events() -> list[Event]:
    """A fixed run of four sources, interleaved: a model call that calls a tool (``t1``), a
    tagged subagent's message (``t2``, ns ``agent:1``), the tool's progress (``t3``) and the
    answer (``t4``)."""
    out: list[Event] = []

    def add(event_type: type[Event], task: str, data: Any, **fields: Any) -> None:
        node = "tools" if task == "t3" else "model"
        out.append(
            event_type(data=data, run_id="r", node=node, task_id=task, seq=len(out) + 1, **fields)
        )

    def token(task: str, message: str, text: str, tags: Sequence[str] = (), **chunk: Any) -> None:
        metadata: dict[str, Any] = {"langgraph_node": "model"}
        if tags:
            metadata["tags"] = list(tags)
        data = (AIMessageChunk(content=text, id=message, **chunk), metadata)
        add(MessageEvent, task, data, ns=("agent:1",) if task == "t2" else ())

    head = [{"name": "get_weather", "args": '{"city": "Pa', "id": "call_1", "index": 0}]
    tail = [{"name": None, "args": 'ris"}', "id": None, "index": 0}]
    token("t1", "m1", "Let", tags=["ui"])
    token("t2", "m2", "Hel", tags=["internal"])
    token("t1", "m1", " me")
    token("t1", "m1", " check.")
    token("t1", "m1", "", tool_call_chunks=head)
    token("t2", "m2", "lo", tags=["internal"])
    token("t1", "m1", "", tool_call_chunks=tail, chunk_position="last")
    add(UpdateEvent, "t1", {"model": {"messages": ["Let me check."]}})
    for pct in (0, 25, 50):
        add(CustomEvent, "t3", {"pct": pct})
    token("t2", "m2", " world", tags=["internal"])
    add(CustomEvent, "t3", {"pct": 100})
    tool_message = ToolMessage(content="Sunny", tool_call_id="call_1", id="tm")
    add(MessageEvent, "t3", (tool_message, {"langgraph_node": "tools"}))
    add(UpdateEvent, "t3", {"tools": {"messages": ["Sunny"]}})
    token("t2", "m2", "", tags=["internal"], chunk_position="last")
    add(UpdateEvent, "t2", {"model": {"messages": ["Hello world"]}}, ns=("agent:1",))
    for text in ("It", " is", " sun", "ny", " in", " Paris."):
        token("t4", "m3", text)
    token("t4", "m3", "", chunk_position="last")
    add(UpdateEvent, "t4", {"model": {"messages": ["It is sunny in Paris."]}})
    return out


# --- more agents --------------------------------------------------------------------------


def parallel_agent() -> CompiledStateGraph:
    """Two async tools called at once, each writing progress, then an answer."""

    @tool
    async def search(query: str) -> str:
        """Search the web."""
        writer = get_stream_writer()
        for step in range(3):
            writer({"tool": "search", "step": step})
            await asyncio.sleep(0)
        return f"found {query}"

    @tool
    async def fetch(url: str) -> str:
        """Fetch a page."""
        writer = get_stream_writer()
        for step in range(4):
            writer({"tool": "fetch", "step": step})
            await asyncio.sleep(0)
        return f"fetched {url}"

    calls = [
        {"name": "search", "args": {"query": "rx"}, "id": "call_s"},
        {"name": "fetch", "args": {"url": "https://example.org"}, "id": "call_f"},
    ]
    model = ScriptedModel(
        [AIMessage("Looking both up.", tool_calls=calls), "Both done: rx is at example.org."]
    )
    return create_agent(model, [search, fetch])


MODEL_FAILED = RuntimeError("model failed")
"""The error ``failing_agent``'s second model call raises, mid-stream."""


def failing_agent() -> CompiledStateGraph:
    """The seed agent whose second model call fails with ``MODEL_FAILED`` after ``"It is"``."""
    failure = ScriptedError(MODEL_FAILED, after_chunks=2, partial="It is sunny in Paris.")
    return create_agent(ScriptedModel([LET_ME_CHECK, failure]), [_get_weather()])
