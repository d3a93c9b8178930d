"""The two most common shapes of ``stream()`` items, named so the engine can make them itself.

LangGraph's v1 tuples without ``subgraphs``: ``(mode, data)`` when several modes were asked
for, ``data`` when one was, and nothing from a subgraph. ``rxagent._faces`` hands these
functions to the engine as its :data:`~rxagent._types.Shape`; a task that sees one of them
builds its tokens' items in line instead of calling it (one call fewer per token).

Example:
    >>> mode_and_data("messages", (), "chunk"), data_only("messages", (), "chunk")
    (('messages', 'chunk'), 'chunk')
    >>> mode_and_data("messages", ("agent:1",), "chunk") is SKIP
    True
"""

from __future__ import annotations

from typing import Any

from rxagent._types import SKIP, Namespace


def mode_and_data(mode: str, ns: Namespace, data: Any) -> Any:
    """``(mode, data)`` for an event of the root graph, else :data:`SKIP`."""
    return SKIP if ns else (mode, data)


def data_only(mode: str, ns: Namespace, data: Any) -> Any:
    """``data`` for an event of the root graph, else :data:`SKIP`."""
    return SKIP if ns else data
