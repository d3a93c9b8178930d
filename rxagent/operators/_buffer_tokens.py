"""``buffer_tokens``: join consecutive token chunks of one message into fewer, larger ones."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from threading import RLock
from typing import Any, Literal, NamedTuple

from reactivex import abc

from rxagent._fast import maker
from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator, text_chunk
from rxagent.messages._foreign import chunk_like, is_langchain_chunk, rxagent_chunk
from rxagent.operators._scheduling import LazyScheduler
from rxagent.operators._stage import Downstream, Stage
from rxagent.operators._types import Operator, SourceKey, source_of

Boundary = Literal["word", "sentence", "line"] | re.Pattern[str]
Test = Callable[[str], bool]
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*\Z")
_BOUNDARIES: dict[str, tuple[Test | None, Test | None]] = {
    "word": (lambda t: t[:1].isspace(), lambda t: t[-1:].isspace()),
    "sentence": (None, lambda t: _SENTENCE_END.search(t) is not None),
    "line": (lambda t: t[:1] == "\n", lambda t: t[-1:] == "\n"),
}
_message_event = maker(MessageEvent)


def buffer_tokens(
    *,
    max_chars: int | None = None,
    max_delay: float | None = None,
    boundary: Boundary | None = None,
    scheduler: abc.SchedulerBase | None = None,
) -> Operator:
    """Join consecutive token chunks of one message, per source, into fewer larger chunks.

    The first chunk of a message passes at once. Later ones are held per source
    ``(run_id, ns, node, task_id)`` and flushed as one chunk (the first held event's fields
    and metadata, the chunks joined into a chunk of its kind: rxagent's, or langchain-core's
    as ``from_langgraph`` streams them) when: another message of the source starts; a
    non-token event of the source arrives (it follows the flush); the held text reaches
    ``max_chars``; the first held chunk is ``max_delay`` seconds old; a ``boundary`` is met
    (``"word"``: before a chunk that starts, after one that ends, with whitespace;
    ``"sentence"``: after ``.!?…``; ``"line"``: around ``"\\n"``; a pattern: before a chunk
    it ``match``es, after one where a match ends at its end); a ``chunk_position="last"``
    chunk; completion or error. With no limit at all a message is held until it ends, so
    give ``max_delay``. Empty chunks are absorbed, never emitted. Other events pass as is.

    Args:
        max_chars: flush once the held text has this many characters.
        max_delay: flush once the first held chunk is this many seconds old.
        boundary: ``"word"``, ``"sentence"``, ``"line"`` or a compiled ``re.Pattern[str]``.
        scheduler: for the timers; default: the subscriber's, else the running loop's.

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range.

    Example:
        >>> import reactivex
        >>> from rxagent.events import MessageEvent
        >>> from rxagent.messages import text_chunk
        >>> texts = ["Hel", "lo", " wor", "ld"]
        >>> tokens = [MessageEvent(data=(text_chunk(t, "m1"), {})) for t in texts]
        >>> _ = reactivex.from_iterable(tokens).pipe(buffer_tokens(boundary="word")).subscribe(
        ...     lambda event: print(repr(event.data[0].text)))
        'Hel'
        'lo'
        ' world'

    ::

        in:   a-b-c-d-------e-x-|      tokens a..e of one message, x: a custom event of
        out:  a----B---d------(Ex)|    the same source; max_delay=3 ticks: B is "bc",
                                       E is "e" flushed before x, (..) at one instant
    """
    _check(max_chars, max_delay)
    rules = _Rules(max_chars or sys.maxsize, max_delay, *_tests(boundary))

    return Stage(
        lambda observer, given: _Buffers(observer, rules, LazyScheduler(scheduler, given)),
        timed=max_delay is not None,
    )


class _Rules(NamedTuple):
    """When to flush: ``limit`` held characters, ``delay`` seconds, boundary tests."""

    limit: int
    delay: float | None
    before: Test | None
    after: Test | None


class _Buffers:
    """One subscription's state: every source's buffer, and the non-empty ones oldest first."""

    def __init__(self, observer: Downstream, rules: _Rules, timing: LazyScheduler) -> None:
        self.observer, self.rules, self.timing = observer, rules, timing
        self.lock = RLock()
        self.sources: dict[SourceKey, _Source] = {}
        self.pending: dict[SourceKey, _Source] = {}  # non-empty buffers, in the order started

    def on_next(self, event: Event) -> None:
        with self.lock:
            if isinstance(event, MessageEvent):
                chunk = event.data[0]
                if isinstance(chunk, AIMessageChunk):
                    self._token(event, chunk)
                    return
                if is_langchain_chunk(chunk):  # from_langgraph's: held as is, read as ours
                    self._token(event, rxagent_chunk(chunk))
                    return
            key = source_of(event)
            state = self.sources.get(key)
            if state is not None:
                self._flush(state)
                if event.mode == "updates":  # the task is over
                    self.sources.pop(key, None)
            self.observer.on_next(event)

    def _token(self, event: MessageEvent, chunk: AIMessageChunk) -> None:
        key = (event.run_id, event.ns, event.node, event.task_id)  # source_of(event), inlined
        state = self.sources.get(key)
        if state is None:
            state = self.sources[key] = _Source(key, chunk.id)
        elif chunk.id != state.message:
            self._flush(state)
            state.message, state.started = chunk.id, False
        content = chunk.content
        if not content and _only_content(chunk):
            if state.events:
                state.events.append(event)
        elif state.started:
            text = content if isinstance(content, str) else chunk.text
            self._hold(state, event, text, chunk.chunk_position == "last")
        else:
            state.started = True
            self.observer.on_next(event)
            if chunk.chunk_position == "last":
                self.sources.pop(key, None)

    def _hold(self, state: _Source, event: MessageEvent, text: str, last: bool) -> None:
        rules = self.rules
        if state.events and rules.before is not None and rules.before(text):
            self._flush(state)
        events = state.events
        events.append(event)
        state.chars += len(text)
        if last:
            self._flush(state)
            self.sources.pop(state.key, None)
        elif state.chars >= rules.limit or (rules.after is not None and rules.after(text)):
            self._flush(state)
        elif len(events) == 1:
            self.pending[state.key] = state
            if rules.delay is not None:
                timer = self.timing.get().schedule_relative(rules.delay, self._due, events)
                state.timer = timer

    def _due(self, _: abc.SchedulerBase, events: list[MessageEvent] | None) -> None:
        """The first chunk of ``events`` is ``max_delay`` old: flush, unless already done."""
        with self.lock:
            state = self.sources.get(source_of(events[0])) if events else None
            if state is not None and state.events is events:
                self._flush(state)

    def _flush(self, state: _Source) -> None:
        events = state.events
        if events:
            state.events, state.chars = [], 0
            self.pending.pop(state.key, None)
            if state.timer is not None:
                state.timer.dispose()
                state.timer = None
            self.observer.on_next(events[0] if len(events) == 1 else _join(events))

    def on_error(self, error: Exception) -> None:
        with self.lock:
            self._flush_all()
            self.observer.on_error(error)

    def on_completed(self) -> None:
        with self.lock:
            self._flush_all()
            self.observer.on_completed()

    def _flush_all(self) -> None:
        for state in list(self.pending.values()):
            self._flush(state)

    def cancel(self) -> None:
        """Dispose the timers and forget the held events."""
        with self.lock:
            for state in self.pending.values():
                state.events = []
                if state.timer is not None:
                    state.timer.dispose()
            self.pending.clear()
            self.sources.clear()


class _Source:
    """One source's state: the message streaming on it and the token events held."""

    __slots__ = ("chars", "events", "key", "message", "started", "timer")

    def __init__(self, key: SourceKey, message: str | None) -> None:
        self.key = key
        self.message = message  # the message id streaming on this source
        self.started = False  # its first non-empty chunk has passed
        self.events: list[MessageEvent] = []
        self.chars = 0
        self.timer: abc.DisposableBase | None = None


