"""``StateGraph``: declare nodes and edges, then ``compile()`` into a runnable graph."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rxagent.graph._constants import END, START, Send
from rxagent.graph._node import NodeSpec, node_spec
from rxagent.graph._state import StateSpec

if TYPE_CHECKING:
    from typing import Self

    from rxagent.graph._compiled import CompiledStateGraph

_RESERVED = frozenset({START, END})


@dataclass(frozen=True, slots=True)
class Branch:
    """A conditional edge: ``path(state)`` names where to go next."""

    source: str
    path: Callable[..., Any]
    ends: Mapping[Hashable, str] | None

    def destinations(self, result: Any, known: Mapping[str, Any]) -> list[str | Send]:
        """Map what ``path`` returned to node names and ``Send`` packets, checking each."""
        items = result if isinstance(result, list | tuple) else [result]
        out: list[str | Send] = []
        for item in items:
            if isinstance(item, Send):
                dest: str | Send = item
                name = item.node
            else:
                if self.ends is not None:
                    if item not in self.ends:
                        raise ValueError(
                            f"Conditional edge from {self.source!r} returned {item!r}, which is "
                            f"not in its path_map; valid: {', '.join(map(repr, self.ends))}"
                        )
                    item = self.ends[item]
                dest = name = item
            if name != END and name not in known:
                raise ValueError(
                    f"Conditional edge from {self.source!r} routed to unknown node {name!r}; "
                    f"known nodes: {', '.join(sorted(known))}, or END"
                )
            out.append(dest)
        return out


class StateGraph:
    """A graph of nodes that read and update a shared state, run in supersteps.

    Args:
        state_schema: a ``TypedDict``, pydantic model or dataclass whose keys are the state
            keys; ``Annotated[list, add_messages]`` gives a key a reducer. ``dict`` (the
            default) accepts any key, last write wins.

    Example:
        >>> from typing import TypedDict
        >>> class State(TypedDict):
        ...     text: str
        >>> graph = StateGraph(State)
        >>> _ = graph.add_node("shout", lambda s: {"text": s["text"].upper()})
        >>> _ = graph.add_edge(START, "shout")
        >>> graph.compile().invoke({"text": "hi"})
        {'text': 'HI'}
    """

    def __init__(self, state_schema: type[Any] = dict) -> None:
        self.spec = StateSpec(state_schema)
        self.nodes: dict[str, NodeSpec] = {}
        self.edges: list[tuple[str, str]] = []
        self.joins: list[tuple[tuple[str, ...], str]] = []
        self.branches: list[Branch] = []

    def add_node(
        self,
        node: str | Callable[..., Any] | CompiledStateGraph,
        action: Callable[..., Any] | CompiledStateGraph | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        tags: Sequence[str] = (),
    ) -> Self:
        """Add a node: ``add_node("name", fn)``, or ``add_node(fn)`` named after ``fn``.

        The node may be a sync or async function returning an update, a sync or async
        generator yielding tokens and updates, a function returning an Observable, or a
        compiled graph (run as a subgraph).
        """
        if action is None:
            if isinstance(node, str):
                raise TypeError(f"add_node({node!r}) needs a function or graph to run")
            action = node
            node = _name_of(action)
        if not isinstance(node, str):
            raise TypeError(f"A node name must be a str, got {node!r}")
        if node in _RESERVED:
            raise ValueError(f"{node!r} is reserved and cannot be a node name")
        if any(ch in node for ch in ":|"):
            raise ValueError(f"Node name {node!r} must not contain ':' or '|'")
        if node in self.nodes:
            raise ValueError(f"Node {node!r} is already in the graph")
        self.nodes[node] = node_spec(node, action, metadata, tuple(tags))
        return self

    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> Self:
        """Run ``end_key`` after ``start_key``; after all of them if ``start_key`` is a list."""
        if isinstance(start_key, str):
            self.edges.append((start_key, end_key))
        else:
            self.joins.append((tuple(start_key), end_key))
        return self

    def add_conditional_edges(
        self,
        source: str,
        path: Callable[..., Any],
        path_map: Mapping[Hashable, str] | Sequence[str] | None = None,
    ) -> Self:
        """After ``source``, go where ``path(state)`` says: node names, ``END`` or ``Send``\\s."""
        ends: Mapping[Hashable, str] | None
        if path_map is None or isinstance(path_map, Mapping):
            ends = path_map
        else:
            ends = {name: name for name in path_map}
        self.branches.append(Branch(source, path, ends))
        return self

    def add_sequence(self, nodes: Sequence[Callable[..., Any] | tuple[str, Any]]) -> Self:
        """Add nodes that run one after the other."""
        previous: str | None = None
        for item in nodes:
            if isinstance(item, tuple):
                name, action = item
                self.add_node(name, action)
            else:
                name = _name_of(item)
                self.add_node(name, item)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    def set_entry_point(self, node: str) -> Self:
        """Same as ``add_edge(START, node)``."""
        return self.add_edge(START, node)

    def set_finish_point(self, node: str) -> Self:
        """Same as ``add_edge(node, END)``."""
        return self.add_edge(node, END)

    def compile(self, *, name: str | None = None) -> CompiledStateGraph:
        """Check the graph and return it ready to run.

        Raises:
            ValueError: an edge names an unknown node, or nothing starts from ``START``.
        """
        from rxagent.graph._compiled import CompiledStateGraph

        self._validate()
        return CompiledStateGraph(self, name=name or "LangGraph")

    def _validate(self) -> None:
        known = set(self.nodes)
        pairs = [*self.edges, *((src, dst) for srcs, dst in self.joins for src in srcs)]
        for src, dst in pairs:
            _check_edge(src, dst, known)
        for branch in self.branches:
            _check_branch(branch, known)
        starts = [src for src, _ in self.edges if src == START]
        if not starts and not any(b.source == START for b in self.branches):
            raise ValueError(
                "The graph has no entry point: add an edge from START, "
                "e.g. graph.add_edge(START, 'model')"
            )


def _check_edge(src: str, dst: str, known: set[str]) -> None:
    if src == END:
        raise ValueError(f"An edge cannot start at END (edge {src!r} -> {dst!r})")
    if dst == START:
        raise ValueError(f"An edge cannot end at START (edge {src!r} -> {dst!r})")
    for name in (src, dst):
        if name not in known and name not in _RESERVED:
            raise ValueError(
                f"Edge {src!r} -> {dst!r} names unknown node {name!r}; "
                f"known nodes: {', '.join(sorted(known)) or '(none)'}"
            )


def _check_branch(branch: Branch, known: set[str]) -> None:
    if branch.source not in known and branch.source != START:
        raise ValueError(f"Conditional edge from unknown node {branch.source!r}")
    for dst in (branch.ends or {}).values():
        if dst not in known and dst != END:
            raise ValueError(
                f"Conditional edge from {branch.source!r} maps to unknown node {dst!r}; "
                f"known nodes: {', '.join(sorted(known))}"
            )


def _name_of(action: Any) -> str:
    name = getattr(action, "name", None) or getattr(action, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        raise TypeError(f"Cannot infer a node name from {action!r}; use add_node('name', fn)")
    if inspect.ismethod(action):
        return action.__name__
    return name
