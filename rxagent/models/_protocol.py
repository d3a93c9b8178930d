"""What rxagent needs from a chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, runtime_checkable

from rxagent.messages import AIMessageChunk, BaseMessage, MessageLike

ModelInput: TypeAlias = str | Sequence[MessageLike]
"""What a model's LangChain-style methods take: a string (one human message), or a list of
messages, dicts, ``(role, content)`` tuples and strings (see ``convert_to_messages``)."""


@runtime_checkable
class ChatModel(Protocol):
    """Anything that streams ``AIMessageChunk``s for a conversation.

    ``ScriptedModel`` is one; ``LangChainModel`` (extra ``langchain``) wraps any LangChain
    chat model. The runtime joins the chunks; the last one has ``chunk_position="last"``.

    Example:
        >>> from rxagent.models import ScriptedModel
        >>> isinstance(ScriptedModel(["hi"]), ChatModel)
        True
    """

    def astream(
        self, messages: Sequence[BaseMessage], /, *, tools: Sequence[Any] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream the reply to ``messages``; ``tools`` are the tools the model may call."""
        ...


@runtime_checkable
class TracedModel(Protocol):
    """A chat model that reports LangChain's LangSmith parameters (optional, duck-typed).

    LangGraph copies a chat model's ``_get_ls_params()`` (``ls_provider``,
    ``ls_model_name``, ``ls_model_type``, ``ls_temperature``, ...) into the ``messages``
    metadata of its tokens; ``create_agent`` does the same with ``ls_params()``.

    Example:
        >>> from rxagent.models import ScriptedModel
        >>> isinstance(ScriptedModel(["hi"]), TracedModel)
        True
    """

    def ls_params(self) -> Mapping[str, Any]:
        """The ``ls_*`` keys of this model's calls."""
        ...
