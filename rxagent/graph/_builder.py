"""``StateGraph``: declare nodes and edges, then ``compile()`` into a runnable graph."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from rxagent.graph._branch import Branch
from rxagent.graph._command import Command
from rxagent.graph._compiled import CompiledStateGraph
from rxagent.graph._constants import END, START
from rxagent.graph._node import NodeSpec, node_spec
from rxagent.graph._state import Schema, StateSpec

if TYPE_CHECKING:
    from typing import Self

_RESERVED = frozenset({START, END})


class StateGraph:
    """A graph of nodes that read and update a shared state, run in supersteps.

    Args:
        state_schema: a ``TypedDict``, pydantic model or dataclass whose keys are the state
            keys; ``Annotated[list, add_messages]`` gives a key a reducer. ``dict`` (the
            default) accepts any key, last write wins.
        context_schema: the type of the run's ``context=``, which nodes read from
            ``runtime.context``.
        input_schema: the keys the graph's input may set (default: the state schema).
        output_schema: the keys ``invoke()`` returns (default: the state schema).

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

    def __init__(
        self,
        state_schema: Any = dict,
        context_schema: type[Any] | None = None,
        *,
        input_schema: Any = None,
        output_schema: Any = None,
    ) -> None:
        self.spec = StateSpec(state_schema)
        self.state_schema = state_schema
        self.context_schema = context_schema
        self.input_schema = input_schema or state_schema
        self.output_schema = output_schema or state_schema
        self.input = self.spec.add(Schema(self.input_schema))
        self.output = self.spec.add(Schema(self.output_schema))
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
        input_schema: Any = None,
        destinations: Sequence[str] | Mapping[str, str] | None = None,
    ) -> Self:
        """Add a node: ``add_node("name", fn)``, or ``add_node(fn)`` named after ``fn``.

        The node may be a sync or async function returning an update (a dict, a model
        instance or a ``Command``), a sync or async generator yielding tokens and updates,
        a function returning an Observable, or a compiled graph (run as a subgraph). It
        reads the state through ``input_schema``, else its first parameter's annotation,
        else the state schema; ``runtime``, ``config`` and ``writer`` parameters are
        injected.

        Raises:
            ValueError: the name is taken or reserved (LangGraph's wording).
        """
        if action is None:
            if isinstance(node, str):
                raise TypeError(f"add_node({node!r}) needs a function or graph to run")
            action = node
            node = _name_of(action)
        if not isinstance(node, str):
            raise TypeError(f"A node name must be a str, got {node!r}")
        if node in self.nodes:
            raise ValueError(f"Node `{node}` already present.")
        if node in _RESERVED:
            raise ValueError(f"Node `{node}` is reserved.")
        for character in ("|", ":"):
            if character in node:
                raise ValueError(
                    f"'{character}' is a reserved character and is not allowed in the node names."
                )
        schema = input_schema or _first_param_schema(action)
        reads = self.spec.add(Schema(schema)) if schema is not None else self.spec.state
        ends = tuple(destinations) if destinations is not None else _command_ends(action)
        subgraph = isinstance(action, CompiledStateGraph)
        self.nodes[node] = node_spec(
            node, action, metadata, tuple(tags), reads, ends, subgraph=subgraph
        )
        return self

    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> Self:
        """Run ``end_key`` after ``start_key``; after all of them if ``start_key`` is a list.

        Raises:
            ValueError: ``END`` as a start or ``START`` as an end; for a list, a node not
                added yet.
        """
        if isinstance(start_key, str):
            if start_key == END:
                raise ValueError("END cannot be a start node")
            if end_key == START:
                raise ValueError("START cannot be an end node")
            if (start_key, end_key) not in self.edges:
                self.edges.append((start_key, end_key))
            return self
        for start in start_key:
            if start == END:
                raise ValueError("END cannot be a start node")
            if start not in self.nodes:
                raise ValueError(f"Need to add_node `{start}` first")
        if end_key == START:
            raise ValueError("START cannot be an end node")
        if end_key != END and end_key not in self.nodes:
            raise ValueError(f"Need to add_node `{end_key}` first")
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
        name = getattr(path, "__name__", None)
        name = "condition" if name in (None, "<lambda>") else name
        if any(b.source == source and b.name == name for b in self.branches):
            raise ValueError(f"Branch with name `{name}` already exists for node `{source}`")
        self.branches.append(Branch(source, path, ends, name))
        return self

    def add_sequence(self, nodes: Sequence[Callable[..., Any] | tuple[str, Any]]) -> Self:
        """Add nodes that run one after the other, each ``fn`` or ``(name, fn)``.

        Raises:
            ValueError: no nodes, or a name already in the graph.
        """
        if len(nodes) < 1:
            raise ValueError("Sequence requires at least one node.")
        previous: str | None = None
        for item in nodes:
            name, action = item if isinstance(item, tuple) else (_name_of(item), item)
            if name in self.nodes:
                raise ValueError(
                    f"Node names must be unique: node with the name '{name}' already exists. "
                    "If you need to use two different runnables/callables with the same name "
                    "(for example, using `lambda`), please provide them as tuples "
                    "(name, runnable/callable)."
                )
            self.add_node(name, action)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    def set_entry_point(self, key: str) -> Self:
        """Same as ``add_edge(START, key)``."""
        return self.add_edge(START, key)

    def set_conditional_entry_point(
        self,
        path: Callable[..., Any],
        path_map: Mapping[Hashable, str] | Sequence[str] | None = None,
    ) -> Self:
        """Same as ``add_conditional_edges(START, path, path_map)``."""
        return self.add_conditional_edges(START, path, path_map)

    def set_finish_point(self, key: str) -> Self:
        """Same as ``add_edge(key, END)``."""
        return self.add_edge(key, END)

    def compile(self, *, name: str | None = None) -> CompiledStateGraph:
        """Check the graph and return it ready to run.

        Raises:
            ValueError: an edge names an unknown node, or nothing starts from ``START``
                (LangGraph's wording).
        """
        self.validate()
        return CompiledStateGraph(self, name=name or "LangGraph")

    def validate(self) -> Self:
        """Check the edges as LangGraph's ``StateGraph.validate()`` does.

        Raises:
            ValueError: an edge starts or ends at an unknown node, or no edge starts at
                ``START``.
        """
        pairs = [*self.edges, *((src, dst) for srcs, dst in self.joins for src in srcs)]
        sources = {src for src, _ in pairs} | {b.source for b in self.branches}
        sources |= {name for name, spec in self.nodes.items() if spec.ends}
        for source in sources:
            if source not in self.nodes and source != START:
                raise ValueError(f"Found edge starting at unknown node '{source}'")
        if START not in sources:
            raise ValueError(
                "Graph must have an entrypoint: add at least one edge from START to another node"
            )
        targets = {dst for _, dst in pairs}
        for branch in self.branches:
            for dst in (branch.ends or {}).values():
                if dst not in self.nodes and dst != END:
                    raise ValueError(
                        f"At '{branch.source}' node, '{branch.name}' branch found unknown "
                        f"target '{dst}'"
                    )
        for spec in self.nodes.values():
            targets.update(spec.ends)
        for target in targets:
            if target not in self.nodes and target != END:
                raise ValueError(f"Found edge ending at unknown node `{target}`")
        return self


