"""Joining the contents of streamed chunks in linear time, as langchain-core joins them.

Growing text is kept as one string that is appended to with ``s += t`` while ``s`` is a
local holding the only reference (every list item, dict value or attribute holding it is
cleared first): CPython then resizes the string in place instead of copying it. No other
code can observe this, as no other code holds that string. So a snapshot handed out per
token (``accumulate_messages``) costs O(1) amortized while each snapshot is dropped before
the next token, and one copy of the text when it is still held (each held snapshot then
owns its text anyway); other interpreters copy, as ``+`` always did.
"""

from __future__ import annotations

from typing import Any

from rxagent.messages._merge import block_key, ids_agree, merge_block, merge_dicts
from rxagent.messages._types import Content, ContentBlock

RUN = 64
"""Loose text tokens joined onto the text at a time (bounds the objects per token)."""

_NOT_CONCATENATED = frozenset({"index", "id", "output_version", "model_provider"})
"""String keys of a block that ``merge_dicts`` may keep instead of concatenating."""


class _Block:
    """A content block that later blocks with its ``index`` merge into.

    String values that grow (``text``, ``partial_json``...) keep their new parts in lists
    until a snapshot appends them (growing in place, see the module docstring), so a block
    streamed in n deltas costs O(n), not O(n²), when each snapshot is dropped before the
    next.
    """

    __slots__ = ("fields", "parts")

    def __init__(self, block: dict[str, Any]) -> None:
        self.fields = dict(block)
        self.parts: dict[str, list[str]] = {}

    def merge(self, block: dict[str, Any], strict: bool) -> None:
        rest: dict[str, Any] = {}
        fields = self.fields
        for key, value in merge_block(fields, block).items():
            mine = fields.get(key)
            if key in _NOT_CONCATENATED:
                if key in fields and mine == value and type(mine) is type(value):
                    continue  # the same index or id: merge_dicts would keep it
                rest[key] = value
            elif isinstance(value, str) and isinstance(mine, str):
                self.parts.setdefault(key, []).append(value)
            else:
                rest[key] = value
        if rest:
            self._join(list(rest))
            self.fields = merge_dicts(self.fields, rest, strict=strict)

    def snapshot(self) -> dict[str, Any]:
        self._join(list(self.parts))
        return dict(self.fields)

    def _join(self, keys: list[str]) -> None:
        fields = self.fields
        for key in keys:
            parts = self.parts.pop(key, None)
            if parts is not None:
                head = fields[key]
                fields[key] = ""  # the only reference left is ``head``: it may grow in place
                head += "".join(parts)
                fields[key] = head


class ContentJoiner:
    """Join message contents one at a time, in O(1) amortized per chunk.

    Strings concatenate; a list content switches to list form and its items are appended,
    except that a dict block with an ``index`` (an int, or a string starting with ``lc_``)
    merges into the earlier block with that index, as langchain-core's ``merge_lists`` does:
    this is how Anthropic's streamed ``text_delta`` and ``input_json_delta`` blocks become
    one text block and one ``tool_use`` block with the whole ``partial_json``.

    Where langchain-core's ``merge_content`` is not associative, this joiner is: strings
    that meet at a chunk boundary join into one item, an empty string never becomes an item,
    and text after an empty list is kept (langchain-core drops it).

    Args:
        strict: raise ``TypeError`` on block values that cannot be merged (``merge_dicts``).

    Example:
        >>> joiner = ContentJoiner()
        >>> for token in ("Hel", "lo"):
        ...     joiner.add([{"type": "text", "text": token, "index": 0}])
        >>> joiner.content()
        [{'type': 'text', 'text': 'Hello', 'index': 0}]
    """

    __slots__ = ("_by_key", "_items", "_strict", "pending")

    def __init__(self, *, strict: bool = False) -> None:
        """Start with no content."""
        self._strict = strict
        self.pending: list[str] = []
        """Text after the last list item: the text joined so far, then up to ``RUN`` loose
        tokens not yet appended to it (so a long answer keeps its text, not one string
        object per token). One list for the joiner's life: ``add_text`` appends to it, and
        so may a caller on its per-token path, calling ``joined_text`` once it holds more
        than ``RUN`` strings."""
        self._items: list[ContentBlock | _Block] | None = None
        """The list content so far, or ``None`` while the content is a string."""
        self._by_key: dict[int | str, list[_Block]] = {}
        """The mergeable blocks by ``index``, in order."""

    def add(self, content: Content) -> None:
        """Add the content of the next chunk."""
        if isinstance(content, str):
            if content:
                self.add_text(content)
            return
        items = self._items
        if items is None:
            items = self._items = []
        if self.pending:
            _append_text(items, self.joined_text())
            self.pending.clear()
        for position, item in enumerate(content):
            if isinstance(item, str):
                if position == 0:
                    _append_text(items, item)
                else:
                    items.append(item)
            else:
                self._add_block(items, item)

    def add_text(self, text: str) -> None:
        """Add a chunk's non-empty string content."""
        pending = self.pending
        pending.append(text)
        if len(pending) > RUN:
            self.joined_text()

    def content(self) -> Content:
        """The content joined so far: a string unless some chunk had list content.

        The string is the joiner's own: a snapshot shares it, and the next ``content`` grows
        it in place when that snapshot is gone (see the module docstring), else copies it.
        """
        pending = self.joined_text()
        if self._items is None:
            return pending
        items: list[ContentBlock] = [
            item.snapshot() if isinstance(item, _Block) else item for item in self._items
        ]
        if pending:
            _append_text(items, pending)
        return items

    def joined_text(self) -> str:
        """The text after the last list item, as one string (``_text``'s only item)."""
        text = self.pending
        if len(text) < 2:
            return text[0] if text else ""
        more = text[1] if len(text) == 2 else "".join(text[1:])
        head = text[0]
        text.clear()  # the only reference left is ``head``: it may grow in place
        head += more
        text.append(head)
        return head

    def _add_block(self, items: list[ContentBlock | _Block], block: dict[str, Any]) -> None:
        key = block_key(block)
        if key is None:
            items.append(block)
            return
        same = self._by_key.setdefault(key, [])
        block_id = block.get("id")
        for earlier in same:
            if ids_agree(earlier.fields.get("id"), block_id):
                earlier.merge(block, self._strict)
                return
        new = _Block(block)
        same.append(new)
        items.append(new)


def _append_text(items: list[Any], text: str) -> None:
    """Append ``text`` to ``items``, joining it to a trailing string."""
    if items and isinstance(items[-1], str):
        last = items.pop()
        last += text  # in place when no snapshot holds ``last`` any more
        items.append(last)
    else:
        items.append(text)
