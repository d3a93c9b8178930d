"""Adding token usage as langchain-core's ``add_usage`` does, nested details included."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from rxagent.messages._types import UsageMetadata


def add_usage(left: UsageMetadata | None, right: UsageMetadata | None) -> UsageMetadata | None:
    """Sum two usages key by key, recursing into nested dicts, as langchain-core does.

    Integers add up (a key missing on one side counts as 0), so ``input_token_details``
    and ``output_token_details`` are summed per key, provider keys included. Where
    langchain-core raises (a value that is neither an int nor a dict), this never does:
    ``None`` counts as missing, two numbers add up, and otherwise the right value wins, so
    odd provider keys cannot end a run. ``None`` plus ``None`` is ``None``.

    Example:
        >>> add_usage({"input_tokens": 5, "output_tokens": 0, "total_tokens": 5,
        ...            "input_token_details": {"cache_read": 3}},
        ...           {"input_tokens": 0, "output_tokens": 4, "total_tokens": 4,
        ...            "input_token_details": {"cache_read": 1, "audio": 2}})
        {'input_tokens': 5, 'output_tokens': 4, 'total_tokens': 9, 'input_token_details': {'cache_read': 4, 'audio': 2}}
    """  # noqa: E501
    if left is None:
        return None if right is None else copy_usage(right)
    if right is None:
        return copy_usage(left)
    return cast(UsageMetadata, _add_dicts(left, right))


def copy_usage(usage: UsageMetadata) -> UsageMetadata:
    """A copy of ``usage`` that shares no nested dict with it.

    Example:
        >>> usage: UsageMetadata = {"input_tokens": 1, "output_tokens": 0, "total_tokens": 1,
        ...                         "input_token_details": {"cache_read": 1}}
        >>> copy_usage(usage)["input_token_details"] is usage["input_token_details"]
        False
    """
    return cast(UsageMetadata, _copy(usage))


def _add_dicts(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    summed = _copy(left)
    for key, value in right.items():
        summed[key] = _add_values(summed.get(key), value)
    return summed


def _add_values(mine: Any, value: Any) -> Any:
    if value is None:
        return mine
    if mine is None:
        return _copy(value) if isinstance(value, Mapping) else value
    if isinstance(mine, Mapping) and isinstance(value, Mapping):
        return _add_dicts(mine, value)
    if isinstance(mine, int | float) and isinstance(value, int | float):
        return mine + value
    return _copy(value) if isinstance(value, Mapping) else value


def _copy(mapping: Mapping[str, Any]) -> dict[str, Any]:
    # ``type(value) is int`` first: counts are ints, and ``isinstance`` against the
    # ``Mapping`` ABC is a Python-level check
    return {
        key: _copy(value) if type(value) is not int and isinstance(value, Mapping) else value
        for key, value in mapping.items()
    }
