"""LangChain chat models as rxagent models, and message converters (extra ``langchain``).

``langchain_core`` is imported when a function here needs it, never when ``rxagent`` is
imported, so the core runs without it.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> to_langchain(HumanMessage("hi")).content
    'hi'
"""

from __future__ import annotations

import json
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import aclosing, closing
from typing import Any

from rxagent._context import current_run
from rxagent.integrations._langchain_convert import (
    LangChainInput,
    ModelInput,
    _chunk_from_langchain,
    _reply,
    _to_input,
    add_langchain_messages,
    from_langchain,
    to_langchain,
    to_langchain_messages,
)
from rxagent.messages import AIMessage, AIMessageChunk, BaseMessage, tool_call_chunk
from rxagent.models._sink import label_tokens
from rxagent.tools import Tool
from rxagent.tools._langchain_tool import LangChainTool

__all__ = (
    "LangChainModel",
    "add_langchain_messages",
    "from_langchain",
    "to_langchain",
    "to_langchain_messages",
)


class LangChainModel:
    """Any LangChain ``BaseChatModel`` as an rxagent chat model, called LangChain's way.

    ``invoke`` / ``ainvoke`` / ``stream`` / ``astream`` take what LangChain's take (a string,
    or a list of rxagent or langchain-core messages, dicts, ``(role, content)`` tuples and
    strings), convert rxagent messages to langchain-core's, bind the tools (``bind_tools``,
    when ``tools`` are given and the model supports it) and return rxagent messages: each
    streamed ``langchain_core.messages.AIMessageChunk`` becomes rxagent's, keeping
    ``content``, ``id``, ``tool_call_chunks``, ``usage_metadata``, ``response_metadata`` and
    ``chunk_position``. Text-only chunks take a no-validation fast path.

    ``config`` (callbacks, tags, metadata, ``run_name``...) goes to the LangChain model as
    given; without one, LangChain takes the node task's, so LangChain callback handlers see
    the chat-model run with the node's tags and metadata, as under LangGraph. Inside a
    function node of a run streaming ``messages``, the tokens stream through that config's
    handler, with LangChain's ``ls_*`` metadata (see ``rxagent.graph._callbacks``); a model
    or call tagged ``nostream`` is not streamed.

    Args:
        chat_model: a LangChain chat model (anything with LangChain's ``astream``).

    Example:
        >>> from langchain_core.language_models import GenericFakeChatModel
        >>> model = LangChainModel(GenericFakeChatModel(messages=iter(["hi there"])))
        >>> model.invoke([{"role": "user", "content": "hello"}]).text
        'hi there'
    """

    def __init__(self, chat_model: Any, *, fast_path: bool = True) -> None:
        """Wrap ``chat_model``; ``fast_path=False`` always takes LangChain's own path."""
        self.chat_model = chat_model
        self.fast_path = fast_path
        self._tools: tuple[tuple[Any, ...], Any] = ((), chat_model)
        self._converted: weakref.WeakKeyDictionary[Any, _Conversation] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"LangChainModel({self.chat_model!r})"

    def astream(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream the reply to ``input`` as rxagent ``AIMessageChunk``\\s.

        Closing the iterator (or cancelling the task that iterates it) closes the provider's
        stream, and with it its HTTP response.
        """
        model = self._bound(tools)
        label_tokens(self.ls_params(**kwargs))
        messages = self._input(input)
        raw = self._raw(model, messages, config, kwargs, asynchronous=True)
        if raw is not None:
            chunks: AsyncIterator[AIMessageChunk] = raw  # no layer of our own per chunk
            return chunks
        if self.fast_path:
            from rxagent.integrations._langchain_traced import traced_astream

            traced = traced_astream(model, messages, config, kwargs)
            if traced is not None:
                return traced
        return _langchain_astream(model, messages, config, kwargs)

    def stream(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the reply to ``input`` synchronously."""
        model = self._bound(tools)
        label_tokens(self.ls_params(**kwargs))
        messages = self._input(input)
        raw = self._raw(model, messages, config, kwargs, asynchronous=False)
        if raw is not None:
            with closing(raw) as chunks:
                yield from chunks
            return
        with closing(model.stream(messages, **_call(config, kwargs))) as stream:
            for chunk in stream:
                yield _streamed(chunk)

    def invoke(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Return the reply to ``input`` as one rxagent ``AIMessage``."""
        model = self._bound(tools)
        return _reply(model.invoke(self._input(input), **_call(config, kwargs)))

    async def ainvoke(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Return the reply to ``input`` as one rxagent ``AIMessage``, asynchronously."""
        model = self._bound(tools)
        return _reply(await model.ainvoke(self._input(input), **_call(config, kwargs)))

    def ls_params(self, **kwargs: Any) -> dict[str, Any]:
        """The LangSmith parameters of a call, as langchain-core computes them for it.

        The wrapped model's ``_get_ls_params`` (``ls_provider``, ``ls_model_name``,
        ``ls_model_type``, ``ls_temperature``, ...) for a call with ``kwargs`` on top of
        the ones a ``.bind(...)`` holds; empty for a model without it (not a
        ``BaseChatModel``). ``create_agent`` puts them in the ``messages`` metadata of the
        tokens, as LangGraph does.

        Example:
            >>> from langchain_core.language_models import GenericFakeChatModel
            >>> LangChainModel(GenericFakeChatModel(messages=iter([]))).ls_params()
            {'ls_provider': 'genericfakechatmodel', 'ls_model_type': 'chat'}
        """
        model, call = _unbound(self.chat_model)
        get_ls_params = getattr(model, "_get_ls_params", None)
        if not callable(get_ls_params):
            return {}
        call.update(kwargs)
        stop = call.pop("stop", None)
        params = dict(get_ls_params(stop=stop, **call))
        params.pop("ls_integration", None)  # the chat model run's own, set by the task
        return params

    def _bound(self, tools: Sequence[Any] | None) -> Any:
        """The model with ``tools`` bound (the binding is kept while the tools are the same)."""
        model = self.chat_model
        if not tools or not hasattr(model, "bind_tools"):
            return model
        key = tuple(tools)
        held, bound = self._tools
        if len(held) != len(key) or any(a is not b for a, b in zip(held, key, strict=True)):
            bound = model.bind_tools([_tool_spec(item) for item in key])
            self._tools = (key, bound)
        return bound

    def _raw(
        self,
        model: Any,
        messages: Any,
        config: Mapping[str, Any] | None,
        kwargs: dict[str, Any],
        *,
        asynchronous: bool,
    ) -> Any:
        """The fast path's chunk stream, or ``None`` (see ``_langchain_fast``)."""
        if not self.fast_path:
            return None
        from rxagent.integrations import _langchain_fast as fast

        if asynchronous:
            return fast.raw_astream(model, messages, config, kwargs)
        return fast.raw_stream(model, messages, config, kwargs)

    def _input(self, input: ModelInput) -> Any:
        """LangChain's input: each rxagent message converted once per run.

        Within a run, a call whose messages start with the previous call's (the same
        objects: the state's messages; compared at C speed) converts only the new ones, so
        a call costs the same at round 1,000 as at round 10 (see ``_Conversation``).
        """
        if isinstance(input, str):
            return input
        run = current_run.get()
        if run is None:
            return _to_input(input)
        conversation = self._converted.get(run)
        if conversation is None:
            conversation = self._converted[run] = _Conversation()
        return conversation.convert(list(input))


class _Conversation:
    """One run's conversions: by message identity, and the last call's input and output."""

    __slots__ = ("by_id", "output", "seen")

    def __init__(self) -> None:
        self.by_id: dict[int, tuple[Any, Any]] = {}
        self.seen: list[Any] = []
        self.output = LangChainInput()

    def convert(self, items: list[Any]) -> LangChainInput:
        """``items`` as LangChain's input, reusing the last call's for a common start."""
        known = len(self.seen)
        if known and len(items) >= known and items[:known] == self.seen:
            output = LangChainInput(self.output, plain=self.output.plain)
            output.add([self._one(item) for item in items[known:]])
        else:
            output = LangChainInput()
            output.add([self._one(item) for item in items])
        self.seen, self.output = items, output
        return output

    def _one(self, item: Any) -> Any:
        return _cached(self.by_id, item) if isinstance(item, BaseMessage) else item


def _cached(cache: dict[int, tuple[Any, Any]], message: BaseMessage) -> Any:
    """``message`` as langchain-core's, converted on its first use in the run.

    Keyed by identity (the state's messages are the same objects from one model call to the
    next); the entry holds the message, so its id is not reused while the run lives.
    """
    entry = cache.get(id(message))
    if entry is None or entry[0] is not message:
        entry = cache[id(message)] = (message, to_langchain(message))
    return entry[1]


def _unbound(model: Any) -> tuple[Any, dict[str, Any]]:
    """The chat model under ``.bind(...)`` bindings, and the call keywords they hold."""
    kwargs: dict[str, Any] = {}
    while (inner := getattr(model, "bound", None)) is not None:
        bound_kwargs = getattr(model, "kwargs", None)
        if not isinstance(bound_kwargs, Mapping):
            break
        kwargs = {**bound_kwargs, **kwargs}
        model = inner
    return model, kwargs


def _call(config: Mapping[str, Any] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a call: ``config`` only when given (duck-typed models)."""
    return kwargs if config is None else {"config": dict(config), **kwargs}


async def _langchain_astream(
    model: Any, messages: Any, config: Mapping[str, Any] | None, kwargs: dict[str, Any]
) -> AsyncIterator[AIMessageChunk]:
    """LangChain's own ``astream``, its chunks converted."""
    async with aclosing(model.astream(messages, **_call(config, kwargs))) as stream:
        async for chunk in stream:
            yield _streamed(chunk)


def _streamed(chunk: Any) -> AIMessageChunk:
    """A streamed chunk as rxagent's; a whole ``AIMessage`` (what LangChain's ``astream``
    yields when the model does not stream) as one closing chunk of the same message."""
    if getattr(chunk, "type", None) != "ai":
        return _chunk_from_langchain(chunk)
    reply = _reply(chunk)
    pieces = [
        tool_call_chunk(call["name"], json.dumps(call["args"]), call.get("id"), index)
        for index, call in enumerate(reply.tool_calls)
    ]
    pieces += [
        tool_call_chunk(call.get("name"), call.get("args"), call.get("id"), len(pieces) + index)
        for index, call in enumerate(reply.invalid_tool_calls)
    ]
    return AIMessageChunk(
        reply.content,
        id=reply.id,
        name=reply.name,
        tool_call_chunks=pieces,
        usage_metadata=reply.usage_metadata,
        response_metadata=reply.response_metadata,
        additional_kwargs=reply.additional_kwargs,
        chunk_position="last",
    )


def _tool_spec(item: Any) -> Any:
    """What ``bind_tools`` takes for ``item``: a wrapped LangChain tool as itself, an rxagent
    ``Tool`` as an OpenAI-style function dict, anything else (LangChain tools, functions,
    pydantic classes, dicts) as given, for LangChain to convert."""
    if isinstance(item, LangChainTool):
        return item.base
    if isinstance(item, Tool):
        return {"type": "function", "function": dict(item.tool_call_schema())}
    return item
