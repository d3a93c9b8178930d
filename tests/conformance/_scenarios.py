"""The scenarios: each built once with LangGraph and once with rxagent from one description.

A scenario's ``build(kit, model)`` is written once against a :class:`Kit`, the names one
library gives (``StateGraph``, ``Send``, ``get_stream_writer``, the message classes, the
agent factory), so both graphs run the same node and tool functions. Agent scenarios carry
a ``script``; ``model`` then makes that side's model: LangChain's fake for LangGraph, and for
rxagent ``LangChainModel(<a fresh fake>)`` or ``ScriptedModel`` (the two ``variants``).

A name rxagent does not have yet (``Command``, ``ToolNode``, ``tools_condition``) raises
:class:`MissingName` from ``kit.need``; the tests turn it into an xfail.
"""

from __future__ import annotations

import importlib
import operator
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel

import rxagent
import rxagent.messages as rxm
from tests.conformance._models import Reply, Script, fake_chat_model, scripted_model

Model = Callable[[], Any]
"""Makes a fresh chat model for one side."""


class MissingName(LookupError):
    """rxagent has no such name yet."""


@dataclass(frozen=True)
class Kit:
    """What one library calls the building blocks of a scenario."""

    name: str
    StateGraph: Any
    START: str
    END: str
    Send: Any
    get_stream_writer: Callable[[], Callable[[Any], Any]]
    AIMessage: Any
    HumanMessage: Any
    create_agent: Callable[..., Any]
    model_node: Callable[[Any], Callable[..., Any]]
    modules: tuple[str, ...]

    def need(self, name: str) -> Any:
        """``name`` from the first of ``modules`` that has it, else :class:`MissingName`."""
        for module in self.modules:
            try:
                found = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            return found
        raise MissingName(f"rxagent has no {name} yet (looked in {', '.join(self.modules)})")


def _langgraph_kit() -> Kit:
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.tools import tool
    from langgraph.config import get_stream_writer
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import Send

    def agent(model: Any, tools: list[Any], **kwargs: Any) -> Any:
        return create_agent(model=model, tools=[tool(fn) for fn in tools], **kwargs)

    def model_node(model: Any) -> Callable[..., Any]:
        def call_model(state: Mapping[str, Any]) -> dict[str, Any]:
            return {"messages": [model.invoke(state["messages"])]}

        return call_model

    modules = ("langgraph.types", "langgraph.prebuilt", "langgraph.graph")
    return Kit(
        "langgraph",
        StateGraph,
        START,
        END,
        Send,
        get_stream_writer,
        AIMessage,
        HumanMessage,
        agent,
        model_node,
        modules,
    )


def _rxagent_model_node(model: Any) -> Callable[..., Any]:
    async def call_model(state: Mapping[str, Any]) -> AsyncIterator[Any]:
        joined = rxm.ChunkAccumulator()
        async for chunk in model.astream(state["messages"]):
            joined.add(chunk)
            yield chunk
        yield {"messages": [joined.to_message()]}

    return call_model


def _rxagent_agent(model: Any, tools: list[Any], **kwargs: Any) -> Any:
    return rxagent.create_agent(model, tools, **kwargs)


RXAGENT_MODULES = (
    "rxagent",
    "rxagent.graph",
    "rxagent.types",
    "rxagent.prebuilt",
    "rxagent.tools",
    "rxagent.agent",
)

LANGGRAPH = _langgraph_kit()
RXAGENT = Kit(
    "rxagent",
    rxagent.StateGraph,
    rxagent.START,
    rxagent.END,
    rxagent.Send,
    rxagent.get_stream_writer,
    rxm.AIMessage,
    rxm.HumanMessage,
    _rxagent_agent,
    _rxagent_model_node,
    RXAGENT_MODULES,
)


@dataclass(frozen=True)
class Scenario:
    """One graph, described once for both libraries."""

    name: str
    build: Callable[[Kit, Model], Any]
    input: Any
    script: Script | None = None
    """The model's replies (agent scenarios); ``None``: no model, one rxagent variant."""
    config: Mapping[str, Any] | None = None
    ordered: bool = True
    """False when parallel tasks may interleave: compare per task (see ``_normalize``)."""

    @property
    def variants(self) -> tuple[str, ...]:
        """The rxagent sides compared with LangGraph."""
        return ("graph",) if self.script is None else ("langchain_model", "scripted")


def model_for(scenario: Scenario, side: str) -> Model:
    """The model maker of one side: ``langgraph``, ``langchain_model`` or ``scripted``."""
    script = list(scenario.script or ())
    if side == "langgraph":
        return lambda: fake_chat_model(script)
    if side == "langchain_model":
        from rxagent.integrations.langchain import LangChainModel

        return lambda: LangChainModel(fake_chat_model(script))
    return lambda: scripted_model(script)


# -- tools and nodes, written once -----------------------------------------------------------

QUESTION = {"messages": [{"role": "user", "content": "weather in Paris?"}]}
PARIS = ("get_weather", {"city": "Paris"}, "call_1")
ROME = ("get_weather", {"city": "Rome"}, "call_2")


