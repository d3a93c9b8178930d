"""The graph runtime side by side with LangGraph: one builder, both libraries, same output.

Each test builds the same graph with ``langgraph`` and with ``rxagent.graph`` (a
:class:`Lib` bundles either's names), runs both on the same input, and compares what they
return, with random ids normalised.
"""

from __future__ import annotations

import asyncio
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Annotated, Any, Literal, TypedDict

import pytest
from pydantic import BaseModel

import rxagent.graph as rx_graph
import rxagent.messages as rx_messages

lg_graph = pytest.importorskip("langgraph.graph")
lg_types = pytest.importorskip("langgraph.types")
lg_runtime = pytest.importorskip("langgraph.runtime")
lc_messages = pytest.importorskip("langchain_core.messages")

Lib = SimpleNamespace
"""``StateGraph``, ``START``, ``END``, ``Send``, ``Command``, ``Runtime``, ``MessagesState``."""

LANGGRAPH = Lib(
    StateGraph=lg_graph.StateGraph,
    START=lg_graph.START,
    END=lg_graph.END,
    MessagesState=lg_graph.MessagesState,
    Send=lg_types.Send,
    Command=lg_types.Command,
    Runtime=lg_runtime.Runtime,
)
RXAGENT = Lib(
    StateGraph=rx_graph.StateGraph,
    START=rx_graph.START,
    END=rx_graph.END,
    MessagesState=rx_graph.MessagesState,
    Send=rx_graph.Send,
    Command=rx_graph.Command,
    Runtime=rx_graph.Runtime,
)
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise(value: Any) -> Any:
    """``value`` with every uuid replaced by ``"ID"``, and ``GraphOutput`` as a tuple."""
    if isinstance(value, str):
        return _ID.sub("ID", value)
    if isinstance(value, dict):
        return {normalise(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(normalise(v) for v in value)
    if type(value).__name__ == "GraphOutput":
        return ("GraphOutput", normalise(value.value), tuple(value.interrupts))
    return value


def same(build: Callable[[Lib], Any], run: Callable[[Any], Any]) -> Any:
    """Run ``run(build(lib))`` with both libraries; assert equal results and return one."""
    expected = normalise(run(build(LANGGRAPH)))
    got = normalise(run(build(RXAGENT)))
    assert got == expected
    return got


def same_error(build: Callable[[Lib], Any], part: str) -> None:
    """Assert both libraries raise the same ``ValueError`` message, containing ``part``."""
    messages = []
    for lib in (LANGGRAPH, RXAGENT):
        with pytest.raises(ValueError, match=re.escape(part)) as caught:
            build(lib)
        messages.append(str(caught.value))
    assert messages[1] == messages[0]


class Items(TypedDict):
    items: Annotated[list[str], operator.add]
    n: int


def _chain(lib: Lib) -> Any:
    """``a`` appends and counts what it read; ``b`` returns ``None``."""

    def a(state: Items) -> dict[str, Any]:
        return {"items": ["a"], "n": len(state["items"])}

    graph = lib.StateGraph(Items)
    graph.add_node("a", a)
    graph.add_node("b", lambda state: None)
    graph.add_edge(lib.START, "a")
    graph.add_edge("a", "b")
    return graph.compile()


# -- 1. the default stream mode and invoke ------------------------------------------------


def test_default_stream_mode_is_updates() -> None:
    chunks = same(_chain, lambda g: list(g.stream({})))
    assert chunks == [{"a": {"items": ["a"], "n": 0}}, {"b": None}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stream_mode": "updates"},
        {"stream_mode": "tasks"},
        {"version": "v2"},
        {"stream_mode": "updates", "version": "v2"},
    ],
    ids=["values", "updates", "tasks", "v2", "v2-updates"],
)
def test_invoke_returns_what_langgraph_returns(kwargs: dict[str, Any]) -> None:
    same(_chain, lambda g: g.invoke({"n": 5}, **kwargs))


def test_ainvoke_matches_invoke() -> None:
    same(_chain, lambda g: asyncio.run(g.ainvoke({}, stream_mode="updates", version="v2")))


# -- 2. reducer keys start empty; 3. no values after a step that wrote nothing ------------


def test_reducer_key_nobody_wrote_is_its_empty_value() -> None:
    values = same(_chain, lambda g: list(g.stream({"n": 1}, stream_mode="values")))
    assert values == [{"items": [], "n": 1}, {"items": ["a"], "n": 0}]


def test_no_values_after_a_step_that_wrote_nothing_nor_for_empty_input() -> None:
    items = same(_chain, lambda g: list(g.stream({}, stream_mode=["values", "updates"])))
    assert [mode for mode, _ in items] == ["updates", "values", "updates"]
    assert same(_chain, lambda g: g.invoke({}, stream_mode="values")) == {"items": ["a"], "n": 0}


class Counters(TypedDict):
    total: Annotated[int, operator.add]
    maybe: Annotated[str | None, lambda a, b: b]


def test_empty_value_follows_the_type_and_untyped_reducers_start_absent() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Counters)
        graph.add_node("a", lambda s: {"total": 2, "maybe": "x"})
        graph.add_edge(lib.START, "a")
        return graph.compile()

    values = same(build, lambda g: list(g.stream({"total": 1}, stream_mode="values")))
    assert values == [{"total": 1}, {"total": 3, "maybe": "x"}]


