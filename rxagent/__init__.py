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
    Command,
    CompiledStateGraph,
    GraphOutput,
    GraphRecursionError,
    InvalidUpdateError,
    MessagesState,
    NodeOutputError,
    Runtime,
    Send,
    StateGraph,
)
from rxagent.models import ChatModel, Latency, ScriptedError, ScriptedModel
from rxagent.operators import merge
from rxagent.tools import (
    InjectedState,
    InjectedToolCallId,
    Tool,
    ToolNode,
    ToolRuntime,
    tool,
    tools_condition,
)

__all__ = (
    "END",
    "EVENT_ADAPTER",
    "START",
    "STREAM_MODES",
    "AgentState",
    "BridgeStatistics",
    "BufferOverflowError",
    "ChatModel",
    "Command",
    "CompiledStateGraph",
    "CustomEvent",
    "Event",
    "EventEncodeError",
    "GraphOutput",
    "GraphRecursionError",
    "InjectedState",
    "InjectedToolCallId",
    "InvalidUpdateError",
    "Latency",
    "MessageEvent",
    "MessagesState",
    "NodeOutputError",
    "RunCancelledError",
    "Runtime",
    "ScriptedError",
    "ScriptedModel",
    "Send",
    "StateGraph",
    "StreamMode",
    "StreamWriter",
    "TaskEvent",
    "Tool",
    "ToolEvent",
    "ToolNode",
    "ToolRuntime",
    "UpdateEvent",
    "ValuesEvent",
    "create_agent",
    "get_stream_writer",
    "is_cancelled",
    "merge",
    "to_aiter",
    "to_iter",
    "tool",
    "tools_condition",
)