def weather_tool(kit: Kit) -> Callable[[str], str]:
    """The seeds' tool: one custom progress event, then the weather."""

    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        kit.get_stream_writer()({"progress": f"Looking up {city}"})
        return f"Sunny in {city}"

    return get_weather


def failing_tool(kit: Kit) -> Callable[[str], str]:
    """A tool that raises after a progress event."""

    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        kit.get_stream_writer()({"progress": f"Looking up {city}"})
        raise ValueError(f"weather service down for {city}")

    return get_weather


def _agent(kit: Kit, model: Model, tool: Callable[[Kit], Any] = weather_tool, **kwargs: Any) -> Any:
    return kit.create_agent(model(), [tool(kit)], system_prompt="Be brief.", **kwargs)


def _messages_state(kit: Kit) -> type[Any]:
    if kit.name == "langgraph":
        from langgraph.graph import MessagesState as LGMessagesState

        return LGMessagesState
    return rxagent.AgentState


def _with_agent_node(kit: Kit, model: Model, *, levels: int) -> Any:
    """A parent graph: ``pre`` (custom event + an AI message) then the agent as a node."""

    def pre(state: Mapping[str, Any]) -> dict[str, Any]:
        kit.get_stream_writer()({"parent_node": "pre"})
        return {"messages": [{"role": "assistant", "content": "routing"}]}

    inner = _agent(kit, model, name="weather_agent")
    for _ in range(levels - 1):
        wrapper = kit.StateGraph(_messages_state(kit))
        wrapper.add_node("agent", inner)
        wrapper.add_edge(kit.START, "agent")
        inner = wrapper.compile()
    graph = kit.StateGraph(_messages_state(kit))
    graph.add_node("pre", pre)
    graph.add_node("agent", inner)
    graph.add_edge(kit.START, "pre")
    graph.add_edge("pre", "agent")
    graph.add_edge("agent", kit.END)
    return graph.compile()


# -- graphs without a model ------------------------------------------------------------------


class ItemsState(TypedDict, total=False):
    """Reducer state: ``items`` accumulates with ``operator.add``."""

    topic: str
    items: Annotated[list[str], operator.add]
    seen: int


def _reducers(kit: Kit, model: Model) -> Any:
    """plan (reads the unwritten reducer key) → zeta ‖ alpha → noop (writes nothing).

    ``zeta`` is added first: LangGraph applies a step's writes sorted by task path (node
    name), not in the order the nodes were added or finished.
    """

    def plan(state: Mapping[str, Any]) -> dict[str, Any]:
        return {"seen": len(state["items"])}

    def noop(state: Mapping[str, Any]) -> None:
        return None

    graph = kit.StateGraph(ItemsState)
    graph.add_node("plan", plan)
    graph.add_node("zeta", lambda state: {"items": ["zeta"]})
    graph.add_node("alpha", lambda state: {"items": ["alpha"]})
    graph.add_node("noop", noop)
    graph.add_edge(kit.START, "plan")
    graph.add_edge("plan", "zeta")
    graph.add_edge("plan", "alpha")
    graph.add_edge(["zeta", "alpha"], "noop")
    graph.add_edge("noop", kit.END)
    return graph.compile()


def _send_fan_out(kit: Kit, model: Model) -> Any:
    """plan → Send("work", {"n": i}) for i in 1..3 → each adds one item."""

    def fan_out(state: Mapping[str, Any]) -> list[Any]:
        return [kit.Send("work", {"n": n}) for n in (1, 2, 3)]

    def work(arg: Mapping[str, Any]) -> dict[str, Any]:
        kit.get_stream_writer()({"worker": arg["n"]})
        return {"items": [f"w{arg['n']}"]}

    graph = kit.StateGraph(ItemsState)
    graph.add_node("plan", lambda state: {"topic": "fan"})
    graph.add_node("work", work)
    graph.add_edge(kit.START, "plan")
    graph.add_conditional_edges("plan", fan_out, ["work"])
    graph.add_edge("work", kit.END)
    return graph.compile()


def _custom_and_messages(kit: Kit, model: Model) -> Any:
    """Nodes that write custom events and return whole messages (with and without ids)."""

    def greet(state: Mapping[str, Any]) -> dict[str, Any]:
        writer = kit.get_stream_writer()
        writer({"step": "greet", "n": 1})
        writer("plain text event")
        return {"messages": [kit.AIMessage("Hello!"), kit.AIMessage("Fixed id.", id="ai-1")]}

    def answer(state: Mapping[str, Any]) -> dict[str, Any]:
        kit.get_stream_writer()({"step": "answer", "seen": len(state["messages"])})
        return {
            "messages": [
                kit.HumanMessage("A follow-up.", id="human-2"),
                {"role": "assistant", "content": "As a dict."},
            ]
        }

    graph = kit.StateGraph(_messages_state(kit))
    graph.add_node("greet", greet)
    graph.add_node("answer", answer)
    graph.add_edge(kit.START, "greet")
    graph.add_edge("greet", "answer")
    graph.add_edge("answer", kit.END)
    return graph.compile()


