"""Merging of message chunks' metadata dicts and content blocks, with langchain-core's rules."""

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
    values are kept; integers add up, except ``index``/``created``/``timestamp`` (last wins);
    lists merge with ``merge_lists``.

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
        return merge_lists(mine, value, strict=strict)
    if mine == value:
        return mine
    if isinstance(mine, int) and not isinstance(mine, bool):
        return value if key in _LAST_WINS else mine + value
    if not strict:
        return value
    raise TypeError(f"cannot merge key {key!r}: unsupported {type(mine).__name__} values")


def merge_lists(left: list[Any], right: list[Any], *, strict: bool = True) -> list[Any]:
    """Append ``right`` to a copy of ``left`` as langchain-core's ``merge_lists`` does.

    An item of ``right`` that is a dict with an ``index`` (an int, or a string starting
    with ``lc_``) merges, without its ``type``, into the first earlier dict with the same
    ``index`` and no conflicting ``id`` (see ``merge_block``); any other item is appended.
    This joins streamed content blocks and tool-call pieces.

    Example:
        >>> merge_lists([{"type": "text", "text": "Hel", "index": 0}],
        ...             [{"type": "text", "text": "lo", "index": 0}, "x"])
        [{'type': 'text', 'text': 'Hello', 'index': 0}, 'x']
    """
    merged = list(left)
    for item in right:
        key = block_key(item)
        found = None if key is None else _first_match(merged, key, item.get("id"))
        if found is None:
            merged.append(item)
        else:
            earlier = merged[found]
            merged[found] = merge_dicts(earlier, merge_block(earlier, item), strict=strict)
    return merged


def block_key(item: Any) -> int | str | None:
    """The ``index`` that ``item`` merges by in a list, or ``None`` if it is appended as is."""
    if not isinstance(item, dict):
        return None
    index = item.get("index")
    if isinstance(index, int) or (isinstance(index, str) and index.startswith("lc_")):
        return index
    return None


def ids_agree(left: Any, right: Any) -> bool:
    """Two blocks' ids allow a merge: either is missing or empty, or they are equal."""
    return left in (None, "") or right in (None, "") or left == right


def merge_block(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """The part of ``right`` that merges into ``left``, as langchain-core's ``merge_lists``.

    That is ``right`` without its ``type``, except for a ``non_standard`` block: its
    ``value`` goes into the ``extras`` of a standard block, or into the ``value`` of a
    ``non_standard`` one.

    Example:
        >>> merge_block({"type": "tool_use", "index": 1},
        ...             {"type": "input_json_delta", "partial_json": "{", "index": 1})
        {'partial_json': '{', 'index': 1}
    """
    if left.get("type") and right.get("type") == "non_standard" and "value" in right:
        value = {k: v for k, v in right["value"].items() if k != "type"}
        if left["type"] != "non_standard":
            return {"extras": value}
        return {"value": value, "index": right["index"]}
    return {k: v for k, v in right.items() if k != "type"} if "type" in right else right


def _first_match(merged: list[Any], key: int | str, block_id: Any) -> int | None:
    for position, item in enumerate(merged):
        if (
            isinstance(item, dict)
            and "index" in item
            and item["index"] == key
            and ids_agree(item.get("id"), block_id)
        ):
            return position
    return None
