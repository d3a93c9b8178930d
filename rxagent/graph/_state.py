"""The state schema of a graph: its keys, their reducers, and how writes are applied."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from rxagent.graph._constants import InvalidUpdateError

Reducer = Callable[[Any, Any], Any]
"""Combines the current value of a key with a write: ``reducer(current, update) -> new``."""

_EMPTY_OF: dict[Any, Callable[[], Any]] = {
    list: list,
    dict: dict,
    set: set,
    tuple: tuple,
    int: int,
    float: float,
    str: str,
}


class StateSpec:
    """What a state schema says: which keys exist and how each combines writes.

    A schema is a ``TypedDict``, a pydantic model, a dataclass, or ``dict`` (any keys,
    last write wins). A key annotated ``Annotated[T, reducer]`` combines writes with
    ``reducer(current, update)``, e.g. ``Annotated[list, add_messages]``.

    Example:
        >>> from typing import TypedDict
        >>> class S(TypedDict):
        ...     n: int
        >>> StateSpec(S).keys
        ('n',)
    """

    def __init__(self, schema: type[Any]) -> None:
        self.schema = schema
        hints = _hints(schema)
        self.open = hints is None
        self.keys: tuple[str, ...] = tuple(hints or ())
        self.reducers: dict[str, Reducer] = {}
        self.empty: dict[str, Callable[[], Any]] = {}
        for key, hint in (hints or {}).items():
            reducer = _reducer_of(hint)
            if reducer is not None:
                self.reducers[key] = reducer
                base = get_args(hint)[0]
                self.empty[key] = _EMPTY_OF.get(get_origin(base) or base, _none)

    def check(self, node: str, update: Mapping[str, Any]) -> None:
        """Raise :class:`InvalidUpdateError` if ``update`` writes a key the schema lacks."""
        if self.open:
            return
        for key in update:
            if key not in self.keys:
                raise InvalidUpdateError(
                    f"Node {node!r} wrote key {key!r}, which the state schema "
                    f"{self.schema.__name__} does not have; valid keys: {', '.join(self.keys)}"
                )

    def apply(self, state: dict[str, Any], writes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return a new state with ``writes`` applied in order.

        Raises:
            InvalidUpdateError: two writes of one step set the same key that has no reducer.
        """
        new = dict(state)
        written: set[str] = set()
        for write in writes:
            for key, value in write.items():
                reducer = self.reducers.get(key)
                if reducer is None:
                    if key in written:
                        raise InvalidUpdateError(
                            f"Key {key!r} received more than one value in one step; "
                            f"annotate it with a reducer, e.g. Annotated[list, operator.add]"
                        )
                    written.add(key)
                    new[key] = value
                else:
                    current = new[key] if key in new else self.empty[key]()
                    new[key] = reducer(current, value)
        return new

    def view(self, state: dict[str, Any]) -> Any:
        """What a node receives: the dict, or the schema's model for a pydantic schema."""
        schema = self.schema
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return schema.model_construct(**state)
        return state

    def project(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The part of ``state`` that this schema has (all of it for an open schema)."""
        if self.open:
            return dict(state)
        return {key: state[key] for key in self.keys if key in state}


def _none() -> Any:
    return None


def _hints(schema: type[Any]) -> dict[str, Any] | None:
    if schema is dict or schema is Any:
        return None
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return {
            name: (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            for name, info in schema.model_fields.items()
        }
    if dataclasses.is_dataclass(schema) or hasattr(schema, "__annotations__"):
        return get_type_hints(schema, include_extras=True)
    raise TypeError(
        f"A state schema must be a TypedDict, a pydantic model, a dataclass or dict; got {schema!r}"
    )


def _reducer_of(hint: Any) -> Reducer | None:
    if get_origin(hint) is not Annotated:
        return None
    for meta in reversed(get_args(hint)[1:]):
        if callable(meta) and _takes_two(meta):
            return meta  # type: ignore[no-any-return]
    return None


def _takes_two(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins such as operator.add
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)