def test_a_node_returning_an_empty_dict_has_a_none_update() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        graph.add_node("e", lambda s: {})
        graph.add_edge(lib.START, "e")
        return graph.compile()

    same(build, lambda g: list(g.stream({"n": 1}, stream_mode=["values", "updates"])))


# -- 4. tasks metadata; v2 values parts -------------------------------------------------


def test_task_start_payload_carries_user_metadata() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        graph.add_node("a", lambda s: {"n": 1}, metadata={"k": "v"})
        graph.add_node("b", lambda s: {"n": 2})
        graph.add_edge(lib.START, "a")
        graph.add_edge("a", "b")
        return graph.compile()

    config = {"metadata": {"user": 1}, "tags": ["t1"]}
    tasks = same(build, lambda g: list(g.stream({}, config, stream_mode="tasks")))
    assert tasks[0]["metadata"] == {"user": 1, "k": "v", "tags": ["t1"]}
    plain = same(build, lambda g: list(g.stream({}, stream_mode="tasks")))
    assert "metadata" not in plain[2]
    assert plain[0]["metadata"] == {"k": "v"}


def test_triggers_name_every_channel_a_node_subscribes_to_sorted() -> None:
    """A pull task lists ``branch:to:<node>`` and its joins, whichever fired; a Send, PUSH."""

    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        for name in ("zeta", "alpha", "join", "both", "work"):
            graph.add_node(name, lambda s: None)
        graph.add_edge(lib.START, "zeta").add_edge(lib.START, "alpha")
        graph.add_edge(["zeta", "alpha"], "join")  # only the join fires
        graph.add_edge(["alpha"], "both").add_edge("zeta", "both")  # both fire
        graph.add_conditional_edges("join", lambda s: [lib.Send("work", 1)])
        return graph.compile()

    def triggers(graph: Any) -> list[tuple[str, Any]]:
        starts = [t for t in graph.stream({}, stream_mode="tasks") if "input" in t]
        return [(t["name"], t["triggers"]) for t in starts]

    found = same(build, triggers)
    assert ("join", ("branch:to:join", "join:zeta+alpha:join")) in found
    assert ("both", ("branch:to:both", "join:alpha:both")) in found
    assert ("work", ("__pregel_push",)) in found


def test_v2_values_parts_carry_interrupts() -> None:
    parts = same(_chain, lambda g: list(g.stream({"n": 1}, stream_mode="values", version="v2")))
    assert parts[0] == {"type": "values", "ns": (), "data": {"items": [], "n": 1}, "interrupts": ()}


class Person(BaseModel):
    name: str
    count: int = 0
    nickname: str | None = None
    items: Annotated[list[str], operator.add] = []


def _pydantic(lib: Lib) -> Any:
    def rename(state: Person) -> Person:
        assert isinstance(state, Person)
        return Person(name=state.name + "!", count=state.count + 1)

    def count(state: Person) -> dict[str, Any]:
        return {"items": [f"{state.name}:{state.count}"]}

    graph = lib.StateGraph(Person)
    graph.add_sequence([rename, count])
    graph.set_entry_point("rename")
    return graph.compile()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stream_mode": ["values", "updates", "tasks"]},
        {"stream_mode": ["values", "updates"], "version": "v2"},
    ],
    ids=["v1", "v2"],
)
def test_pydantic_state_streams(kwargs: dict[str, Any]) -> None:
    same(_pydantic, lambda g: list(g.stream({"name": "ann", "count": "3"}, **kwargs)))


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_pydantic_state_from_an_instance(version: str) -> None:
    out = same(_pydantic, lambda g: g.invoke(Person(name="bo", items=["x"]), version=version))
    if version == "v2":
        assert isinstance(out[1], Person)


