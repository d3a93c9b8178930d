"""langchain-core's streamed ``AIMessageChunk``s, joined by rxagent without importing it.

``from_langgraph`` streams LangGraph's own (langchain-core) chunks. The operators join them
with rxagent's one joining algorithm (``ChunkAccumulator``, ``ContentJoiner``): a chunk is
recognised by duck typing (``is_langchain_chunk``), read as rxagent's ``AIMessageChunk``
(``rxagent_chunk``), and the joined result is turned back into the kind of chunk that came
in (``chunk_like``) by that chunk's own class, so langchain-core is never imported here.

Example:
    >>> from rxagent.messages import text_chunk
    >>> chunk = text_chunk("hi", "run-1")
    >>> is_langchain_chunk(chunk), rxagent_chunk(chunk) is chunk, chunk_like(chunk, chunk) is chunk
    (False, True, True)
"""

from __future__ import annotations

from typing import Any

from rxagent._fast import maker
from rxagent.messages._ai import AIMessageChunk
from rxagent.messages._convert import is_langchain_message

_new_chunk = maker(AIMessageChunk)


def is_langchain_chunk(value: object) -> bool:
    """Whether ``value`` is a langchain-core ``AIMessageChunk`` (duck-typed, not imported).

    Example:
        >>> from rxagent.messages import AIMessageChunk
        >>> is_langchain_chunk(AIMessageChunk("hi")), is_langchain_chunk("AIMessageChunk")
        (False, False)
    """
    return getattr(value, "type", None) == "AIMessageChunk" and is_langchain_message(value)


def rxagent_chunk(chunk: object) -> AIMessageChunk:
    """``chunk`` as rxagent's ``AIMessageChunk``: itself, or a langchain-core chunk's copy.

    The copy is shallow (it shares the field values, which the joiners only read) and is
    not validated again: langchain-core validated the same fields.

    Raises:
        TypeError: ``chunk`` is neither kind of ``AIMessageChunk``.

    Example:
        >>> rxagent_chunk("hi")
        Traceback (most recent call last):
        ...
        TypeError: not an AIMessageChunk: str 'hi'
    """
    if isinstance(chunk, AIMessageChunk):
        return chunk
    if not is_langchain_chunk(chunk):
        raise TypeError(f"not an AIMessageChunk: {type(chunk).__name__} {chunk!r}")
    theirs: Any = chunk
    return _new_chunk(
        {
            "content": theirs.content,
            "additional_kwargs": theirs.additional_kwargs,
            "response_metadata": theirs.response_metadata,
            "type": "AIMessageChunk",
            "name": theirs.name,
            "id": theirs.id,
            "tool_calls": theirs.tool_calls,
            "invalid_tool_calls": theirs.invalid_tool_calls,
            "usage_metadata": theirs.usage_metadata,
            "tool_call_chunks": theirs.tool_call_chunks,
            "chunk_position": getattr(theirs, "chunk_position", None),
        }
    )


def chunk_like(original: object, joined: AIMessageChunk) -> Any:
    """``joined`` as the kind of chunk ``original`` is: rxagent's as is, langchain-core's
    rebuilt (and validated) by ``original``'s own class, which parses the tool calls again.

    Example:
        >>> from rxagent.messages import text_chunk
        >>> chunk_like(text_chunk("a", None), text_chunk("ab", None)).content
        'ab'
    """
    if isinstance(original, AIMessageChunk) or not is_langchain_chunk(original):
        return joined
    theirs: Any = type(original)
    return theirs(
        content=joined.content,
        additional_kwargs=joined.additional_kwargs,
        response_metadata=joined.response_metadata,
        name=joined.name,
        id=joined.id,
        tool_call_chunks=joined.tool_call_chunks,
        usage_metadata=joined.usage_metadata,
        chunk_position=joined.chunk_position,
    )
