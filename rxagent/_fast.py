"""Trusted construction of pydantic models, off the validation path: one mechanism.

Token chunks (and the events of ``observe()`` and the operators) are built by rxagent itself
on the per-token path, from values it already knows are valid. Validating them again costs
about 2.5 µs each (``model_construct`` included); a trusted instance costs about 0.5 µs.
User input is validated at the boundary, never here. ``stream()`` builds no event objects
at all (the engine shapes its items).

The instance it builds is what pydantic's own constructor gives for the same values: its
``__dict__`` (in field order), every field in ``__pydantic_fields_set__``, no extra, no
private values (``tests/test_fast.py`` checks it against every class it serves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_new = object.__new__


def maker(cls: type[M], given: frozenset[str] | None = None) -> Callable[[dict[str, Any]], M]:
    """A function building ``cls`` from a complete dict of field values, without validation.

    The dict (one value for every field, in declaration order) becomes the instance's
    ``__dict__``: the caller must not reuse it. ``given``: the fields the caller was given,
    the others being their defaults (the instance's ``model_fields_set``, as pydantic's
    constructor sets it when only those were passed); every field when ``None``.

    Example:
        >>> from pydantic import BaseModel
        >>> class P(BaseModel):
        ...     x: int
        ...     y: int = 0
        >>> maker(P)({"x": 2, "y": 0})
        P(x=2, y=0)
        >>> maker(P, frozenset({"x"}))({"x": 2, "y": 0}).model_fields_set
        {'x'}
    """
    slots = vars(BaseModel)
    set_dict = slots["__dict__"].__set__  # faster than object.__setattr__(obj, "__dict__")
    set_fields = slots["__pydantic_fields_set__"].__set__
    set_extra = slots["__pydantic_extra__"].__set__
    set_private = slots["__pydantic_private__"].__set__

    if given is not None:
        named = frozenset(given)

        def make_given(fields: dict[str, Any]) -> M:
            obj = _new(cls)
            set_dict(obj, fields)
            set_fields(obj, set(named))  # its own: pydantic adds to it on assignment
            set_extra(obj, None)
            set_private(obj, None)
            return obj

        return make_given
    fields_set = _fields_set(cls)

    def make(fields: dict[str, Any]) -> M:
        obj = _new(cls)
        set_dict(obj, fields)
        set_fields(obj, fields_set)
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    return make


_FIELDS_SET: dict[type[BaseModel], set[str]] = {}


def _fields_set(cls: type[BaseModel]) -> set[str]:
    """Every field of ``cls``: one set shared by its trusted instances.

    Sharing is safe: it already holds every field, so pydantic's in-place ``add`` on
    assignment changes nothing, and ``model_copy`` copies it before updating.
    """
    found = _FIELDS_SET.get(cls)
    if found is None:
        found = _FIELDS_SET[cls] = set(cls.model_fields)
    return found
