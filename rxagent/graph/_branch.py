"""``Branch``: a conditional edge, and where its path function's answer leads."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Container, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rxagent.graph._constants import END, Send


@dataclass(frozen=True, slots=True)
class Branch:
    """A conditional edge: ``path(state)`` names where to go after ``source``.

    Example:
        >>> branch = Branch("a", lambda s: "go", {"go": "b"}, "condition")
        >>> branch.destinations("go", {"a", "b"})
        ['b']
    """

    source: str
    path: Callable[..., Any]
    ends: Mapping[Hashable, str] | None
    name: str = "condition"

    async def resolve(self, state: Any) -> Any:
        """Call ``path`` (sync or async) on ``state``."""
        result = self.path(state)
        if inspect.isawaitable(result):
            result = await result
        return result

    def destinations(self, result: Any, known: Container[str]) -> list[str | Send]:
        """Map what ``path`` returned to node names and ``Send`` packets, checking each.

        Raises:
            ValueError: an answer not in ``path_map``, or a node the graph does not have.
        """
        items = result if isinstance(result, list | tuple) else [result]
        return [self._destination(item, known) for item in items]

    def _destination(self, item: Any, known: Container[str]) -> str | Send:
        if isinstance(item, Send):
            check(item.node, known, f"Conditional edge from {self.source!r}")
            return item
        if self.ends is not None:
            if item not in self.ends:
                raise ValueError(
                    f"Conditional edge from {self.source!r} returned {item!r}, which is "
                    f"not in its path_map; valid: {', '.join(map(repr, self.ends))}"
                )
            item = self.ends[item]
        check(item, known, f"Conditional edge from {self.source!r}")
        return item  # type: ignore[no-any-return]


def check(name: Any, known: Container[str], what: str) -> None:
    """Raise if ``name`` is neither a node of the graph nor ``END``."""
    if name != END and name not in known:
        names = sorted(known) if isinstance(known, Sequence | Mapping | set) else []
        raise ValueError(
            f"{what} routed to unknown node {name!r}; known nodes: {', '.join(names)}, or END"
        )