def _name_of(action: Any) -> str:
    name = getattr(action, "name", None) or getattr(action, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        raise TypeError(f"Cannot infer a node name from {action!r}; use add_node('name', fn)")
    if inspect.ismethod(action):
        return action.__name__
    return name


def _hints_of(action: Any) -> dict[str, Any]:
    if not (inspect.isfunction(action) or inspect.ismethod(action)):
        action = getattr(action, "__call__", None)  # noqa: B004
        if not inspect.ismethod(action):
            return {}
    try:
        return get_type_hints(action)
    except (NameError, TypeError):
        return {}


def _first_param_schema(action: Any) -> Any:
    """LangGraph's inferred input schema: the first parameter's annotation, if it is a
    class with annotations (a ``TypedDict``, a model, a dataclass)."""
    hints = _hints_of(action)
    if not hints:
        return None
    try:
        first = next(iter(inspect.signature(action).parameters))
    except (StopIteration, TypeError, ValueError):
        return None
    hint = hints.get(first)
    if isinstance(hint, type) and hint is not dict:
        try:
            return hint if get_type_hints(hint) else None
        except (NameError, TypeError):
            return None
    return None


def _command_ends(action: Any) -> tuple[str, ...]:
    """The nodes a ``-> Command[Literal["a", "b"]]`` annotation names."""
    rtn = _hints_of(action).get("return")
    if get_origin(rtn) is Union:
        rtn = next((arg for arg in get_args(rtn) if get_origin(arg) is Command), rtn)
    if get_origin(rtn) is Command and (args := get_args(rtn)) and get_origin(args[0]) is Literal:
        return tuple(get_args(args[0]))
    return ()
