"""``final_answer``: only the tokens of model calls that made no tool call."""

from __future__ import annotations

from typing import Any

from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk
from rxagent.messages._foreign import is_langchain_chunk, rxagent_chunk
from rxagent.operators._stage import Downstream, Stage
from rxagent.operators._types import Operator, source_of


class _Call:
    """One model call (one message id) of one source: its held tokens and what it did."""

    __slots__ = ("held", "message_id", "tool_calls")

    def __init__(self, message_id: str | None) -> None:
        self.message_id = message_id
        self.held: list[Event] = []
        self.tool_calls = False


def final_answer(*, eager: bool = False) -> Operator:
    """Keep only the answer tokens: those of model calls that made no tool call.

    A model call's text may come before its tool calls ("Let me check." then a call), so by
    default the tokens of a call are held until the call is known to be an answer: its
    ``chunk_position="last"`` chunk, its task's next event other than ``custom`` progress
    (its update), or the end of the stream. Calls that make a tool call are dropped whole.
    ``eager=True`` streams text at once instead and stops a call at its first tool-call
    chunk: no delay, but the text a model writes before calling a tool gets through. Only
    token events come out, as they came in: rxagent's chunks or langchain-core's (as
    ``from_langgraph`` streams them).

    Example:
        >>> from rxagent import operators as ops
        >>> answer_tokens = ops.final_answer()

    ::

        in:   -a-b-[call]-L-----x-y-L-|     a, b: text; [call]: a tool-call chunk; L: last
        out:  ----------------------xy|      final_answer()
        out:  -a-b------------x-y-L---|      final_answer(eager=True)
    """
    return Stage(lambda observer, _: _Calls(observer, eager))


class _Calls:
    """The model calls in flight, one per source, for one subscription."""

    __slots__ = ("_calls", "_eager", "_observer")

    def __init__(self, observer: Downstream, eager: bool) -> None:
        self._observer = observer
        self._eager = eager
        self._calls: dict[Any, _Call] = {}

    def on_next(self, event: Event) -> None:
        if type(event) is MessageEvent:
            chunk = event.data[0]
            if type(chunk) is AIMessageChunk:
                self._token(event, chunk)
                return
            if is_langchain_chunk(chunk):  # from_langgraph's: read as rxagent's, passed as is
                self._token(event, rxagent_chunk(chunk))
                return
        if event.mode != "custom" and source_of(event) in self._calls:
            self._release(source_of(event))  # the call's task moved on: its update

    def on_error(self, error: Exception) -> None:
        self._observer.on_error(error)  # held tokens are not known to be an answer: dropped

    def on_completed(self) -> None:
        for key in list(self._calls):
            self._release(key)
        self._observer.on_completed()

    def cancel(self) -> None:
        """Forget the calls in flight."""
        self._calls.clear()

    def _token(self, event: MessageEvent, chunk: AIMessageChunk) -> None:
        key = source_of(event)
        call = self._calls.get(key)
        if call is not None and call.message_id != chunk.id:
            self._release(key)
            call = None
        if call is None:
            call = self._calls[key] = _Call(chunk.id)
        if chunk.tool_call_chunks or chunk.tool_calls:
            call.tool_calls = True
            call.held.clear()
        elif not call.tool_calls:
            if self._eager:
                self._observer.on_next(event)
            else:
                call.held.append(event)
        if chunk.chunk_position == "last":
            self._release(key)

    def _release(self, key: Any) -> None:
        call = self._calls.pop(key, None)
        if call is not None and not call.tool_calls:
            for event in call.held:
                self._observer.on_next(event)
