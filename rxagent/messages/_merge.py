"""Merging of the metadata dicts of message chunks, with langchain-core's rules."""

from __future__ import annotations

from typing import Any

_KEEP_WHEN_EQUAL = frozenset({"id", "output_version", "model_provider"})
_LAST_WINS = frozenset({"index", "created", "timestamp"})


def merge_dicts(
    left: dict[str, Any], right: dict[str, Any], *, strict: bool = True
) -> dict[str, Any]:
    """Merge ``right`` into a copy of ``left`` as langchain-core's ``merge_dicts`` does.

    A key missing or ``None`` on the left takes the right value; strings concatenate (equal
    ``id``-like values are kept once); dicts merge recursively; lists concatenate; equal
    values are kept; integers add up, except ``index``/``created``/``timestamp`` (last wins).

    Args:
        left: the dict so far (not modified).
        right: the dict to merge in (not modified).
        strict: raise on values that cannot be merged, as langchain-core does; with
            ``False`` the right value replaces the left one instead, so unexpected
            provider metadata cannot end a run.

    Raises:
        TypeError: (only when ``strict``) a key holds values of different types, or values
            that cannot be merged.

    Example:
        >>> merge_dicts({"fc": {"args": '{"a"'}}, {"fc": {"args": ": 1}"}, "done": True})
        {'fc': {'args': '{"a": 1}'}, 'done': True}
        >>> merge_dicts({"k": 1}, {"k": "x"}, strict=False)
        {'k': 'x'}
    """
    merged = left.copy()
    for key, value in right.items():
        mine = merged.get(key)
        if mine is None:
            if key not in merged or value is not None:
                merged[key] = value
        elif value is None:
            continue
        elif type(mine) is not type(value):
            if strict:
                raise TypeError(
                    f"cannot merge key {key!r}: {type(mine).__name__} and {type(value).__name__}"
                )
            merged[key] = value
        else:
            merged[key] = _merge_values(key, mine, value, strict)
    return merged


def _merge_values(key: str, mine: Any, value: Any, strict: bool) -> Any:
    """Merge two non-None values of the same type."""
    if isinstance(mine, str):
        if key == "index" and mine.startswith("lc_"):
            return mine
        return mine if key in _KEEP_WHEN_EQUAL and mine == value else mine + value
    if isinstance(mine, dict):
        return merge_dicts(mine, value, strict=strict)
    if isinstance(mine, list):
        return mine + value
    if mine == value:
        return mine
    if isinstance(mine, int) and not isinstance(mine, bool):
        return value if key in _LAST_WINS else mine + value
    if not strict:
        return value
    raise TypeError(f"cannot merge key {key!r}: unsupported {type(mine).__name__} values")
