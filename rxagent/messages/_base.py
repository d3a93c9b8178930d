"""The message base class and the simple message kinds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rxagent.messages._types import Content


class BaseMessage(BaseModel):
    """A chat message, with langchain-core's fields.

    Messages are mutable, as in LangChain, and reject unknown fields so a misspelt key in
    user input is a validation error that names it. ``content`` may be given positionally.

    Example:
        >>> HumanMessage("Weather in Paris?").text
        'Weather in Paris?'
    """

    model_config = ConfigDict(extra="forbid")

    content: Content
    """The text, or a list of strings and provider content blocks."""
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Provider-specific payload (LangChain's field of the same name)."""
    response_metadata: dict[str, Any] = Field(default_factory=dict)
    """Provider response details such as ``finish_reason`` or ``model_name``."""
    type: str
    """The message kind; the discriminator of ``AnyMessage``."""
    name: str | None = None
    """An optional name for the author of the message."""
    id: str | None = None
    """A unique id; ``add_messages`` assigns one when it is missing."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional (``None`` means not given)."""
        if content is not None:
            kwargs["content"] = content
        super().__init__(**kwargs)

    @property
    def text(self) -> str:
        """The text of the message: string content, or the text parts of list content.

        Example:
            >>> HumanMessage(["a", {"type": "text", "text": "b"}, {"type": "image"}]).text
            'ab'
        """
        return content_text(self.content)


def content_text(content: Content) -> str:
    """Join the string parts and the ``text`` of ``{"type": "text"}`` blocks of ``content``."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif block.get("type") == "text" and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "".join(parts)


class HumanMessage(BaseMessage):
    """A message from the user.

    Example:
        >>> HumanMessage("hi")
        HumanMessage(content='hi', additional_kwargs={}, response_metadata={}, type='human', name=None, id=None)
    """  # noqa: E501

    type: Literal["human"] = "human"
    """Always ``"human"``."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional."""
        super().__init__(content, **kwargs)


class SystemMessage(BaseMessage):
    """Instructions for the model.

    Example:
        >>> SystemMessage("You are helpful.").type
        'system'
    """

    type: Literal["system"] = "system"
    """Always ``"system"``."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional."""
        super().__init__(content, **kwargs)


class ToolMessage(BaseMessage):
    """The result of a tool call, sent back to the model.

    Example:
        >>> ToolMessage("Sunny in Paris", tool_call_id="call_1").status
        'success'
    """

    type: Literal["tool"] = "tool"
    """Always ``"tool"``."""
    tool_call_id: str
    """The ``id`` of the tool call this answers."""
    status: Literal["success", "error"] = "success"
    """``"error"`` when the tool raised."""
    artifact: Any = None
    """A payload for the application that is not sent to the model (any value)."""

    def __init__(self, content: Content | None = None, **kwargs: Any) -> None:
        """Validate the fields; ``content`` may be positional."""
        super().__init__(content, **kwargs)


class RemoveMessage(BaseMessage):
    """An instruction to ``add_messages``: delete the message with this id.

    ``RemoveMessage(id=REMOVE_ALL_MESSAGES)`` deletes every message before it.

    Example:
        >>> RemoveMessage(id="m1").type
        'remove'
    """

    type: Literal["remove"] = "remove"
    """Always ``"remove"``."""
    id: str
    """The id of the message to delete, or ``REMOVE_ALL_MESSAGES``."""

    def __init__(self, id: str | None = None, **kwargs: Any) -> None:
        """Build a removal of message ``id`` (content is always empty)."""
        if id is not None:
            kwargs["id"] = id
        kwargs.setdefault("content", "")
        super().__init__(**kwargs)
