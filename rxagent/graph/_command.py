"""``Command``: what a node returns to update the state and choose where to go next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from rxagent.graph._constants import InvalidUpdateError, Send

N = TypeVar("N", bound=str)


@dataclass(frozen=True, slots=True)
class Command(Generic[N]):
    """Update the state and go to other nodes, from a node (LangGraph's ``Command``).

    ``goto`` runs the named nodes (or ``Send`` packets) in the next superstep, in addition
    to the node's edges; ``graph=Command.PARENT`` sends the command to the graph this
    graph is a subgraph of.

    Example:
        >>> from typing import Literal
        >>> def route(state: dict[str, Any]) -> Command[Literal["done"]]:
        ...     return Command(update={"n": state["n"] + 1}, goto="done")
    """

    graph: str | None = None
    """``None`` for this graph, ``Command.PARENT`` for the parent graph."""
    update: Any | None = None
    """A state update: a dict, a pydantic model or dataclass instance, or ``None``."""
    resume: Any | None = None
    """Accepted for LangGraph compatibility; rxagent has no interrupts to resume."""
    goto: Send | Sequence[Send | N] | N = ()
    """A node name, a ``Send``, or a sequence of them."""

    PARENT: ClassVar[Literal["__parent__"]] = "__parent__"

    def update_dict(self) -> dict[str, Any] | None:
        """The update as a dict, ``None`` if there is none.

        Raises:
            InvalidUpdateError: the update is not a dict, a list of (key, value) pairs or
                a model instance.
        """
        from rxagent.graph._state import update_of

        update = self.update
        if update is None:
            return None
        if isinstance(update, Mapping):
            return dict(update)
        if isinstance(update, list | tuple) and all(
            isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str) for t in update
        ):
            return dict(update)
        as_dict = update_of(update)
        if as_dict is None:
            raise InvalidUpdateError(
                f"Expected dict, got {update!r}: a Command's update is a dict of state keys, "
                f"a list of (key, value) pairs, or a model instance"
            )
        return as_dict

    def destinations(self) -> list[str | Send]:
        """``goto`` as a list of node names and ``Send`` packets."""
        goto = self.goto
        if isinstance(goto, str | Send):
            return [goto]
        return list(goto)


class ParentCommand(Exception):
    """Carries a ``Command(graph=Command.PARENT)`` out of a subgraph to its parent's task."""

    def __init__(self, command: Command[Any]) -> None:
        super().__init__(command)
        self.command = command