def test_pydantic_state_rejects_an_invalid_input() -> None:
    for lib in (LANGGRAPH, RXAGENT):
        with pytest.raises(ValueError, match="name"):  # pydantic's ValidationError
            _pydantic(lib).invoke({"count": 1})


@dataclass
class Job:
    name: str
    log: Annotated[list[str], operator.add] = field(default_factory=list)


def test_dataclass_state() -> None:
    def build(lib: Lib) -> Any:
        def work(state: Job) -> dict[str, Any]:
            assert isinstance(state, Job)
            return {"log": [state.name]}

        graph = lib.StateGraph(Job)
        graph.add_node("work", work)
        graph.set_entry_point("work")
        graph.set_finish_point("work")
        return graph.compile()

    same(build, lambda g: list(g.stream({"name": "x"}, stream_mode="values", version="v2")))
    same(build, lambda g: g.invoke(Job(name="y")))


# -- 5. a step's writes in LangGraph's order -------------------------------------------


def test_parallel_writes_apply_in_task_path_order_not_completion_order() -> None:
    async def slow(state: Items) -> dict[str, Any]:
        await asyncio.sleep(0.05)
        return {"items": ["slow"]}

    async def fast(state: Items) -> dict[str, Any]:
        return {"items": ["fast"]}

    async def work(arg: int) -> dict[str, Any]:
        await asyncio.sleep(0.01 * arg)
        return {"items": [str(arg)]}

    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        for name, fn in [("z_slow", slow), ("a_fast", fast), ("work", work)]:
            graph.add_node(name, fn)
        graph.add_edge(lib.START, "z_slow")
        graph.add_edge(lib.START, "a_fast")
        graph.add_conditional_edges(lib.START, lambda s: [lib.Send("work", i) for i in (3, 1)])
        return graph.compile()

    out = same(build, lambda g: asyncio.run(g.ainvoke({})))
    assert out["items"] == ["fast", "slow", "3", "1"]

    async def started(graph: Any) -> list[str]:
        return [t["name"] async for t in graph.astream({}, stream_mode="tasks") if "input" in t]

    starts = same(build, lambda g: asyncio.run(started(g)))
    assert starts == ["work", "work", "a_fast", "z_slow"], "Sends first, then nodes by name"


# -- 6. builder errors in LangGraph's words ------------------------------------------------


def _one_node(lib: Lib) -> Any:
    graph = lib.StateGraph(Items)
    graph.add_node("a", lambda s: None)
    return graph


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda lib: _one_node(lib).add_node("a", lambda s: None), "Node `a` already present."),
        (lambda lib: _one_node(lib).add_node(lib.END, lambda s: None), "is reserved"),
        (lambda lib: _one_node(lib).add_node("x:y", lambda s: None), "reserved character"),
        (lambda lib: _one_node(lib).compile(), "Graph must have an entrypoint"),
        (
            lambda lib: _one_node(lib).add_edge(lib.START, "a").add_edge("a", "b").compile(),
            "Found edge ending at unknown node `b`",
        ),
        (
            lambda lib: _one_node(lib).add_edge(lib.START, "a").add_edge("x", "a").compile(),
            "Found edge starting at unknown node 'x'",
        ),
        (lambda lib: _one_node(lib).add_edge(lib.END, "a"), "END cannot be a start node"),
        (lambda lib: _one_node(lib).add_edge("a", lib.START), "START cannot be an end node"),
        (lambda lib: _one_node(lib).add_edge(["a", "x"], "a"), "Need to add_node `x` first"),
        (
            lambda lib: (
                _one_node(lib)
                .add_edge(lib.START, "a")
                .add_conditional_edges("a", lambda s: "x", {"x": "ghost"})
                .compile()
            ),
            "'condition' branch found unknown target 'ghost'",
        ),
        (lambda lib: lib.StateGraph(Items).add_sequence([]), "requires at least one node"),
        (
            lambda lib: _one_node(lib).add_sequence([("a", lambda s: None)]),
            "Node names must be unique",
        ),
    ],
    ids=[
        "duplicate",
        "reserved",
        "colon",
        "entrypoint",
        "edge-to",
        "edge-from",
        "end-start",
        "start-end",
        "join",
        "branch",
        "sequence",
        "sequence-dup",
    ],
)
def test_builder_errors_use_langgraph_wording(build: Callable[[Lib], Any], message: str) -> None:
    same_error(build, message)


