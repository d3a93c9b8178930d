"""Every comparison that does not match today, as a strict xfail with a precise reason.

A gap names the scenarios, rxagent variants and faces it breaks; each becomes ``fnmatch``
patterns over check ids ``<scenario>-<variant>-<face>`` (variant: ``langchain_model``,
``scripted`` or ``graph``; faces as in ``_run.FACES``). A check matching several gaps gets
all their reasons. When an engineer fixes a gap, its checks pass and the strict xfail fails
the run ("XPASS(strict)"): remove the entry, or narrow it, in the same change.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

MESSAGE_FACES = (
    "messages",
    "list",
    "astream",
    "v2",
    "subgraphs",
    "subgraphs_messages",
    "v2_subgraphs",
)
"""The faces that include the ``messages`` mode."""
ROOT_MESSAGE_FACES = ("messages", "list", "astream", "v2")
SUBGRAPH_MESSAGE_FACES = ("subgraphs", "subgraphs_messages", "v2_subgraphs")
TOKEN_SCENARIOS = (
    "seed_agent",
    "named_agent",
    "parallel_tools",
    "no_tool_call",
    "failing_tool",
    "invalid_tool_args",
    "model_fails_mid_stream",
    "recursion_limit",
    "tool_node_graph",
)
"""Scenarios whose root graph streams model tokens."""
NESTED = ("agent_subgraph", "agent_subgraph_2_levels")
TOOL_MESSAGE_SCENARIOS = (
    "seed_agent",
    "named_agent",
    "parallel_tools",
    "invalid_tool_args",
    "recursion_limit",
    "tool_node_graph",
    "custom_and_messages",
)
"""Scenarios whose root graph's nodes return whole messages that ``messages`` mode emits."""


def _patterns(scenarios: Iterable[str], faces: Iterable[str], variant: str = "*") -> list[str]:
    return [f"{scenario}-{variant}-{face}" for scenario in scenarios for face in faces]


_GAPS: tuple[tuple[str, list[str]], ...] = ()
"""(reason, check-id patterns) of every difference not fixed yet: none today. Add an entry,
with a precise reason, when a new scenario finds one; deliberate differences go to
``_differences.py`` instead."""

GAPS: dict[str, str] = {}
"""Check-id pattern → the one-line descriptions of the differences it shows."""
for _reason, _found in _GAPS:
    for _pattern in _found:
        GAPS[_pattern] = f"{GAPS[_pattern]} + {_reason}" if _pattern in GAPS else _reason


def reasons(check_id: str) -> list[str]:
    """The reasons of every pattern matching ``check_id``."""
    return [reason for pattern, reason in GAPS.items() if fnmatchcase(check_id, pattern)]
