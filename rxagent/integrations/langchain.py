"""LangChain chat models as rxagent models, and message converters (extra ``langchain``).

``langchain_core`` is imported when a function here needs it, never when ``rxagent`` is
imported, so the core runs without it.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> to_langchain(HumanMessage("hi")).content
    'hi'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from rxagent.integrations._langchain_convert import (
    ModelInput,
    _chunk_from_langchain,
    _reply,
    _to_input,
    add_langchain_messages,
    from_langchain,
    to_langchain,
    to_langchain_messages,
)
from rxagent.messages import AIMessage, AIMessageChunk
from rxagent.models._sink import label_tokens

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

    def __init__(self, chat_model: Any) -> None:
        """Wrap ``chat_model``."""
        self.chat_model = chat_model

    def __repr__(self) -> str:
        return f"LangChainModel({self.chat_model!r})"

    async def astream(
        self,
        input: ModelInput,
        config: Mapping[str, Any] | None = None,
        *,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream the reply to ``input`` as rxagent ``AIMessageChunk``\\s."""
        model = self._bound(tools)
        label_tokens(self.ls_params(**kwargs))
        async for chunk in model.astream(_to_input(input), **_call(config, kwargs)):
            yield _chunk_from_langchain(chunk)

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
        for chunk in model.stream(_to_input(input), **_call(config, kwargs)):
            yield _chunk_from_langchain(chunk)

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
        return _reply(model.invoke(_to_input(input), **_call(config, kwargs)))

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
        return _reply(await model.ainvoke(_to_input(input), **_call(config, kwargs)))

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
        model = self.chat_model
        if tools and hasattr(model, "bind_tools"):
            model = model.bind_tools([_tool_spec(item) for item in tools])
        return model


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


def _tool_spec(item: Any) -> Any:
    """An rxagent ``Tool`` as an OpenAI-style function dict; anything else as given."""
    schema = getattr(item, "tool_call_schema", None)
    if callable(schema):
        return {"type": "function", "function": dict(schema())}
    return item