def same_run_error(build: Callable[[Lib], Any], run: Callable[[Any], Any]) -> str:
    """Assert ``run(build(lib))`` raises the same error type name and text in both; return it."""
    raised = []
    for lib in (LANGGRAPH, RXAGENT):
        try:
            run(build(lib))
        except Exception as error:  # LangGraph's errors share no base class with ours
            raised.append((type(error).__name__, str(error)))
        else:
            pytest.fail("the run raised nothing")
    assert raised[1] == raised[0]
    return raised[0][1]


def test_parallel_writes_to_one_key_in_langgraph_wording() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        graph.add_node("a", lambda s: {"n": 1}).add_node("b", lambda s: {"n": 2})
        return graph.add_edge(lib.START, "a").add_edge(lib.START, "b").compile()

    text = same_run_error(build, lambda g: g.invoke({}))
    assert text.startswith("At key 'n': Can receive only one value per step.")
    assert text.endswith("/errors/INVALID_CONCURRENT_GRAPH_UPDATE")
    with pytest.raises(ValueError, match="At key 'n'"):  # rxagent's is also a ValueError
        build(RXAGENT).invoke({})


def test_recursion_limit_in_langgraph_wording() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Items)
        graph.add_node("loop", lambda s: {"items": ["x"]})
        return graph.add_edge(lib.START, "loop").add_edge("loop", "loop").compile()

    text = same_run_error(build, lambda g: list(g.stream({}, {"recursion_limit": 3})))
    assert text.startswith("Recursion limit of 3 reached without hitting a stop condition.")
    assert text.endswith("/errors/GRAPH_RECURSION_LIMIT")


# -- 7. Runtime, Command, schemas, MessagesState ------------------------------------------


@dataclass
class Ctx:
    user: str


def test_runtime_context_and_stream_writer() -> None:
    def build(lib: Lib) -> Any:
        def greet(state: Items, runtime: lib.Runtime[Ctx]) -> dict[str, Any]:  # type: ignore[name-defined]
            runtime.stream_writer({"user": runtime.context.user})
            return {"items": [runtime.context.user]}

        graph = lib.StateGraph(Items, context_schema=Ctx)
        graph.add_node("greet", greet)
        graph.add_edge(lib.START, "greet")
        return graph.compile()

    modes = ["custom", "updates", "values"]
    items = same(build, lambda g: list(g.stream({}, context=Ctx("ann"), stream_mode=modes)))
    assert items[0] == ("custom", {"user": "ann"})
    same(build, lambda g: g.invoke({}, context=Ctx("bo")))
    same(build, lambda g: asyncio.run(g.ainvoke({}, context=Ctx("cy"))))


def test_command_update_goto_and_send() -> None:
    def build(lib: Lib) -> Any:
        def a(state: Items) -> Any:
            return lib.Command(update={"items": ["a"]}, goto=["b", lib.Send("c", {"n": 7})])

        graph = lib.StateGraph(Items)
        graph.add_node("a", a)
        graph.add_node("b", lambda s: {"items": ["b"]})
        graph.add_node("c", lambda s: {"items": [f"c{s['n']}"]})
        graph.add_edge(lib.START, "a")
        return graph.compile()

    same(build, lambda g: list(g.stream({}, stream_mode=["updates", "values", "tasks"])))
    assert same(build, lambda g: g.invoke({}))["items"] == ["a", "b", "c7"]


def test_command_annotation_names_destinations() -> None:
    def build(lib: Lib) -> Any:
        def a(state: Items) -> lib.Command[Literal["b"]]:  # type: ignore[name-defined]
            return lib.Command(goto="b")

        graph = lib.StateGraph(Items)
        graph.add_node("a", a)
        graph.add_node("b", lambda s: {"n": 1})
        graph.add_edge(lib.START, "a")
        return graph.compile()

    same(build, lambda g: g.invoke({}))


def test_command_to_the_parent_graph() -> None:
    def build(lib: Lib) -> Any:
        def inner(state: Items) -> Any:
            return lib.Command(update={"items": ["inner"]}, goto="after", graph=lib.Command.PARENT)

        sub = lib.StateGraph(Items)
        sub.add_node("inner", inner)
        sub.add_edge(lib.START, "inner")
        graph = lib.StateGraph(Items)
        graph.add_node("sub", sub.compile())
        graph.add_node("after", lambda s: {"n": len(s["items"])})
        graph.add_edge(lib.START, "sub")
        return graph.compile()

    same(build, lambda g: list(g.stream({}, subgraphs=True)))
    assert same(build, lambda g: g.invoke({})) == {"items": ["inner"], "n": 1}


class Outer(TypedDict):
    n: int


class Private(TypedDict):
    secret: str


