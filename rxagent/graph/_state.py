"""The state of a graph: its channels, their reducers, and how writes are applied.

A graph's state is a dict of channel values. A key with a reducer
(``Annotated[list, operator.add]``) starts at its type's empty value (``[]``, ``0``, ...) as in
LangGraph's ``BinaryOperatorAggregate``; any other key is absent until something writes it.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import (
    Annotated,
    Any,
    ClassVar,
    NotRequired,
    Required,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import BaseModel

from rxagent.graph._constants import InvalidUpdateError, troubleshooting

Reducer = Callable[[Any, Any], Any]
"""Combines the current value of a key with a write: ``reducer(current, update) -> new``."""

_ABSTRACT = {
    cabc.Sequence: list,
    cabc.MutableSequence: list,
    cabc.Set: set,
    cabc.MutableSet: set,
    cabc.Mapping: dict,
    cabc.MutableMapping: dict,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Channel:
    """One state key: its reducer (``None``: last value wins) and its empty value."""

    key: str
    reducer: Reducer | None = None
    empty: Callable[[], Any] | None = None
    """Makes the value a reducer key starts at; ``None``: the key starts absent."""


class Schema:
    """One schema's view of the state: which keys it reads and how it builds its value.

    Example:
        >>> from typing import TypedDict
        >>> class S(TypedDict):
        ...     n: int
        >>> Schema(S).read({"n": 1, "other": 2})
        {'n': 1}
    """

    __slots__ = ("hints", "keys", "model", "schema")

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.hints = _hints(schema)
        self.keys: tuple[str, ...] | None = None if self.hints is None else tuple(self.hints)
        """The keys of the schema; ``None`` for ``dict`` (every key)."""
        self.model = isinstance(schema, type) and (
            issubclass(schema, BaseModel) or dataclasses.is_dataclass(schema)
        )
        """Whether values are built as instances (a pydantic model or a dataclass)."""

    @property
    def name(self) -> str:
        """The schema's name, for messages."""
        return str(getattr(self.schema, "__name__", self.schema))

    def select(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The keys of ``state`` this schema has, as a dict (all of them for ``dict``)."""
        if self.keys is None:
            return dict(state)
        return {key: state[key] for key in self.keys if key in state}

    def read(self, state: Mapping[str, Any]) -> Any:
        """What a node with this input schema receives: a dict, or an instance of the model.

        Raises:
            pydantic.ValidationError: the state does not fit a pydantic schema.
        """
        values = self.select(state)
        return self.schema(**values) if self.model else values


class StateSpec:
    """What a graph's schemas say: its channels, and how a step's writes combine.

    A schema is a ``TypedDict``, a pydantic model, a dataclass, or ``dict`` (any keys,
    last write wins). A key annotated ``Annotated[T, reducer]`` combines writes with
    ``reducer(current, update)``, e.g. ``Annotated[list, add_messages]``.

    Example:
        >>> import operator
        >>> from typing import Annotated, TypedDict
        >>> S = TypedDict("S", {"items": Annotated[list[str], operator.add], "n": int})
        >>> spec = StateSpec(S)
        >>> spec.keys, spec.initial()
        (('items', 'n'), {'items': []})
    """

    def __init__(self, schema: Any) -> None:
        self.state = Schema(schema)
        self.schema = schema
        self.open = self.state.keys is None
        self.channels: dict[str, Channel] = {}
        self.add(self.state)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every state key of every schema added, in order."""
        return tuple(self.channels)

    def add(self, schema: Schema) -> Schema:
        """Add the keys of ``schema`` (an input, output or node schema) to the channels.

        Raises:
            ValueError: a key is declared again with another reducer.
        """
        for key, hint in (schema.hints or {}).items():
            channel = _channel(key, hint)
            known = self.channels.get(key)
            if known is None:
                self.channels[key] = channel
            elif channel.reducer is not None and not _same(known.reducer, channel.reducer):
                raise ValueError(f"Channel '{key}' already exists with a different type")
        return schema

    def initial(self) -> dict[str, Any]:
        """The state before any write: every reducer key at its empty value."""
        return {key: ch.empty() for key, ch in self.channels.items() if ch.empty is not None}

    def check(self, node: str | None, update: Mapping[str, Any]) -> None:
        """Raise :class:`InvalidUpdateError` if ``update`` (of ``node``, or of the input if
        ``None``) writes a key no schema has."""
        if self.open:
            return
        for key in update:
            if key not in self.channels:
                who = "The input sets" if node is None else f"Node {node!r} wrote"
                raise InvalidUpdateError(
                    f"{who} key {key!r}, which the state schema "
                    f"{self.state.name} does not have; valid keys: {', '.join(self.channels)}"
                )

    def apply(
        self, state: dict[str, Any], writes: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """Return a new state with ``writes`` applied in order, and whether any key was written.

        Raises:
            InvalidUpdateError: two writes of one step set the same key that has no reducer.
        """
        new = dict(state)
        written: set[str] = set()
        for write in writes:
            for key, value in write.items():
                channel = self.channels.get(key)
                reducer = channel.reducer if channel is not None else None
                if reducer is None:
                    if key in written:
                        raise InvalidUpdateError(
                            troubleshooting(
                                f"At key '{key}': Can receive only one value per step. Use an "
                                "Annotated key to handle multiple values.",
                                "INVALID_CONCURRENT_GRAPH_UPDATE",
                            )
                        )
                    new[key] = value
                else:
                    new[key] = reducer(new[key], value) if key in new else value
                written.add(key)
        if not self.open and not written.issubset(state):
            new = {key: new[key] for key in self.channels if key in new}  # schema order
        return new, bool(written)


def update_of(value: Any) -> dict[str, Any] | None:
    """The update a node means by returning a pydantic model or dataclass instance.

    As LangGraph: a pydantic field left at a ``None`` default is not written.
    """
    if isinstance(value, BaseModel):
        kept = value.model_fields_set
        fields = type(value).model_fields
        return {
            key: got
            for key, info in fields.items()
            if (got := getattr(value, key)) is not None or info.default is not None or key in kept
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return None


def _channel(key: str, hint: Any) -> Channel:
    if get_origin(hint) in (Required, NotRequired):
        hint = get_args(hint)[0]
    reducer = _reducer_of(hint)
    if reducer is None:
        return Channel(key)
    return Channel(key, reducer, _empty_of(hint))


def _same(a: Reducer | None, b: Reducer | None) -> bool:
    lambdas = getattr(a, "__name__", "") == "<lambda>" or getattr(b, "__name__", "") == "<lambda>"
    return lambdas or a is b


def _empty_of(hint: Any) -> Callable[[], Any] | None:
    typ = hint
    while hasattr(typ, "__origin__"):
        typ = get_args(typ)[0] if typ.__origin__ in (Required, NotRequired) else typ.__origin__
    typ = _ABSTRACT.get(typ, typ)
    try:
        typ()
    except Exception:
        return None
    return typ  # type: ignore[no-any-return]


def _hints(schema: Any) -> dict[str, Any] | None:
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
        hints = get_type_hints(schema, include_extras=True)
        return {k: v for k, v in hints.items() if get_origin(v) is not ClassVar}
    raise TypeError(
        f"A state schema must be a TypedDict, a pydantic model, a dataclass or dict; got {schema!r}"
    )


def _reducer_of(hint: Any) -> Reducer | None:
    if get_origin(hint) is not Annotated:
        return None
    last = hint.__metadata__[-1]
    if not callable(last) or isinstance(last, type):
        return None
    try:
        params = inspect.signature(last).parameters.values()
    except (TypeError, ValueError):  # some builtins
        return last  # type: ignore[no-any-return]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 2:
        raise ValueError(
            f"Invalid reducer signature. Expected (a, b) -> c. Got {inspect.signature(last)}"
        )
    return last  # type: ignore[no-any-return]
