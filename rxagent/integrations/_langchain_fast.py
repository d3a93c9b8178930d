"""The fast path of a LangChain chat model: its raw chunk stream, when nothing else would see more.

``BaseChatModel.astream`` wraps the provider's ``_astream`` in LangChain's per-chunk
machinery: a callback run (``on_chat_model_start``, ``on_llm_new_token`` per chunk,
``on_llm_end`` with every chunk merged, which keeps every chunk until the end), the
``response_metadata`` merge, ``lc_run--`` ids and a closing ``chunk_position="last"`` chunk.
When no callback handler is configured (after LangChain's own ``configure`` step, which also
adds the tracers that the environment turns on), no rate limiter is set, the model has a
native ``_astream`` (or ``_stream``) and streaming is not disabled, nobody observes the
callback run: :func:`raw_astream` / :func:`raw_stream` then iterate the provider's chunks and
do, per chunk, only what the caller sees (id, ``response_metadata``, the closing chunk), and
convert each to rxagent's. Anything else (``output_version="v1"``, a binding that carries a
config, a model that is not a ``BaseChatModel``, a ``langchain-core`` outside the tested
range) returns ``None``, and the caller takes LangChain's normal path.

This relies on ``langchain-core`` internals (``_astream``, ``_should_stream``,
``_convert_input``, ``_gen_info_and_msg_metadata``, ``_normalize_messages``):
:data:`TESTED` is the range the tests compare both paths on.

Example:
    >>> from langchain_core.language_models import GenericFakeChatModel
    >>> model = GenericFakeChatModel(messages=iter(["hi there"]))
    >>> [chunk.text for chunk in raw_stream(model, "hello", None, {})]
    ['hi', ' ', 'there']
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import aclosing
from typing import Any, cast

from langchain_core import __version__ as _LANGCHAIN_CORE
from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models._utils import _normalize_messages
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.runnables import RunnableBinding
from langchain_core.runnables.config import ensure_config
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7

from rxagent.integrations._langchain_convert import LangChainInput, _chunk_from_langchain
from rxagent.messages import AIMessageChunk, text_chunk

__all__ = (
    "TESTED",
    "closing",
    "converted",
    "in_tested_range",
    "messages_of",
    "raw_astream",
    "raw_stream",
    "unbind",
)

TESTED = ((1, 8), (1, 9))
"""The ``langchain-core`` versions (from, to excluded) whose internals the fast path uses."""

_TRACING_ONLY = ("ls_structured_output_format", "structured_output_format")


def in_tested_range(version: str) -> bool:
    """Whether ``version`` of ``langchain-core`` is in the range the fast path was tested on.

    Example:
        >>> in_tested_range("1.8.3"), in_tested_range("2.0.0")
        (True, False)
    """
    parts = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return TESTED[0] <= parts < TESTED[1]


_ENABLED = in_tested_range(_LANGCHAIN_CORE)


def raw_astream(
    runnable: Any, input: Any, config: Mapping[str, Any] | None, kwargs: Mapping[str, Any]
) -> AsyncIterator[AIMessageChunk] | None:
    """The chunks of ``runnable.astream(input, config, **kwargs)`` from the provider's own
    ``_astream``, converted to rxagent's; ``None`` when LangChain's path is needed."""
    call = _eligible(runnable, config, kwargs, asynchronous=True)
    if call is None:
        return None
    model, options, run_id = call
    return _araw(model, input, options, run_id)


def raw_stream(
    runnable: Any, input: Any, config: Mapping[str, Any] | None, kwargs: Mapping[str, Any]
) -> Iterator[AIMessageChunk] | None:
    """The chunks of ``runnable.stream(input, config, **kwargs)`` from the provider's own
    ``_stream``, converted to rxagent's; ``None`` when LangChain's path is needed."""
    call = _eligible(runnable, config, kwargs, asynchronous=False)
    if call is None:
        return None
    model, options, run_id = call
    return _raw(model, input, options, run_id)


def _eligible(
    runnable: Any,
    config: Mapping[str, Any] | None,
    kwargs: Mapping[str, Any],
    *,
    asynchronous: bool,
) -> tuple[BaseChatModel, dict[str, Any], str] | None:
    """The model, its call keywords and the chunks' default id, if nothing observes the run."""
    unbound = unbind(runnable, kwargs, asynchronous=asynchronous)
    if unbound is None:
        return None
    model, options = unbound
    if model.rate_limiter is not None:
        return None
    settings = ensure_config(cast(Any, config))
    manager = (AsyncCallbackManager if asynchronous else CallbackManager).configure(
        settings.get("callbacks"),
        model.callbacks,
        model.verbose,
        settings.get("tags"),
        model.tags,
        settings.get("metadata"),
        model.metadata,
    )
    if manager.handlers:
        return None
    for key in _TRACING_ONLY:
        options.pop(key, None)
    run_id = settings.get("run_id") or uuid7()
    return model, options, f"{LC_ID_PREFIX}-{run_id}"


