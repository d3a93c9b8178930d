"""The graph package has no import cycle, and the engine imports nothing above it.

Every import counts: at module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "rxagent"
GRAPH = PACKAGE / "graph"

ENGINE: tuple[str, ...] = ("_branch", "_callbacks", "_command", "_constants", "_context")
ENGINE += ("_messages_state", "_node", "_output", "_plan", "_run", "_runtime", "_state", "_task")
"""The engine's modules: everything but the builder and the compiled graph's faces."""

ABOVE = ("rxagent.bridges", "rxagent._faces", "rxagent.operators", "rxagent.cli")
"""Layers above the engine (operators, faces, bridges, the CLI)."""


def imports_of(path: Path) -> set[str]:
    """Every ``rxagent...`` module ``path`` imports, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("rxagent")}


def graph_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in GRAPH.glob("*.py"):
        name = f"rxagent.graph.{path.stem}"
        edges[name] = {m for m in imports_of(path) if m.startswith("rxagent.graph.")}
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle, as the list of modules on it, or ``[]``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_graph_package_has_no_import_cycle() -> None:
    assert find_cycle(graph_edges()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_engine_imports_nothing_above_it() -> None:
    for stem in ENGINE:
        above = {m for m in imports_of(GRAPH / f"{stem}.py") if m.startswith(ABOVE)}
        assert above == set(), f"rxagent/graph/{stem}.py imports {sorted(above)}"
