"""LangChain chat models as rxagent models, and message converters (extra ``langchain``).

``langchain_core`` is imported when a function here needs it, never when ``rxagent`` is
imported, so the core runs without it.

Example:
    >>> from rxagent.messages import HumanMessage
    >>> to_langchain(HumanMessage("hi")).content
    'hi'
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    text_chunk,
)
from rxagent.messages._reducer import merge_by_id
from rxagent.models._sink import label_tokens

__all__ = (
    "LangChainModel",
    "add_langchain_messages",
    "from_langchain",
    "to_langchain",
    "to_langchain_messages",
)

ModelInput: TypeAlias = str | Sequence[Any]
"""What LangChain's chat models take: a string, or a list of message-likes."""

_SIMPLE = {"human": HumanMessage, "system": SystemMessage, "tool": ToolMessage}
_COMMON = ("content", "additional_kwargs", "response_metadata", "name", "id")
_AI_FIELDS = ("tool_calls", "invalid_tool_calls", "usage_metadata")


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


def to_langchain_messages(input: ModelInput) -> Any:
    """LangChain model input from rxagent's: rxagent messages become langchain-core's.

    A string and anything LangChain converts itself (its messages, dicts, tuples) pass
    through, so this is what a node hands a plain LangChain chat model when its state holds
    rxagent messages: ``llm.invoke(to_langchain_messages(state["messages"]))``.

    Example:
        >>> from rxagent.messages import HumanMessage
        >>> [type(m).__name__ for m in to_langchain_messages([HumanMessage("hi"), "ok"])]
        ['HumanMessage', 'str']
    """
    return _to_input(input)


def add_langchain_messages(left: Any, right: Any) -> list[Any]:
    """LangGraph's ``add_messages`` with langchain-core messages in the state.

    Both sides are converted as LangChain converts them (dicts, tuples, strings, its own
    messages; rxagent messages become langchain-core ones), chunks become messages, messages
    without an id get one, and the two lists are merged by id exactly as
    ``rxagent.messages.add_messages`` merges (``RemoveMessage`` and ``REMOVE_ALL_MESSAGES``
    included). A node can then hand ``state["messages"]`` to a LangChain chat model as is.

    Example:
        >>> state = add_langchain_messages([], [{"role": "user", "content": "hi"}])
        >>> type(state[0]).__module__.startswith("langchain_core"), state[0].content
        (True, 'hi')
    """
    return merge_by_id(_langchain_state(left), _langchain_state(right))


def _langchain_state(values: Any) -> list[Any]:
    from langchain_core.messages import convert_to_messages, message_chunk_to_message

    items = values if isinstance(values, list | tuple) and not _is_pair(values) else [values]
    converted = convert_to_messages(
        [to_langchain(item) if isinstance(item, BaseMessage) else item for item in items]
    )
    messages = [message_chunk_to_message(message) for message in converted]
    for message in messages:
        if message.id is None:
            message.id = str(uuid.uuid4())
    return messages


def _is_pair(value: Any) -> bool:
    """A ``(role, content)`` tuple, which is one message, not a list of two."""
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def to_langchain(message: BaseMessage) -> Any:
    """Convert an rxagent message to the langchain-core message of the same kind.

    Raises:
        TypeError: the message kind has no langchain-core counterpart here.
    """
    from langchain_core import messages as lc

    fields = {name: getattr(message, name) for name in _COMMON}
    if isinstance(message, AIMessageChunk):
        return lc.AIMessageChunk(
            **fields,
            tool_call_chunks=list(message.tool_call_chunks),
            usage_metadata=message.usage_metadata,
            chunk_position=message.chunk_position,
        )
    if isinstance(message, AIMessage):
        return lc.AIMessage(**fields, **{name: getattr(message, name) for name in _AI_FIELDS})
    if isinstance(message, ToolMessage):
        extra = {"tool_call_id": message.tool_call_id, "status": message.status}
        return lc.ToolMessage(**fields, **extra)
    if isinstance(message, RemoveMessage):
        return lc.RemoveMessage(id=message.id or "")
    kinds: dict[type[BaseMessage], Any] = {
        HumanMessage: lc.HumanMessage,
        SystemMessage: lc.SystemMessage,
    }
    cls = kinds.get(type(message))
    if cls is None:
        raise TypeError(f"no langchain-core counterpart for {type(message).__name__}")
    return cls(**fields)


def from_langchain(message: Any) -> BaseMessage:
    """Convert a langchain-core message to rxagent's (chunks stay chunks).

    Raises:
        TypeError: the message type is not one rxagent models.
    """
    kind = getattr(message, "type", None)
    if kind == "AIMessageChunk":
        return _chunk_from_langchain(message)
    fields = {name: getattr(message, name, None) for name in _COMMON}
    fields = {name: value for name, value in fields.items() if value is not None}
    if kind == "ai":
        return AIMessage(**fields, **{name: getattr(message, name) for name in _AI_FIELDS})
    if kind == "tool":
        extra = {"tool_call_id": message.tool_call_id, "status": message.status}
        return ToolMessage(**fields, **extra)
    cls = _SIMPLE.get(kind or "")
    if cls is None:
        raise TypeError(f"cannot convert a langchain-core message of type {kind!r}")
    return cls(**fields)


def _chunk_from_langchain(chunk: Any) -> AIMessageChunk:
    """One streamed chunk: text-only chunks skip validation, as the runtime's own do."""
    position = getattr(chunk, "chunk_position", None)
    usage = chunk.usage_metadata
    if (
        isinstance(chunk.content, str)
        and not chunk.tool_call_chunks
        and usage is None
        and position is None
        and not chunk.response_metadata
        and not chunk.additional_kwargs
    ):
        return text_chunk(chunk.content, chunk.id)
    return AIMessageChunk(
        chunk.content,
        id=chunk.id,
        tool_call_chunks=[_tool_call_chunk(piece) for piece in chunk.tool_call_chunks],
        usage_metadata=dict(usage) if usage is not None else None,
        response_metadata=dict(chunk.response_metadata),
        additional_kwargs=dict(chunk.additional_kwargs),
        chunk_position=position,
    )


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


def _to_input(input: ModelInput) -> Any:
    if isinstance(input, str):
        return input
    return [to_langchain(item) if isinstance(item, BaseMessage) else item for item in input]


def _call(config: Mapping[str, Any] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a call: ``config`` only when given (duck-typed models)."""
    return kwargs if config is None else {"config": dict(config), **kwargs}


def _reply(message: Any) -> AIMessage:
    reply = from_langchain(message)
    if not isinstance(reply, AIMessage):
        raise TypeError(f"the chat model replied with {type(reply).__name__}, not an AIMessage")
    return reply


def _tool_call_chunk(piece: Any) -> dict[str, Any]:
    return {key: piece.get(key) for key in ("name", "args", "id", "index")}


def _tool_spec(item: Any) -> Any:
    """An rxagent ``Tool`` as an OpenAI-style function dict; anything else as given."""
    schema = getattr(item, "tool_call_schema", None)
    if callable(schema):
        return {"type": "function", "function": dict(schema())}
    return item