class PydanticState(BaseModel):
    """A pydantic state with a reducer key and defaults."""

    text: str
    count: int = 0
    items: Annotated[list[str], operator.add] = []


@dataclass
class DataclassState:
    """A dataclass state with a reducer key and defaults."""

    text: str
    count: int = 0
    items: Annotated[list[str], operator.add] | None = None


def _typed_state(schema: type[Any]) -> Callable[[Kit, Model], Any]:
    def build(kit: Kit, model: Model) -> Any:
        def first(state: Any) -> dict[str, Any]:
            return {"count": state.count + 1, "items": [state.text]}

        def second(state: Any) -> dict[str, Any]:
            return {"count": state.count + 1, "items": [str(state.count)]}

        graph = kit.StateGraph(schema)
        graph.add_node("first", first)
        graph.add_node("second", second)
        graph.add_edge(kit.START, "first")
        graph.add_edge("first", "second")
        graph.add_edge("second", kit.END)
        return graph.compile()

    return build


def _command_routing(kit: Kit, model: Model) -> Any:
    """``decide`` returns ``Command(goto="b", update=...)``; ``b`` and ``c`` end."""
    command = kit.need("Command")

    def decide(state: Mapping[str, Any]) -> Any:
        return command(goto="b", update={"topic": "routed"})

    graph = kit.StateGraph(ItemsState)
    graph.add_node("decide", decide)
    graph.add_node("b", lambda state: {"items": ["b"]})
    graph.add_node("c", lambda state: {"items": ["c"]})
    graph.add_edge(kit.START, "decide")
    graph.add_edge("b", kit.END)
    graph.add_edge("c", kit.END)
    return graph.compile()


def _tool_node_graph(kit: Kit, model: Model) -> Any:
    """The hand-built agent: a model node, ``ToolNode`` and ``tools_condition``."""
    tool_node, tools_condition = kit.need("ToolNode"), kit.need("tools_condition")
    tools: list[Any] = [weather_tool(kit)]
    if kit.name == "langgraph":
        from langchain_core.tools import tool

        tools = [tool(fn) for fn in tools]
    graph = kit.StateGraph(_messages_state(kit))
    graph.add_node("model", kit.model_node(model()))
    graph.add_node("tools", tool_node(tools))
    graph.add_edge(kit.START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("seed_agent", _agent, QUESTION, (Reply("Let me check.", (PARIS,)), Reply("Sunny."))),
    Scenario(
        "named_agent",
        lambda kit, model: _agent(kit, model, name="weather_agent"),
        QUESTION,
        (Reply("Let me check.", (PARIS,)), Reply("Sunny.")),
    ),
    Scenario(
        "parallel_tools",
        _agent,
        QUESTION,
        (Reply("Checking both.", (PARIS, ROME)), Reply("Both sunny.")),
        ordered=False,
    ),
    Scenario("no_tool_call", _agent, QUESTION, (Reply("Hello there."),)),
    Scenario(
        "agent_subgraph",
        lambda kit, model: _with_agent_node(kit, model, levels=1),
        QUESTION,
        (Reply("Hm.", (PARIS,)), Reply("Sunny.")),
    ),
    Scenario(
        "agent_subgraph_2_levels",
        lambda kit, model: _with_agent_node(kit, model, levels=2),
        QUESTION,
        (Reply("Hm.", (PARIS,)), Reply("Sunny.")),
    ),
    Scenario(
        "failing_tool",
        lambda kit, model: _agent(kit, model, failing_tool),
        QUESTION,
        (Reply("Let me check.", (PARIS,)), Reply("Sorry.")),
    ),
    Scenario(
        "invalid_tool_args",
        _agent,
        QUESTION,
        (Reply("Let me check.", (("get_weather", {"town": "Paris"}, "call_1"),)), Reply("Oops.")),
    ),
    Scenario(
        "model_fails_mid_stream",
        _agent,
        QUESTION,
        (Reply("It is sunny today", error=ValueError("model overloaded"), after_chunks=2),),
    ),
    Scenario(
        "recursion_limit",
        _agent,
        QUESTION,
        tuple(Reply("Again.", ((PARIS[0], PARIS[1], f"call_{n}"),)) for n in range(1, 5)),
        config={"recursion_limit": 3},
    ),
    Scenario(
        "tool_node_graph",
        _tool_node_graph,
        QUESTION,
        (Reply("Let me check.", (PARIS,)), Reply("Sunny.")),
    ),
    Scenario("reducers", _reducers, {"topic": "x"}, ordered=False),
    Scenario("send_fan_out", _send_fan_out, {"topic": "x"}, ordered=False),
    Scenario("custom_and_messages", _custom_and_messages, QUESTION),
    Scenario("pydantic_state", _typed_state(PydanticState), {"text": "hi"}),
    Scenario("dataclass_state", _typed_state(DataclassState), {"text": "hi", "items": []}),
    Scenario("command_routing", _command_routing, {"topic": "x"}),
)
"""Every scenario, by name."""

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def kit_for(side: str) -> Kit:
    """LangGraph's kit for ``langgraph``, rxagent's for its variants."""
    return LANGGRAPH if side == "langgraph" else RXAGENT