def _only_content(chunk: AIMessageChunk) -> bool:
    """The chunk carries nothing but its content: no tool calls, usage, position, metadata."""
    return not (
        chunk.tool_call_chunks
        or chunk.usage_metadata
        or chunk.chunk_position
        or chunk.response_metadata
        or chunk.additional_kwargs
    )


def _join(events: list[MessageEvent]) -> MessageEvent:
    """One event: the first one's fields and metadata, carrying all chunks joined (a
    chunk of the first one's kind: rxagent's or langchain-core's)."""
    joined = _join_texts(events)
    if joined is None:  # the general case: tool calls, usage, metadata, content blocks
        acc = ChunkAccumulator()
        for event in events:
            acc.add(rxagent_chunk(event.data[0]))
        joined = acc.to_chunk()
    first = events[0].data
    fields: dict[str, Any] = events[0].__dict__.copy()
    fields["data"] = (chunk_like(first[0], joined), first[1])
    return _message_event(fields)


def _join_texts(events: list[MessageEvent]) -> AIMessageChunk | None:
    """The fast path: chunks of plain text, joined as ``ChunkAccumulator`` would; or None.

    Only fields that rxagent's and langchain-core's chunks share are read.
    """
    parts = []
    for event in events:
        chunk: AIMessageChunk = event.data[0]  # type: ignore[assignment]
        content = chunk.content
        if type(content) is not str or chunk.name is not None or not _only_content(chunk):
            return None
        parts.append(content)
    return text_chunk("".join(parts), events[0].data[0].id)


def _check(max_chars: object, max_delay: object) -> None:
    """Validate the limits: a wrong type is a TypeError, a wrong value a ValueError."""
    if max_chars is not None:
        if type(max_chars) is not int:
            raise TypeError(f"max_chars must be a positive int or None, got {max_chars!r}")
        if max_chars <= 0:
            raise ValueError(f"max_chars must be a positive int or None, got {max_chars!r}")
    if max_delay is not None:
        if type(max_delay) not in (int, float):
            raise TypeError(f"max_delay must be a positive number or None, got {max_delay!r}")
        if not 0 < max_delay < math.inf:  # type: ignore[operator]
            raise ValueError(f"max_delay must be a positive finite number, got {max_delay!r}")


def _tests(boundary: object) -> tuple[Test | None, Test | None]:
    """The tests for a flush before and after a chunk's text."""
    if boundary is None:
        return None, None
    if isinstance(boundary, str) and boundary in _BOUNDARIES:
        return _BOUNDARIES[boundary]
    if isinstance(boundary, re.Pattern) and isinstance(boundary.pattern, str):
        pattern: re.Pattern[str] = boundary
        return (
            lambda t: pattern.match(t) is not None,
            lambda t: (
                pattern.search(t) is not None
                and any(pattern.fullmatch(t, i) for i in range(len(t) + 1))
            ),
        )
    error = ValueError if isinstance(boundary, str) else TypeError
    raise error(
        f"boundary must be 'word', 'sentence', 'line', a compiled re.Pattern[str] or None, "
        f"got {boundary!r}"
    )