def unbind(
    runnable: Any, kwargs: Mapping[str, Any], *, asynchronous: bool
) -> tuple[BaseChatModel, dict[str, Any]] | None:
    """The chat model under ``runnable``'s bindings and the call's keywords (bound ones
    included), if its raw chunk stream may be iterated here; ``None`` for LangChain's path:
    a ``langchain-core`` outside :data:`TESTED`, a binding with a config, not a
    ``BaseChatModel``, ``output_version="v1"``, no native stream, streaming disabled."""
    if not _ENABLED:
        return None
    options = dict(kwargs)
    model = runnable
    while isinstance(model, RunnableBinding):
        if model.config or model.config_factories:
            return None
        options = {**model.kwargs, **options}
        model = model.bound
    if not isinstance(model, BaseChatModel):
        return None
    if model.output_version == "v1" or not _native(model, asynchronous=asynchronous):
        return None
    if not model._should_stream(async_api=asynchronous, **{**options, "stream": True}):
        return None
    return model, options


def _native(model: BaseChatModel, *, asynchronous: bool) -> bool:
    kind = type(model)
    if asynchronous:
        return kind._astream is not BaseChatModel._astream
    return kind._stream is not BaseChatModel._stream


async def _araw(
    model: BaseChatModel, input: Any, options: dict[str, Any], run_id: str
) -> AsyncIterator[AIMessageChunk]:
    messages = messages_of(model, input)
    last: AIMessageChunk | None = None
    stream: Any = model._astream(messages, **options)
    async with aclosing(stream) as chunks:
        async for chunk in chunks:
            last = converted(chunk, run_id)
            yield last
    if last is None:
        raise ValueError("No generation chunks were returned")
    if last.chunk_position is None:
        yield closing(last, run_id)


def _raw(
    model: BaseChatModel, input: Any, options: dict[str, Any], run_id: str
) -> Iterator[AIMessageChunk]:
    messages = messages_of(model, input)
    last: AIMessageChunk | None = None
    stream = model._stream(messages, **options)
    try:
        for chunk in stream:
            last = converted(chunk, run_id)
            yield last
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    if last is None:
        raise ValueError("No generation chunks were returned")
    if last.chunk_position is None:
        yield closing(last, run_id)


def messages_of(model: BaseChatModel, input: Any) -> list[Any]:
    """The messages ``astream`` would send: LangChain's coercion and normalisation, skipped
    for a ``LangChainInput`` they would return unchanged (O(1) in the conversation)."""
    if type(input) is LangChainInput and input.plain:
        return list(input)
    return _normalize_messages(model._convert_input(input).to_messages())


def converted(chunk: Any, run_id: str) -> AIMessageChunk:
    """What ``astream`` yields for ``chunk``, as rxagent's: its id, its merged metadata.

    A text-only chunk becomes rxagent's without touching the provider's (pydantic
    attribute assignment costs more than the conversion).
    """
    message = chunk.message
    if chunk.generation_info:
        message.response_metadata = _gen_info_and_msg_metadata(chunk)
    fields = message.__dict__  # read as a dict: faster than the attributes, same values
    content = fields["content"]
    if (
        type(content) is str
        and not fields["tool_call_chunks"]
        and fields["usage_metadata"] is None
        and fields["chunk_position"] is None
        and not fields["response_metadata"]
        and not fields["additional_kwargs"]
    ):
        return text_chunk(content, fields["id"] or run_id)
    if message.id is None:
        message.id = run_id
    return _chunk_from_langchain(message)


def closing(last: AIMessageChunk, run_id: str) -> AIMessageChunk:
    """LangChain's closing chunk: empty content of the last chunk's kind, ``"last"``."""
    content: Any = "" if isinstance(last.content, str) else []
    return AIMessageChunk(content, id=run_id, chunk_position="last")
