"""Operators over event streams: selection, merging, token buffering, progress throttling.

Each is a plain function returning ``Callable[[Observable[Event]], Observable[Event]]``,
for ``.pipe()``. Time-based ones take ``scheduler=`` so tests run in virtual time.

Example:
    >>> from rxagent import operators as ops
    >>> ui = (ops.filter_mode("messages", "custom"), ops.buffer_tokens(max_delay=0.05),
    ...       ops.throttle_custom(0.1))
"""

from rxagent.operators._accumulate_messages import accumulate_messages
from rxagent.operators._buffer_tokens import buffer_tokens
from rxagent.operators._exclude_tags import exclude_tags
from rxagent.operators._filter_mode import filter_mode
from rxagent.operators._filter_node import filter_node
from rxagent.operators._filter_ns import filter_ns
from rxagent.operators._final_answer import final_answer
from rxagent.operators._merge import merge
from rxagent.operators._throttle_custom import throttle_custom
from rxagent.operators._types import Operator, source_of

__all__ = (
    "Operator",
    "accumulate_messages",
    "buffer_tokens",
    "exclude_tags",
    "filter_mode",
    "filter_node",
    "filter_ns",
    "final_answer",
    "merge",
    "source_of",
    "throttle_custom",
)
