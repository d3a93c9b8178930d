"""LangChain's ``astream`` for a traced call, its token events handed over in line.

With a callback handler configured (LangSmith's tracer, a ``collect_runs()`` collector, any
handler in the run config), LangChain's per-chunk machinery is observed and the fast path
steps aside. ``BaseChatModel.astream`` then sends every token through its async callback
manager: a coroutine per handler, an ``asyncio.gather`` and a future per token, although a
handler that LangChain runs in line (``run_inline``, as LangSmith's ``LangChainTracer``) is
just called. :func:`traced_astream` is that method, step for step: the same
``on_chat_model_start`` (same serialized model, messages, invocation parameters, options,
tags and metadata), the same id, metadata and closing chunk on each chunk, the chunks
merged for ``on_llm_end`` (or ``on_llm_error``); only when every handler is one LangChain
calls in line does it call their ``on_llm_new_token`` directly, with the same arguments
and the same error handling (a warning, re-raised for ``raise_error``). It also leaves a
chunk's ``response_metadata`` alone when the provider gave no ``generation_info`` (LangChain
would assign an equal copy) and converts each chunk to rxagent's in the same pass.

Anything the fast path would not take (a binding with a config, ``output_version="v1"``, no
native ``_astream``, streaming disabled, a ``langchain-core`` outside the tested range)
returns ``None``: LangChain's own ``astream`` runs. Tests compare what a handler records on
both paths.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManager, BaseCallbackHandler
from langchain_core.language_models import chat_models as lc_chat
from langchain_core.language_models._utils import (
    _filter_invocation_params_for_tracing,
    _normalize_messages,
)
from langchain_core.messages import AIMessageChunk as LangChainChunk
from langchain_core.outputs import ChatGenerationChunk, LLMResult
from langchain_core.outputs.chat_generation import merge_chat_generation_chunks
from langchain_core.runnables.config import ensure_config
from langchain_core.utils.utils import LC_ID_PREFIX

from rxagent.integrations import _langchain_fast as fast
from rxagent.integrations._langchain_convert import LangChainInput
from rxagent.messages import AIMessageChunk

__all__ = ("traced_astream",)

_LOGGER = logging.getLogger("langchain_core.callbacks.manager")
"""LangChain's callback manager's logger: a failing handler is reported where it is."""


def traced_astream(
    runnable: Any, input: Any, config: Mapping[str, Any] | None, kwargs: Mapping[str, Any]
) -> AsyncIterator[AIMessageChunk] | None:
    """``runnable.astream(input, config, **kwargs)`` with its callback run, as rxagent chunks;
    ``None`` when LangChain's own ``astream`` must run."""
    unbound = fast.unbind(runnable, kwargs, asynchronous=True)
    if unbound is None:
        return None
    model, options = unbound
    return _traced(model, input, config, options)


async def _traced(
    model: Any, input: Any, config: Mapping[str, Any] | None, kwargs: dict[str, Any]
) -> AsyncIterator[AIMessageChunk]:
    # BaseChatModel.astream (langchain-core 1.8), from ensure_config to on_llm_end
    run_manager, input_messages, stop = await _start(model, input, config, kwargs)
    handlers = run_manager.handlers
    inline = all(_in_line(handler) for handler in handlers)
    run_id = f"{LC_ID_PREFIX}-{run_manager.run_id}"
    chunks: list[Any] = []
    last: AIMessageChunk | None = None
    try:
        stream: Any = model._astream(input_messages, stop=stop, **kwargs)
        async with aclosing(stream) as provider:
            async for chunk in provider:
                message = chunk.message
                if message.id is None:
                    message.id = run_id
                last = fast.converted(chunk, run_id)  # merges generation_info, as astream
                if inline:
                    _token(handlers, message.content, chunk, run_manager)
                elif handlers:
                    await run_manager.on_llm_new_token(message.content, chunk=chunk)
                chunks.append(chunk)
                yield last
        if last is not None and last.chunk_position is None:
            ending = _ending(last, run_id)
            if inline:
                _token(handlers, "", ending, run_manager)
            elif handlers:
                await run_manager.on_llm_new_token("", chunk=ending)
            yield fast.closing(last, run_id)
    except BaseException as error:
        failed = lc_chat._generate_response_from_error(error)
        merged = merge_chat_generation_chunks(chunks)
        generations = [[merged], failed] if merged else [failed]
        await run_manager.on_llm_error(error, response=LLMResult(generations=generations))
        raise
    await _end(run_manager, chunks)


