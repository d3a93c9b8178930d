"""One script, two chat models: rxagent's ``ScriptedModel`` and a LangChain fake that streams
exactly the same chunks (word tokens, two ``tool_call_chunks`` per call, a last chunk with
usage), so that a difference in the outputs is the runtime's, not the model's.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

import rxagent.messages as rx
from rxagent import ScriptedError, ScriptedModel

_TOKEN = re.compile(r"\s*\S+|\s+")
MODEL_NAME = "scripted"


@dataclass(frozen=True)
class Reply:
    """One scripted model reply: text, tool calls ``(name, args, id)``, or a failure."""

    text: str = ""
    calls: tuple[tuple[str, dict[str, Any], str], ...] = ()
    error: Exception | None = None
    """Raised after ``after_chunks`` chunks of the reply have streamed."""
    after_chunks: int = 0


Script = Sequence[Reply]


def scripted_model(script: Script) -> ScriptedModel:
    """rxagent's ``ScriptedModel`` replaying ``script``."""
    replies: list[rx.AIMessage | str | ScriptedError] = []
    for reply in script:
        calls = [{"name": n, "args": a, "id": i, "type": "tool_call"} for n, a, i in reply.calls]
        message = rx.AIMessage(reply.text, tool_calls=calls)
        if reply.error is None:
            replies.append(message)
        else:
            replies.append(ScriptedError(reply.error, reply.after_chunks, message))
    return ScriptedModel(replies, name=MODEL_NAME)


def _split_args(args: dict[str, Any]) -> tuple[str, str]:
    text = json.dumps(args)
    if not args:
        return text[:1], text[1:]
    head = 1 + len(json.dumps(next(iter(args)))) + 2
    return text[:head], text[head:]


def _chunks(reply: Reply, input_tokens: int) -> Iterator[AIMessageChunk]:
    tokens = _TOKEN.findall(reply.text)
    for token in tokens:
        yield AIMessageChunk(content=token)
    for index, (name, args, call_id) in enumerate(reply.calls):
        head, rest = _split_args(args)
        first = {"name": name, "args": head, "id": call_id, "index": index}
        yield AIMessageChunk(content="", tool_call_chunks=[first])
        second = {"name": None, "args": rest, "id": None, "index": index}
        yield AIMessageChunk(content="", tool_call_chunks=[second])
    streamed = len(tokens) + 2 * len(reply.calls)
    yield AIMessageChunk(
        content="",
        chunk_position="last",
        usage_metadata={
            "input_tokens": input_tokens,
            "output_tokens": streamed,
            "total_tokens": input_tokens + streamed,
        },
        response_metadata={
            "finish_reason": "tool_calls" if reply.calls else "stop",
            "model_name": MODEL_NAME,
        },
    )


class ChatScripted(BaseChatModel):
    """A LangChain chat model streaming ``script`` as ``ScriptedModel`` streams it.

    The reply is chosen as ``ScriptedModel`` chooses it: by how many of this model's own
    replies (recognised by id) the conversation already holds. Its LangSmith params, which
    LangGraph copies into ``messages`` metadata, are langchain-core's defaults for this class:
    ``ls_provider="scripted"`` (the class name without ``Chat``), ``ls_model_name`` from
    ``model``, ``ls_model_type="chat"``, ``ls_temperature`` from ``temperature``: what
    ``ScriptedModel(name="scripted")``, a deterministic chat model, is expected to report.
    """

    script: list[Reply]
    model: str = MODEL_NAME
    temperature: float = 0.0
    _own: set[str] = PrivateAttr(default_factory=set)

    @property
    def _llm_type(self) -> str:
        return "conformance-fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _reply(self, messages: list[BaseMessage]) -> Iterator[AIMessageChunk]:
        turn = sum(1 for message in messages if message.id in self._own)
        reply = self.script[turn]
        input_tokens = sum(len(message.text.split()) for message in messages)
        chunks = _chunks(reply, input_tokens)
        if reply.error is None:
            yield from chunks
            return
        for _, chunk in zip(range(reply.after_chunks), chunks, strict=False):
            yield chunk
        raise reply.error

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._reply(messages):
            generation = ChatGenerationChunk(message=chunk)
            yield generation
            self._own.add(str(generation.message.id))  # langchain-core set it meanwhile

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._reply(messages):
            generation = ChatGenerationChunk(message=chunk)
            yield generation
            self._own.add(str(generation.message.id))  # langchain-core set it meanwhile

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        total: Any = None
        for chunk in self._reply(messages):
            total = chunk if total is None else total + chunk
        total.id = f"lc_run--{run_manager.run_id}" if run_manager else None
        self._own.add(str(total.id))
        fields = total.model_dump(exclude={"type", "tool_call_chunks", "chunk_position"})
        return ChatResult(generations=[ChatGeneration(message=AIMessage(**fields))])


def fake_chat_model(script: Script) -> ChatScripted:
    """A fresh LangChain fake model replaying ``script``."""
    return ChatScripted(script=list(script))
