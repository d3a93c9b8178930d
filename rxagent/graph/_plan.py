"""The frozen plan of a compiled graph, and routing as a function of plan and state.

``compile()`` copies the builder's nodes, edges and branches into a :class:`Plan`, so adding
to the builder later does not change a compiled graph. :func:`route` names the tasks of the
next superstep in LangGraph's order: ``Send`` tasks first, in the order they were sent, then
the triggered nodes by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Protocol

from rxagent.graph._branch import Branch, check
from rxagent.graph._constants import END, START, Send
from rxagent.graph._node import NodeSpec
from rxagent.graph._state import Schema, StateSpec


class Blueprint(Protocol):
    """What a graph is compiled from (a ``StateGraph``): nodes, edges, joins, branches and
    the state, input and output schemas."""

    spec: StateSpec
    input: Schema
    output: Schema
    nodes: dict[str, NodeSpec]
    edges: list[tuple[str, str]]
    joins: list[tuple[tuple[str, ...], str]]
    branches: list[Branch]


@dataclass(frozen=True, slots=True)
class Pending:
    """A task to run in the next superstep."""

    node: str
    triggers: tuple[str, ...]
    path: tuple[Any, ...]
    push: bool = False
    arg: Any = None


class Source(Protocol):
    """A finished task, as routing sees it: its node and its commands' destinations."""

    @property
    def node(self) -> str: ...

    @property
    def gotos(self) -> list[str | Send]: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """What routing needs of a compiled graph, frozen at ``compile()``.

    Example:
        >>> from rxagent.graph import START, StateGraph
        >>> builder = StateGraph().add_node("a", lambda s: None).add_edge(START, "a")
        >>> plan = Plan.of(builder)
        >>> plan.edges[START]
        ('a',)
    """

    nodes: Mapping[str, NodeSpec]
    triggers: Mapping[str, tuple[str, ...]]
    """Every channel a node subscribes to, sorted: what LangGraph reports as a pull task's
    ``triggers`` (``branch:to:<node>`` and each ``join:<srcs>:<node>``), whichever fired."""
    edges: Mapping[str, tuple[str, ...]]
    joins: tuple[tuple[tuple[str, ...], str], ...]
    joins_of: Mapping[str, tuple[int, ...]]
    branches: Mapping[str, tuple[Branch, ...]]
    state: Schema
    """The graph's state schema: what a branch after a node without an input schema reads."""

    @classmethod
    def of(cls, builder: Blueprint) -> Plan:
        """Freeze what ``builder`` declares."""
        edges: dict[str, list[str]] = {}
        for src, dst in builder.edges:
            edges.setdefault(src, []).append(dst)
        joins_of: dict[str, list[int]] = {}
        for index, (srcs, _) in enumerate(builder.joins):
            for src in srcs:
                joins_of.setdefault(src, []).append(index)
        branches: dict[str, list[Branch]] = {}
        for branch in builder.branches:
            branches.setdefault(branch.source, []).append(branch)
        nodes = {
            name: replace(spec, parent=builder.spec) if spec.kind == "graph" else spec
            for name, spec in builder.nodes.items()
        }
        triggers = {name: {f"branch:to:{name}"} for name in nodes}
        for srcs, dst in builder.joins:
            if dst in triggers:
                triggers[dst].add(f"join:{'+'.join(srcs)}:{dst}")
        return cls(
            nodes=MappingProxyType(nodes),
            triggers=MappingProxyType({name: tuple(sorted(t)) for name, t in triggers.items()}),
            edges=_frozen(edges),
            joins=tuple(builder.joins),
            joins_of=_frozen(joins_of),
            branches=_frozen(branches),
            state=builder.spec.state,
        )

    def read(self, node: str, state: Mapping[str, Any]) -> Any:
        """What a conditional edge after ``node`` receives: the state as ``node`` reads it."""
        spec = self.nodes.get(node) if node != START else None
        schema = spec.reads if spec is not None and spec.reads is not None else self.state
        return schema.read(state)


async def route(
    plan: Plan,
    sources: Sequence[Source],
    state: Mapping[str, Any],
    joined: dict[int, set[str]],
) -> list[Pending]:
    """The tasks of the next superstep, after ``sources`` ran (none: the graph's start): a
    function of the plan and the state. ``joined`` remembers which sources of each join
    have arrived.
    """
    next_step = _NextStep(plan.triggers)
    for node, gotos in [(s.node, s.gotos) for s in sources] or [(START, [])]:
        for dest in gotos:
            check(
                dest.node if isinstance(dest, Send) else dest, plan.nodes, f"Command from {node!r}"
            )
            next_step.go(dest)
        for dst in plan.edges.get(node, ()):
            next_step.go(dst)
        for index in plan.joins_of.get(node, ()):
            srcs, dst = plan.joins[index]
            arrived = joined.setdefault(index, set())
            arrived.add(node)
            if arrived.issuperset(srcs):
                joined[index] = set()
                next_step.pull(dst)
        for branch in plan.branches.get(node, ()):
            result = await branch.resolve(plan.read(node, state))
            for dest in branch.destinations(result, plan.nodes):
                next_step.go(dest)
    return next_step.tasks()


class Graph(Protocol):
    """A compiled graph as the engine runs it (``CompiledStateGraph``)."""

    name: str
    plan: Plan
    builder: Blueprint


class _NextStep:
    """The tasks of the next superstep, as routing finds them."""

    __slots__ = ("pulls", "pushes", "triggers")

    def __init__(self, triggers: Mapping[str, tuple[str, ...]]) -> None:
        self.triggers = triggers
        self.pulls: set[str] = set()
        self.pushes: list[Pending] = []

    def go(self, dest: str | Send) -> None:
        """Run ``dest`` next: a node once (however many edges lead to it), a ``Send`` each."""
        if isinstance(dest, Send):
            path = ("__pregel_push", len(self.pushes), False)
            self.pushes.append(Pending(dest.node, ("__pregel_push",), path, True, dest.arg))
        else:
            self.pull(dest)

    def pull(self, node: str) -> None:
        """Run ``node`` next, once (nothing for ``END``)."""
        if node != END:
            self.pulls.add(node)

    def tasks(self) -> list[Pending]:
        """``Send`` tasks in the order sent, then the triggered nodes by name (LangGraph's)."""
        return self.pushes + [
            Pending(node, self.triggers[node], ("__pregel_pull", node))
            for node in sorted(self.pulls)
        ]


def path_key(path: Any) -> str:
    """LangGraph's ``task_path_str``: the key a step's writes are applied in order of.

    Example:
        >>> sorted([("__pregel_push", 0, False), ("__pregel_pull", "b")], key=path_key)
        [('__pregel_pull', 'b'), ('__pregel_push', 0, False)]
    """
    if isinstance(path, tuple | list):
        return f"~{', '.join(path_key(x) for x in path)}"
    if isinstance(path, int):
        return f"{path:010d}"
    return str(path)


def _frozen(items: Mapping[str, list[Any]]) -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType({key: tuple(value) for key, value in items.items()})
