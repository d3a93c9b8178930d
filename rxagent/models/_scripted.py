"""``ScriptedModel``: replays scripted replies as realistic chunk streams."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any
from uuid import uuid4

from rxagent._context import current_run
from rxagent._uuid import uuid4_str
from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChunkAccumulator,
    ContentBlock,
    ToolCallChunk,
    UsageMetadata,
    convert_to_messages,
    text_chunks,
    tool_call_chunk,
)
from rxagent.messages._ai import last_chunk
from rxagent.models._protocol import ModelInput
from rxagent.models._sink import label_tokens, streaming_sink

_TOKEN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class Latency:
    """Simulated timing of a model: time to first token, then time per token.

    Each delay gets an extra uniform random ``[0, jitter]`` seconds, from a generator seeded
    with ``seed`` (``None``: unseeded).

    Example:
        >>> Latency(first_token=0.3, per_token=0.02, jitter=0.005, seed=1).per_token
        0.02
    """

    first_token: float = 0.0
    """Seconds before the first chunk."""
    per_token: float = 0.0
    """Seconds between two chunks."""
    jitter: float = 0.0
    """Upper bound of the random extra delay added to each delay."""
    seed: int | None = None
    """Seed of the jitter's random generator."""

    def __post_init__(self) -> None:
        """Reject negative delays."""
        for name in ("first_token", "per_token", "jitter"):
            if getattr(self, name) < 0:
                raise ValueError(f"Latency.{name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class ScriptedError:
    """A scripted failure: stream ``after_chunks`` chunks of ``partial``, then raise ``error``.

    Example:
        >>> ScriptedError(TimeoutError("model timed out"), after_chunks=2, partial="It is")
        ScriptedError(error=TimeoutError('model timed out'), after_chunks=2, partial='It is')
    """

    error: BaseException
    """The exception the stream raises."""
    after_chunks: int = 0
    """How many chunks of ``partial`` to stream first."""
    partial: AIMessage | str | None = None
    """The reply whose chunks stream before the error."""

    def __post_init__(self) -> None:
        """Check that ``after_chunks`` can be served."""
        if self.after_chunks < 0:
            raise ValueError(f"after_chunks must be >= 0, got {self.after_chunks}")
        if self.after_chunks and self.partial is None:
            raise ValueError("after_chunks > 0 needs a partial reply to stream")


@dataclass(frozen=True, slots=True)
class _Plan:
    """One scripted reply, pre-split into what its chunks carry."""

    tokens: tuple[str, ...]
    blocks: tuple[ContentBlock, ...]
    tool_pieces: tuple[ToolCallChunk, ...]
    message: AIMessage
    limit: int | None
    error: BaseException | None


class ScriptedModel:
    """A chat model that replays scripted replies, streamed as LangChain models stream them.

    The reply to a call is the script's entry for the model's turn in the conversation:
    how many of this model's own replies (recognised by id: their uuid ends with a tag
    drawn for this model, so the model keeps no set of them) are already in the messages it
    receives (0 for the first call of a run, 1 after one tool round trip, ...). So one model
    serves any number of runs of an agent, one after the other or at once, each starting
    from the first reply. A reply
    streams as word tokens (``"Let"``, ``" me"``,
    ``" check."``: whitespace kept, so the text joins back exactly), then two
    ``tool_call_chunks`` per tool call (name, id and the head of the args JSON, then the
    rest), then an empty last chunk (``chunk_position="last"``) with ``usage_metadata``
    (input tokens: words of the input; output tokens: chunks streamed before it; unless the
    scripted message has its own usage). All chunks of a call share the id
    ``run-<uuid4>``; tool calls without an id get ``call_<n>`` (``n`` counts the tool
    calls of the script from 1). Without ``latency`` the stream never awaits.

    Args:
        responses: the replies, in order: an ``AIMessage``, a ``str`` (an AIMessage with
            that content), or a ``ScriptedError``.
        latency: simulated timing, slept with ``asyncio.sleep`` (``time.sleep`` in
            ``stream``).
        name: the model name, reported as ``response_metadata["model_name"]``.
        call_log: how many calls :attr:`calls` keeps (the last ones); ``None``: all of
            them, which grows with every call of every run (for tests that need it).

    Within a run, a call reads only the messages that are new since the model's previous
    call in that run (the conversation before is the same objects), so a call costs the
    same at round 1,000 as at round 10.

    Example:
        >>> model = ScriptedModel([
        ...     AIMessage("Let me check.", tool_calls=[
        ...         {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}]),
        ...     "It is sunny in Paris.",
        ... ])
        >>> question = HumanMessage("Weather in Paris?")
        >>> [c.content for c in model.stream([question])][:3]
        ['Let', ' me', ' check.']
        >>> first = model.invoke([question])
        >>> model.invoke([question, first]).text
        'It is sunny in Paris.'
    """

    def __init__(
        self,
        responses: Sequence[AIMessage | str | ScriptedError],
        *,
        latency: Latency | None = None,
        name: str = "scripted",
        call_log: int | None = 16,
    ) -> None:
        """Pre-split every reply into tokens and tool-call pieces."""
        if call_log is not None and call_log < 0:
            raise ValueError(f"call_log must be >= 0 or None, got {call_log}")
        self.name = name
        self.latency = latency
        self.calls: deque[list[BaseMessage]] = deque(maxlen=call_log)
        """The messages of the last ``call_log`` calls, in call order (``calls[-1]``: the
        latest)."""
        self.call_count = 0
        """How many calls were made."""
        self._random = random.Random(None if latency is None else latency.seed)
        self._tool_calls_seen = 0
        self._tag = f"-{uuid4().hex[-12:]}"
        """The end of this model's reply ids."""
        self._read: weakref.WeakKeyDictionary[Any, tuple[list[BaseMessage], int, int]] = (
            weakref.WeakKeyDictionary()
        )
        """Per run: the messages of its last call, their model turn and input tokens."""
        self._plans = [self._plan(response) for response in responses]

    def __repr__(self) -> str:
        """Show the name and how much of the script is used."""
        replies, calls = len(self._plans), self.call_count
        return f"ScriptedModel(name={self.name!r}, replies={replies}, calls={calls})"

    def ls_params(self) -> dict[str, Any]:
        """LangSmith's parameters of this model, as a LangChain chat model reports them.

        What langchain-core's defaults give a LangChain chat model class named
        ``ChatScripted`` with ``model=name`` and ``temperature=0.0`` (a script is
        deterministic); ``create_agent`` puts them in the ``messages`` metadata of the
        tokens, as LangGraph does a chat model's.

        Example:
            >>> ScriptedModel(["Hi"], name="demo").ls_params()["ls_model_name"]
            'demo'
        """
        return {
            "ls_provider": "scripted",
            "ls_model_name": self.name,
            "ls_model_type": "chat",
            "ls_temperature": 0.0,
        }

    async def astream(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream the next scripted reply; ``tools`` is accepted and ignored.

        Takes what LangChain's chat models take: a string, or a list of messages, dicts,
        ``(role, content)`` tuples and strings. Inside a function node of a run streaming
        ``messages`` the chunks also stream there (unless ``config`` is tagged
        ``nostream``), as a LangChain model's do under LangGraph.

        Raises:
            RuntimeError: every scripted reply has been used.
            BaseException: the error of a ``ScriptedError`` reply, after its chunks.

        Example:
            >>> async def main() -> str:
            ...     return "".join([c.text async for c in ScriptedModel(["Hi there"]).astream([])])
            >>> asyncio.run(main())
            'Hi there'
        """
        chunks = self._start(input)
        label_tokens(self.ls_params())
        sink = streaming_sink(config)
        delays = None if self.latency is None else self._delays(self.latency)
        for chunk in chunks:
            if delays is not None:
                await asyncio.sleep(next(delays))
            if sink is not None:
                await sink.token(chunk)
            yield chunk

    def stream(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
    ) -> Iterator[AIMessageChunk]:
        """Stream the next scripted reply synchronously (latency with ``time.sleep``).

        Example:
            >>> "".join(c.text for c in ScriptedModel(["Hi there"]).stream("hello"))
            'Hi there'
        """
        chunks = self._start(input)
        label_tokens(self.ls_params())
        sink = streaming_sink(config)
        delays = None if self.latency is None else self._delays(self.latency)
        for chunk in chunks:
            if delays is not None:
                time.sleep(next(delays))
            if sink is not None:
                sink.token(chunk)
            yield chunk

    def invoke(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
    ) -> AIMessage:
        """Return the next scripted reply as one ``AIMessage`` (its id is the call id).

        Inside a function node its chunks stream first, as ``stream``'s do; the node may
        return the reply: its id was streamed, so it is not emitted again.

        Example:
            >>> ScriptedModel(["Hi"]).invoke([{"role": "user", "content": "hello"}]).id[:4]
            'run-'
        """
        acc = ChunkAccumulator()
        for chunk in self.stream(input, config, tools=tools):
            acc.add(chunk)
        return acc.to_message()

    async def ainvoke(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
    ) -> AIMessage:
        """Return the next scripted reply as one ``AIMessage``, asynchronously.

        Example:
            >>> asyncio.run(ScriptedModel(["Hi"]).ainvoke("hello")).content
            'Hi'
        """
        acc = ChunkAccumulator()
        async for chunk in self.astream(input, config, tools=tools):
            acc.add(chunk)
        return acc.to_message()

    def _start(self, input: ModelInput) -> Iterator[AIMessageChunk]:
        """Record the call and return the chunks of the reply for this turn."""
        messages, turn, input_tokens = self._conversation(input)
        self.calls.append(messages)
        self.call_count += 1
        if turn >= len(self._plans):
            raise RuntimeError(
                f"ScriptedModel {self.name!r}: the script is exhausted: {len(self._plans)} "
                f"responses were scripted and the conversation is at model turn {turn + 1} "
                f"({turn} of its replies are in the conversation)"
            )
        reply_id = f"run-{uuid4_str()[:-12]}{self._tag[1:]}"
        return self._chunks(self._plans[turn], reply_id, input_tokens)

    def _conversation(self, input: ModelInput) -> tuple[list[BaseMessage], int, int]:
        """The messages of a call, the model's turn and the input tokens.

        Inside a run, when the call's messages start with the previous call's (the same
        objects, compared at C speed, or equal ones), only the new ones are read.
        """
        run = current_run.get()
        last = None if run is None else self._read.get(run)
        if last is not None and type(input) is list:
            seen, turn, tokens = last
            if len(input) >= len(seen) and input[: len(seen)] == seen:
                new = convert_to_messages(input[len(seen) :])
                messages = seen + new
                turn, tokens = turn + self._own(new), tokens + _words(new)
                self._read[run] = (messages, turn, tokens)
                return messages, turn, tokens
        messages = convert_to_messages(input)
        turn, tokens = self._own(messages), _words(messages)
        if run is not None:
            self._read[run] = (messages, turn, tokens)
        return messages, turn, tokens

    def _own(self, messages: list[BaseMessage]) -> int:
        """How many of ``messages`` are replies of this model."""
        tag = self._tag
        return sum(1 for m in messages if m.id is not None and m.id.endswith(tag))

    def _chunks(self, plan: _Plan, run_id: str, input_tokens: int) -> Iterator[AIMessageChunk]:
        """The chunks of ``plan``, then its error if it has one."""
        chunks = _all_chunks(plan, run_id, input_tokens, self.name)
        if plan.limit is None and plan.error is None:
            return chunks  # no generator around it: one layer less per token
        return _cut(chunks, plan.limit, plan.error)

    def _delays(self, latency: Latency) -> Iterator[float]:
        """The delay before each chunk: first token, then per token, each with jitter."""
        jitter, uniform = latency.jitter, self._random.uniform
        yield latency.first_token + (uniform(0.0, jitter) if jitter else 0.0)
        while True:
            yield latency.per_token + (uniform(0.0, jitter) if jitter else 0.0)

    def _plan(self, response: AIMessage | str | ScriptedError) -> _Plan:
        """Pre-split one scripted response."""
        if isinstance(response, ScriptedError):
            partial = response.partial
            plan = self._plan(AIMessage("") if partial is None else partial)
            return replace(plan, limit=response.after_chunks, error=response.error)
        message = AIMessage(response) if isinstance(response, str) else response
        content = message.content
        pieces: list[ToolCallChunk] = []
        for index, call in enumerate(message.tool_calls):
            self._tool_calls_seen += 1
            call_id = call["id"] or f"call_{self._tool_calls_seen}"
            head, rest = _split_args(call["args"])
            pieces.append(tool_call_chunk(call["name"], head, call_id, index))
            pieces.append(tool_call_chunk(None, rest, None, index))
        return _Plan(
            tokens=tuple(_TOKEN.findall(content)) if isinstance(content, str) else (),
            blocks=() if isinstance(content, str) else tuple(content),
            tool_pieces=tuple(pieces),
            message=message,
            limit=None,
            error=None,
        )


def _cut(
    chunks: Iterator[AIMessageChunk], limit: int | None, error: BaseException | None
) -> Iterator[AIMessageChunk]:
    """The first ``limit`` of ``chunks`` (all if ``None``), then ``error`` if there is one."""
    if limit is not None:
        for _, chunk in zip(range(limit), chunks, strict=False):
            yield chunk
    else:
        yield from chunks
    if error is not None:
        raise error


def _all_chunks(
    plan: _Plan, run_id: str, input_tokens: int, model_name: str
) -> Iterator[AIMessageChunk]:
    """Every chunk of a reply: text tokens, content blocks, tool-call pieces, the last.

    The tokens come straight from ``text_chunks`` (``chain`` is C): one generator, not two,
    resumed per token.
    """
    return chain(
        text_chunks(plan.tokens, run_id), _after_text(plan, run_id, input_tokens, model_name)
    )


def _after_text(
    plan: _Plan, run_id: str, input_tokens: int, model_name: str
) -> Iterator[AIMessageChunk]:
    """The chunks of a reply after its text tokens: content blocks, tool-call pieces, the last."""
    for block in plan.blocks:
        yield AIMessageChunk([block], id=run_id)
    for piece in plan.tool_pieces:
        yield AIMessageChunk("", id=run_id, tool_call_chunks=[piece.copy()])
    message = plan.message
    streamed = len(plan.tokens) + len(plan.blocks) + len(plan.tool_pieces)
    usage: UsageMetadata = message.usage_metadata or {
        "input_tokens": input_tokens,
        "output_tokens": streamed,
        "total_tokens": input_tokens + streamed,
    }
    metadata = message.response_metadata or {
        "finish_reason": "tool_calls" if plan.tool_pieces else "stop",
        "model_name": model_name,
    }
    yield last_chunk(run_id, usage, metadata, message.additional_kwargs)


def _words(messages: list[BaseMessage]) -> int:
    """The input tokens of ``messages``: their words."""
    return sum(len(message.text.split()) for message in messages)


def _split_args(args: dict[str, Any]) -> tuple[str, str]:
    """Split the JSON of ``args`` after the first key, as ``'{"city": '`` + ``'"Paris"}'``."""
    text = json.dumps(args)
    if not args:
        return text[:1], text[1:]
    head = 1 + len(json.dumps(next(iter(args)))) + 2
    return text[:head], text[head:]
