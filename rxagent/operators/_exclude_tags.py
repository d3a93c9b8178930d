"""``exclude_tags``: drop the messages of model calls or nodes carrying some tags."""

from __future__ import annotations

from rxagent.events import Event, MessageEvent
from rxagent.operators._stage import Select
from rxagent.operators._types import Operator


def exclude_tags(*tags: str) -> Operator:
    """Drop ``messages`` events whose metadata ``tags`` include any of ``tags``.

    Tags come from the run config (``{"tags": [...]}``) and from
    ``add_node(..., tags=[...])``, as ``metadata["tags"]`` in LangGraph. Unlike LangGraph's
    ``nostream`` tag, this drops a tagged node's whole messages too, not only its tokens.
    Other modes pass through.

    Example:
        >>> from rxagent import operators as ops
        >>> no_internal = ops.exclude_tags("internal", "nostream")
    """
    if not tags:
        raise ValueError("exclude_tags needs one or more tags")
    unwanted = frozenset(tags)

    def keep(event: Event) -> bool:
        if type(event) is not MessageEvent:
            return True
        found = event.data[1].get("tags")
        return not found or unwanted.isdisjoint(found)

    return Select(keep)
