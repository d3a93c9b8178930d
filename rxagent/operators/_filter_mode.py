"""``filter_mode``: keep the events of some stream modes."""

from __future__ import annotations

from rxagent._faces import parse_modes
from rxagent._types import StreamMode
from rxagent.operators._stage import Select
from rxagent.operators._types import Operator


def filter_mode(*modes: StreamMode) -> Operator:
    """Keep only the events of the given stream modes, in order.

    ``filter_mode(a) ∘ filter_mode(b) == filter_mode(a ∩ b)``, and it is idempotent.

    Args:
        *modes: one or more of ``values``, ``updates``, ``messages``, ``custom``,
            ``tasks``, ``tools``.

    Raises:
        ValueError: no mode, or an unknown one (the message names the valid ones).

    Example:
        >>> from rxagent import operators as ops
        >>> tokens_and_progress = ops.filter_mode("messages", "custom")

    ::

        in:   -m-u-c-m-v-|
        out:  -m---c-m---|     filter_mode("messages", "custom")
    """
    wanted = frozenset(parse_modes(list(modes), "values")[0])
    return Select(lambda event: event.mode in wanted)
