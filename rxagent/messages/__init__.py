"""Chat messages with langchain-core's fields, chunk arithmetic, and the messages reducer.

The core does not import langchain-core: these are rxagent's own pydantic models, with the
same field names and behaviour, so code written against LangChain messages reads the same.

Example:
    >>> from rxagent.messages import AIMessageChunk, add_messages
    >>> (AIMessageChunk("Hel") + AIMessageChunk("lo")).text
    'Hello'
    >>> [m.type for m in add_messages([], [{"role": "user", "content": "hi"}])]
    ['human']
"""

from rxagent.messages._accumulate import ChunkAccumulator, join_chunks
from rxagent.messages._ai import (
    AIMessage,
    AIMessageChunk,
    parse_tool_call_chunks,
    text_chunk,
    text_chunks,
    tool_call_chunk,
)
from rxagent.messages._base import (
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from rxagent.messages._convert import (
    MESSAGE_ADAPTER,
    AnyMessage,
    MessageLike,
    coerce_message,
    convert_to_messages,
    is_langchain_message,
)
from rxagent.messages._merge import merge_dicts
from rxagent.messages._partial_json import parse_partial_json
from rxagent.messages._reducer import REMOVE_ALL_MESSAGES, add_messages
from rxagent.messages._types import (
    Content,
    ContentBlock,
    InputTokenDetails,
    InvalidToolCall,
    OutputTokenDetails,
    ToolCall,
    ToolCallChunk,
    UsageMetadata,
)
from rxagent.messages._usage import add_usage

__all__ = (
    "MESSAGE_ADAPTER",
    "REMOVE_ALL_MESSAGES",
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "BaseMessage",
    "ChunkAccumulator",
    "Content",
    "ContentBlock",
    "HumanMessage",
    "InputTokenDetails",
    "InvalidToolCall",
    "MessageLike",
    "OutputTokenDetails",
    "RemoveMessage",
    "SystemMessage",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "UsageMetadata",
    "add_messages",
    "add_usage",
    "coerce_message",
    "convert_to_messages",
    "is_langchain_message",
    "join_chunks",
    "merge_dicts",
    "parse_partial_json",
    "parse_tool_call_chunks",
    "text_chunk",
    "text_chunks",
    "tool_call_chunk",
)
