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


_LS_PARAMS = (
    "messages metadata of model tokens lacks ls_provider, ls_model_name, ls_model_type and "
    "ls_temperature, which LangGraph copies from the chat model's _get_ls_params() "
    "(ScriptedModel is expected to report 'scripted', its name, 'chat', 0.0)"
)
_NODE_CHECKPOINT_NS = (
    "messages metadata of whole messages a node returns (ToolMessage, hand-built messages) "
    "carries checkpoint_ns, while LangGraph's node-run metadata has only langgraph_checkpoint_ns "
    "there (at the root)"
)
_LS_INTEGRATION = (
    "messages metadata of whole messages returned by plain StateGraph nodes (not create_agent's) "
    "lacks ls_integration='langgraph', which LangGraph's graph run adds (pregel/main.py:2917)"
)
_NESTED_CHECKPOINT_NS = (
    "tokens two subgraph levels deep carry checkpoint_ns 'agent:<id>|agent:<id>', while LangGraph "
    "keeps the outermost task's 'agent:<id>' (the first checkpoint_ns propagated wins)"
)
_NESTED_DUPLICATES = (
    "with subgraphs=True the middle subgraph re-emits the inner agent's AIMessages and "
    "ToolMessage as whole messages under its own ns, while LangGraph dedupes them by id"
)
_RECURSION = (
    "GraphRecursionError wording: rxagent says \"... stop condition in graph 'agent'. ... "
    "config key, or check the graph's exit condition\", while LangGraph: '... stop condition. ... "
    "config key.\\nFor troubleshooting, visit: <docs URL>'"
)
_TRIGGERS = (
    "tasks start payload of a join node has triggers ('join:zeta+alpha:noop',), while LangGraph "
    "lists every channel the node subscribes to, sorted: ('branch:to:noop', "
    "'join:zeta+alpha:noop') (pregel/_algo.py:614)"
)

_GAPS: tuple[tuple[str, list[str]], ...] = (
    (
        _LS_PARAMS,
        _patterns(TOKEN_SCENARIOS, MESSAGE_FACES) + _patterns(NESTED, SUBGRAPH_MESSAGE_FACES),
    ),
    (
        _NODE_CHECKPOINT_NS,
        _patterns(TOOL_MESSAGE_SCENARIOS, MESSAGE_FACES) + _patterns(NESTED, ROOT_MESSAGE_FACES),
    ),
    (
        _LS_INTEGRATION,
        _patterns(("tool_node_graph", "custom_and_messages"), MESSAGE_FACES)
        + _patterns(NESTED, ROOT_MESSAGE_FACES),
    ),
    (_NESTED_CHECKPOINT_NS, _patterns(["agent_subgraph_2_levels"], SUBGRAPH_MESSAGE_FACES)),
    (_NESTED_DUPLICATES, _patterns(["agent_subgraph_2_levels"], SUBGRAPH_MESSAGE_FACES)),
    (_RECURSION, _patterns(["recursion_limit"], ["*"])),
    (
        _TRIGGERS,
        _patterns(["reducers"], ["tasks", "list", "astream", "v2", "subgraphs", "v2_subgraphs"]),
    ),
    (
        "a node writing a key the TypedDict state lacks raises InvalidUpdateError, while LangGraph "
        "ignores the write and returns the state unchanged",
        ["builder-*-unknown_state_key"],
    ),
    (
        "InvalidUpdateError wording for two writes of a key without reducer: rxagent ends "
        "'..., e.g. Annotated[list, operator.add]', while LangGraph ends 'multiple values.\\nFor "
        "troubleshooting, visit: <docs URL>'",
        ["builder-*-two_writes_without_reducer"],
    ),
)

GAPS: dict[str, str] = {}
"""Check-id pattern → the one-line descriptions of the differences it shows."""
for _reason, _found in _GAPS:
    for _pattern in _found:
        GAPS[_pattern] = f"{GAPS[_pattern]} + {_reason}" if _pattern in GAPS else _reason


def reasons(check_id: str) -> list[str]:
    """The reasons of every pattern matching ``check_id``."""
    return [reason for pattern, reason in GAPS.items() if fnmatchcase(check_id, pattern)]
