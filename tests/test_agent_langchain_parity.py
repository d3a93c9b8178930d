"""``create_agent`` and ``ToolNode`` side by side with LangChain v1's, on the same script.

LangChain's agent runs a scripted fake chat model; rxagent's runs ``ScriptedModel`` with the
same replies. Only random ids (message ids of ``ToolMessage``\\s) are normalised away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pytest

pytest.importorskip("langchain")

from langchain.agents import create_agent as lc_create_agent
from langchain_core import messages as lc
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import InjectedToolCallId as LcInjectedToolCallId
from langchain_core.tools import tool as lc_tool
from langgraph.graph import START as LC_START
from langgraph.graph import MessagesState
from langgraph.graph import StateGraph as LcStateGraph
from langgraph.prebuilt import InjectedState as LcInjectedState
from langgraph.prebuilt import ToolNode as LcToolNode
from langgraph.prebuilt import ToolRuntime as LcToolRuntime

from rxagent import START, ScriptedModel, StateGraph, StreamMode, create_agent, tool
from rxagent.agent import AgentState
from rxagent.messages import AIMessage, ToolCall
from rxagent.tools import InjectedState, InjectedToolCallId, ToolNode, ToolRuntime

INPUT: dict[str, Any] = {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
MODES: list[StreamMode] = ["updates", "tools"]


def _generate(self: Any, messages: Any, stop: Any = None, **kwargs: Any) -> Any:
    return ChatResult(generations=[ChatGeneration(message=self.__dict__["script"].pop(0))])


# built with type(): mypy cannot check a subclass of a class it sees as Any (no langchain)
_ScriptedChat = type(
    "_ScriptedChat",
    (BaseChatModel,),
    {
        "_generate": _generate,
        "bind_tools": lambda self, tools, **kwargs: self,
        "_llm_type": property(lambda self: "scripted"),
    },
)


def _scripted_chat(replies: list[tuple[str, list[ToolCall]]]) -> Any:
    chat = _ScriptedChat()
    chat.__dict__["script"] = [
        lc.AIMessage(text, id=f"ai-{i}", tool_calls=list(calls))
        for i, (text, calls) in enumerate(replies)
    ]
    return chat


def _scripted_model(replies: list[tuple[str, list[ToolCall]]]) -> ScriptedModel:
    return ScriptedModel(
        [
            AIMessage(text, id=f"ai-{i}", tool_calls=list(calls))
            for i, (text, calls) in enumerate(replies)
        ]
    )


def get_weather(city: str, days: int = 1) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city} for {days} days"


def flaky(x: int) -> str:
    """Fail on purpose."""
    raise ConnectionError("upstream down")


def _norm_message(message: Any) -> tuple[Any, ...]:
    calls = [(c["name"], c["args"], c["id"]) for c in getattr(message, "tool_calls", [])]
    extra = (message.tool_call_id, message.status) if message.type == "tool" else ()
    return (message.type, message.content, message.name, calls, *extra)


def _norm(mode: str, chunk: Any) -> Any:
    if mode == "updates":
        return {node: [_norm_message(m) for m in u["messages"]] for node, u in chunk.items()}
    if mode == "tools" and "output" in chunk:
        return {**chunk, "output": _norm_message(chunk["output"])}
    return chunk


def _by_call(items: list[tuple[str, Any]]) -> dict[str, list[Any]]:
    """The ``tools`` events of each tool call, in order (calls run concurrently)."""
    found: dict[str, list[Any]] = {}
    for mode, chunk in items:
        if mode == "tools":
            found.setdefault(chunk["tool_call_id"], []).append(_norm(mode, chunk))
    return found


def _updates(items: list[tuple[str, Any]]) -> list[str]:
    return sorted(repr(_norm(mode, chunk)) for mode, chunk in items if mode == "updates")


def _both(
    replies: list[tuple[str, list[ToolCall]]],
    functions: list[Callable[..., Any]],
    name: str | None = None,
) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    lc_agent: Any = lc_create_agent(
        _scripted_chat(replies), [lc_tool(f) for f in functions], name=name
    )
    rx_agent = create_agent(_scripted_model(replies), [tool(f) for f in functions], name=name)
    ours = list(rx_agent.stream(INPUT, stream_mode=MODES))
    theirs = list(lc_agent.stream(INPUT, stream_mode=MODES))
    return ours, theirs


MIXED: list[tuple[str, list[ToolCall]]] = [
    (
        "",
        [
            {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"},
            {"name": "get_weather", "args": {"days": "many"}, "id": "c2"},
            {"name": "nope", "args": {}, "id": "c3"},
        ],
    ),
    ("It is sunny.", []),
]


def test_valid_invalid_and_unknown_tool_calls_as_langchain() -> None:
    ours, theirs = _both(MIXED, [get_weather, flaky])
    assert _updates(ours) == _updates(theirs)
    assert _by_call(ours) == _by_call(theirs)
    texts = {m.tool_call_id: m.text for m in _tool_messages(ours)}
    assert texts["c2"].startswith("Error invoking tool 'get_weather' with kwargs {'days': 'many'}")
    assert texts["c3"] == "Error: nope is not a valid tool, try one of [get_weather, flaky]."


def test_a_failing_tool_ends_the_run_after_its_events_as_langchain() -> None:
    replies: list[tuple[str, list[ToolCall]]] = [
        ("", [{"name": "flaky", "args": {"x": 1}, "id": "c1"}]),
        ("never", []),
    ]
    lc_agent: Any = lc_create_agent(_scripted_chat(replies), [lc_tool(flaky)])
    rx_agent = create_agent(_scripted_model(replies), [tool(flaky)])
    ours: list[tuple[str, Any]] = []
    theirs: list[tuple[str, Any]] = []
    with pytest.raises(ConnectionError, match="upstream down"):
        ours.extend(rx_agent.stream(INPUT, stream_mode=MODES))
    with pytest.raises(ConnectionError, match="upstream down"):
        theirs.extend(lc_agent.stream(INPUT, stream_mode=MODES))
    assert [_norm(m, c) for m, c in ours] == [_norm(m, c) for m, c in theirs]
    assert [c["event"] for m, c in ours if m == "tools"] == ["tool-started", "tool-error"]


def test_name_is_set_on_the_agents_ai_messages_as_langchain() -> None:
    replies: list[tuple[str, list[ToolCall]]] = [
        ("", [{"name": "get_weather", "args": {"city": "Rome"}, "id": "c1"}]),
        ("Sunny.", []),
    ]
    ours, theirs = _both(replies, [get_weather], name="weatherbot")
    assert _updates(ours) == _updates(theirs)
    names = [
        m.name
        for mode, c in ours
        if mode == "updates" and "model" in c
        for m in c["model"]["messages"]
    ]
    assert names == ["weatherbot", "weatherbot"]


def _tool_messages(items: list[tuple[str, Any]]) -> list[Any]:
    return [
        m for mode, c in items if mode == "updates" and "tools" in c for m in c["tools"]["messages"]
    ]


# -- ToolNode in a hand-built graph, and handle_tool_errors ------------------------------


def _lc_node_run(node: Any, calls: list[ToolCall]) -> list[Any]:
    graph = LcStateGraph(MessagesState).add_node("tools", node).add_edge(LC_START, "tools")
    state = graph.compile().invoke({"messages": [lc.AIMessage("", tool_calls=list(calls))]})
    return list(state["messages"][1:])


def _rx_node_run(node: ToolNode, calls: list[ToolCall]) -> list[Any]:
    graph = StateGraph(AgentState).add_node("tools", node).add_edge(START, "tools")
    state = graph.compile().invoke({"messages": [AIMessage("", tool_calls=list(calls))]})
    return list(state["messages"][1:])


def _handles_connection_errors(error: ConnectionError) -> str:
    return f"handled: {error}"


FLAGS: list[Any] = [
    True,
    False,
    "custom text",
    _handles_connection_errors,
    ConnectionError,
    (KeyError, ConnectionError),
    KeyError,
]
BAD_CALL: ToolCall = {"name": "flaky", "args": {"x": 1}, "id": "c1"}
INVALID_CALL: ToolCall = {"name": "flaky", "args": {"x": "one"}, "id": "c1"}


def _outcome(run: Callable[[], list[Any]]) -> tuple[str, str]:
    try:
        return "message", _norm_message(run()[0])[1]
    except Exception as error:  # the outcome is what is compared
        return "raised", type(error).__name__


@pytest.mark.parametrize("flag", FLAGS, ids=lambda flag: getattr(flag, "__name__", repr(flag)))
@pytest.mark.parametrize("call", [BAD_CALL, INVALID_CALL], ids=["raises", "invalid"])
def test_handle_tool_errors_as_langchain(flag: Any, call: ToolCall) -> None:
    ours = _outcome(lambda: _rx_node_run(ToolNode([flaky], handle_tool_errors=flag), [call]))
    theirs = _outcome(lambda: _lc_node_run(LcToolNode([flaky], handle_tool_errors=flag), [call]))
    assert ours == theirs


def _returns(kind: str) -> object:
    """Return a value of some kind."""
    values: dict[str, object] = {
        "dict": {"temp": 21, "city": "Zürich"},
        "strings": ["a", "b"],
        "blocks": [{"type": "text", "text": "hi"}],
        "int": 3,
        "none": None,
        "tuple": (1, 2),
        "empty": [],
        "object": Opaque(),
    }
    return values[kind]


class Opaque:
    """Not JSON."""

    def __str__(self) -> str:
        return "opaque"


@pytest.mark.parametrize(
    "kind", ["dict", "strings", "blocks", "int", "none", "tuple", "empty", "object"]
)
def test_tool_results_become_the_content_langchain_gives(kind: str) -> None:
    call: ToolCall = {"name": "_returns", "args": {"kind": kind}, "id": "c1"}
    ours = _rx_node_run(ToolNode([_returns]), [call])[0]
    theirs = _lc_node_run(LcToolNode([_returns]), [call])[0]
    assert ours.content == theirs.content


# -- injection ---------------------------------------------------------------------------


@tool
def rx_inspect(
    query: str,
    state: Annotated[dict[str, Any], InjectedState],
    last: Annotated[list[Any], InjectedState("messages")],
    call_id: Annotated[str, InjectedToolCallId],
    runtime: ToolRuntime,
) -> str:
    """Look at the state."""
    return f"{query}|{len(state['messages'])}|{last[-1].type}|{call_id}|{runtime.tool_call_id}"


@lc_tool
def lc_inspect(
    query: str,
    state: Annotated[dict[str, Any], LcInjectedState],
    last: Annotated[list[Any], LcInjectedState("messages")],
    call_id: Annotated[str, LcInjectedToolCallId],
    runtime: LcToolRuntime,
) -> str:
    """Look at the state."""
    return f"{query}|{len(state['messages'])}|{last[-1].type}|{call_id}|{runtime.tool_call_id}"


def test_injected_parameters_are_hidden_and_filled_as_langchain() -> None:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    theirs_schema = convert_to_openai_tool(lc_inspect)["function"]["parameters"]
    assert rx_inspect.tool_call_schema()["parameters"] == theirs_schema
    ours = _rx_node_run(
        ToolNode([rx_inspect]), [{"name": "rx_inspect", "args": {"query": "q"}, "id": "c9"}]
    )
    theirs = _lc_node_run(
        LcToolNode([lc_inspect]), [{"name": "lc_inspect", "args": {"query": "q"}, "id": "c9"}]
    )
    assert ours[0].content == theirs[0].content == "q|1|ai|c9|c9"


@lc_tool
def lc_shout(text: str, call_id: Annotated[str, LcInjectedToolCallId]) -> str:
    """Shout the text."""
    return f"{text.upper()} ({call_id})"


def test_langchain_tool_schema_is_langchains() -> None:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from rxagent.tools import as_tool

    assert as_tool(lc_shout).tool_call_schema() == convert_to_openai_tool(lc_shout)["function"]


def test_a_langchain_tool_in_create_agent() -> None:
    calls: list[ToolCall] = [
        {"name": "lc_shout", "args": {"text": "hi"}, "id": "s1"},
        {"name": "lc_shout", "args": {}, "id": "s2"},
    ]
    model = ScriptedModel([AIMessage("", tool_calls=calls), AIMessage("ok")])
    state = create_agent(model, [lc_shout]).invoke(INPUT)
    first, second = state["messages"][2:4]
    assert (first.text, first.status, first.id is not None) == ("HI (s1)", "success", True)
    assert second.status == "error"
    assert second.text.startswith(
        "Error invoking tool 'lc_shout' with kwargs {} with error:\n text:"
    )
