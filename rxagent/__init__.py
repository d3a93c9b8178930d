"""rxagent: LLM agent runs as ReactiveX observables, with LangChain's stream shapes.

Example:
    >>> from rxagent import ScriptedModel, create_agent
    >>> agent = create_agent(ScriptedModel(["Hi there."]))
    >>> inputs = {"messages": [{"role": "user", "content": "hi"}]}
    >>> [token.text for token, _ in agent.stream(inputs, stream_mode="messages")]
    ['Hi', ' there.', '']
"""

from rxagent._context import get_stream_writer, is_cancelled
from rxagent._flow import RunCancelledError
from rxagent._types import STREAM_MODES, StreamMode, StreamWriter
from rxagent.agent import AgentState, create_agent
from rxagent.bridges import BridgeStatistics, BufferOverflowError, to_aiter, to_iter
from rxagent.events import (
    EVENT_ADAPTER,
    CustomEvent,
    Event,
    EventEncodeError,
    MessageEvent,
    TaskEvent,
    ToolEvent,
    UpdateEvent,
    ValuesEvent,
)
from rxagent.graph import (
    END,
    START,
    CompiledStateGraph,
    GraphRecursionError,
    InvalidUpdateError,
    NodeOutputError,
    Send,
    StateGraph,
)
from rxagent.models import ChatModel, Latency, ScriptedError, ScriptedModel
from rxagent.operators import merge
from rxagent.tools import Tool, tool

__all__ = (
    "END",
    "EVENT_ADAPTER",
    "START",
    "STREAM_MODES",
    "AgentState",
    "BridgeStatistics",
    "BufferOverflowError",
    "ChatModel",
    "CompiledStateGraph",
    "CustomEvent",
    "Event",
    "EventEncodeError",
    "GraphRecursionError",
    "InvalidUpdateError",
    "Latency",
    "MessageEvent",
    "NodeOutputError",
    "RunCancelledError",
    "ScriptedError",
    "ScriptedModel",
    "Send",
    "StateGraph",
    "StreamMode",
    "StreamWriter",
    "TaskEvent",
    "Tool",
    "ToolEvent",
    "UpdateEvent",
    "ValuesEvent",
    "create_agent",
    "get_stream_writer",
    "is_cancelled",
    "merge",
    "to_aiter",
    "to_iter",
    "tool",
)