def test_node_input_schema_for_private_keys() -> None:
    def build(lib: Lib) -> Any:
        def hide(state: Outer) -> Private:
            return {"secret": "abc"}

        def use(state: Private) -> Outer:
            assert set(state) == {"secret"}
            return {"n": len(state["secret"])}

        graph = lib.StateGraph(Outer)
        graph.add_sequence([hide, use])
        graph.add_edge(lib.START, "hide")
        return graph.compile()

    same(build, lambda g: list(g.stream({"n": 0}, stream_mode=["values", "updates"])))
    assert same(build, lambda g: g.invoke({"n": 0})) == {"n": 3}


class In(TypedDict):
    question: str


class Out(TypedDict):
    answer: str


class Whole(TypedDict):
    question: str
    answer: str
    scratch: str


def test_input_and_output_schemas() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(Whole, input_schema=In, output_schema=Out)
        graph.add_node("x", lambda s: {"answer": s["question"] + "!", "scratch": "t"})
        graph.add_edge(lib.START, "x")
        return graph.compile()

    same(build, lambda g: list(g.stream({"question": "hi"}, stream_mode="values")))
    assert same(build, lambda g: g.invoke({"question": "hi"})) == {"answer": "hi!"}


def test_messages_state_and_conditional_entry_point() -> None:
    def build(lib: Lib) -> Any:
        graph = lib.StateGraph(lib.MessagesState)
        graph.add_node("echo", lambda s: {"messages": [("ai", s["messages"][-1].text)]})
        graph.set_conditional_entry_point(lambda s: "echo" if s["messages"] else lib.END)
        graph.set_finish_point("echo")
        return graph.compile()

    def run(graph: Any) -> list[tuple[str, str]]:
        out = graph.invoke({"messages": [{"role": "user", "content": "hi"}]})
        return [(m.type, m.text) for m in out["messages"]]

    assert same(build, run) == [("human", "hi"), ("ai", "hi")]


def test_compiled_graph_does_not_change_when_the_builder_does() -> None:
    graph = RXAGENT.StateGraph(Items)
    graph.add_node("a", lambda s: {"n": 1}).add_edge(RXAGENT.START, "a")
    compiled = graph.compile()
    graph.add_node("b", lambda s: {"n": 2}).add_edge("a", "b")
    assert compiled.invoke({}) == {"items": [], "n": 1}


class Wider(TypedDict):
    items: Annotated[list[str], operator.add]
    extra: str


def test_subgraph_input_and_output_keep_the_keys_each_graph_has() -> None:
    def build(lib: Lib) -> Any:
        sub = lib.StateGraph(Wider)
        sub.add_node("inner", lambda s: {"items": [f"saw {sorted(s)}"], "extra": "x"})
        sub.add_edge(lib.START, "inner")
        graph = lib.StateGraph(Items)
        graph.add_node("sub", sub.compile())
        graph.add_edge(lib.START, "sub")
        return graph.compile()

    modes = ["values", "updates"]
    same(build, lambda g: list(g.stream({"n": 1}, stream_mode=modes, subgraphs=True)))


def test_messages_of_nested_subgraphs_stream_once_under_the_graph_that_made_them() -> None:
    """LangGraph's one ``seen`` set: a message each enclosing graph returns again streams once."""

    def build(lib: Lib) -> Any:
        ai_message = lc_messages.AIMessage if lib is LANGGRAPH else rx_messages.AIMessage

        def speak(state: Any) -> dict[str, Any]:
            return {"messages": [ai_message("hi", id="m-1")]}

        inner: Any = lib.StateGraph(lib.MessagesState).add_node("speak", speak)
        inner = inner.add_edge(lib.START, "speak").compile()
        for _ in range(2):  # a middle graph, then the root
            outer = lib.StateGraph(lib.MessagesState).add_node("agent", inner)
            inner = outer.add_edge(lib.START, "agent").compile()
        return inner

    def seen(graph: Any, subgraphs: bool) -> list[tuple[Any, ...]]:
        items = graph.stream({"messages": []}, stream_mode="messages", subgraphs=subgraphs)
        if not subgraphs:
            return [(m.type, m.id, md["langgraph_node"]) for m, md in items]
        return [(ns, m.type, m.id, md["langgraph_node"]) for ns, (m, md) in items]

    nested = same(build, lambda g: seen(g, True))
    assert nested == [(("agent:ID", "agent:ID"), "ai", "m-1", "speak")]
    assert same(build, lambda g: seen(g, False)) == [("ai", "m-1", "agent")]