async def _start(
    model: Any, input: Any, config: Mapping[str, Any] | None, kwargs: dict[str, Any]
) -> tuple[Any, list[Any], Any]:
    """``on_chat_model_start`` as ``astream`` calls it (and the rate limiter); the run
    manager, the messages for the provider and ``stop``. Pops ``astream``'s own keywords
    from ``kwargs``, leaving the provider's."""
    settings = ensure_config(cast(Any, config))
    plain = type(input) is LangChainInput and input.plain  # converted and normal already
    messages = list(input) if plain else model._convert_input(input).to_messages()
    stop = kwargs.pop("stop", None)
    structured = kwargs.pop("ls_structured_output_format", None) or kwargs.pop(
        "structured_output_format", None
    )
    structured_dict = lc_chat._format_ls_structured_output(structured)
    params = model._get_invocation_params(stop=stop, **kwargs)
    options = {
        "stop": stop,
        **{key: params[key] for key in kwargs if key in params},
        **structured_dict,
    }
    inheritable_metadata = {
        **(settings.get("metadata") or {}),
        **model._get_ls_params_with_defaults(stop=stop, **kwargs),
    }
    manager = AsyncCallbackManager.configure(
        settings.get("callbacks"),
        model.callbacks,
        model.verbose,
        settings.get("tags"),
        model.tags,
        inheritable_metadata,
        model.metadata,
        langsmith_inheritable_metadata=_filter_invocation_params_for_tracing(params),
    )
    (run_manager,) = await manager.on_chat_model_start(
        model._serialized,
        [lc_chat._format_for_tracing(messages)],
        invocation_params=params,
        options=options,
        name=settings.get("run_name"),
        run_id=settings.pop("run_id", None),
        batch_size=1,
    )
    if model.rate_limiter:
        await model.rate_limiter.aacquire(blocking=True)
    return run_manager, messages if plain else _normalize_messages(messages), stop


def _ending(last: AIMessageChunk, run_id: str) -> ChatGenerationChunk:
    """The closing chunk ``astream`` adds when the provider marked none."""
    empty: Any = "" if isinstance(last.content, str) else []
    return ChatGenerationChunk(
        message=LangChainChunk(content=empty, chunk_position="last", id=run_id)
    )


async def _end(run_manager: Any, chunks: list[Any]) -> None:
    """``on_llm_end`` with the chunks merged, or LangChain's error for no chunk at all."""
    generation = merge_chat_generation_chunks(chunks)
    if not generation:
        missing = ValueError("No generation chunks were returned")
        await run_manager.on_llm_error(missing, response=LLMResult(generations=[]))
        raise missing
    await run_manager.on_llm_end(LLMResult(generations=[[generation]]))


def _in_line(handler: BaseCallbackHandler) -> bool:
    """Whether LangChain's async manager calls ``handler.on_llm_new_token`` in line."""
    return handler.run_inline and not inspect.iscoroutinefunction(handler.on_llm_new_token)


def _token(handlers: list[BaseCallbackHandler], token: Any, chunk: Any, run_manager: Any) -> None:
    """``on_llm_new_token`` for handlers LangChain runs in line, as its manager calls them."""
    for handler in handlers:
        try:
            if not handler.ignore_llm:
                handler.on_llm_new_token(
                    token,
                    chunk=chunk,
                    run_id=run_manager.run_id,
                    parent_run_id=run_manager.parent_run_id,
                    tags=run_manager.tags,
                )
        except NotImplementedError as error:
            _LOGGER.warning(
                "NotImplementedError in %s.%s callback: %s",
                handler.__class__.__name__,
                "on_llm_new_token",
                repr(error),
            )
        except Exception as error:
            _LOGGER.warning(
                "Error in %s.%s callback: %s",
                handler.__class__.__name__,
                "on_llm_new_token",
                repr(error),
            )
            if handler.raise_error:
                raise
