"""THE ONE PLACE that lists every deliberate difference between rxagent and LangGraph.

Anything else the conformance tests find is a bug to fix in rxagent (see
``_known_gaps.py``), not a difference to add here. Keep this list short, and give each entry
its reason.

Deliberate differences, each with how the comparison absorbs it:

1. **Message classes.** rxagent yields its own pydantic message classes
   (``rxagent.messages``), with langchain-core's class names and fields, because its core
   does not depend on langchain-core. ``_normalize.Normalizer.message`` compares messages
   by class name and those fields, whichever library made them.
2. **Message id prefixes.** ``ScriptedModel`` ids its replies ``run-<uuid4>``, where
   langchain-core writes ``lc_run--<run uuid>``: both are random, so both normalise to the
   same placeholder (ids are compared for identity, not spelling).
3. **``lc_versions`` in ``messages`` metadata** (:data:`FORGOTTEN_METADATA`). LangChain
   puts the installed ``langchain`` / ``langchain-core`` versions there; rxagent's core runs
   without them and has no such versions to report.

4. **Writes to keys the state lacks** (:data:`STRICTER`). LangGraph drops such a write
   silently; rxagent raises ``InvalidUpdateError`` naming the key and the state's keys,
   because a silently lost update is a bug in the graph. The builder test checks that
   LangGraph returns the state unchanged and rxagent raises.

5. **Other inputs LangGraph or LangChain carry on with** (each asserted by a test of its
   own): an unknown key in a graph's input, a conditional edge to an unknown node and a
   ``path_map`` miss raise a ``ValueError`` naming the valid choices (LangGraph warns,
   ignores or raises ``KeyError``) — tests/graph; an agent given no messages and no system
   prompt raises a ``ValueError`` naming ``messages`` (LangChain calls the model with an
   empty conversation, which providers reject) — tests/test_agent_inputs.py;
   ``ToolInvocationError`` stays a ``ValueError`` so ``except ValueError`` around a direct
   tool call keeps working (only ``handle_tool_errors=ValueError`` sees it) — tests/tools.
6. **The stream's message classes.** A state reduced with ``rxagent.graph.message``'s
   ``add_messages`` keeps langchain-core messages as LangGraph's does; what the stream
   yields in ``messages`` mode is rxagent's classes (1. above).

Not differences (checked, they match): custom events' attribution (node, task, tool call)
lives only on rxagent's ``Event`` objects, and ``stream()`` yields the bare payload as
LangGraph does; LangGraph 1.2 has the ``tools`` stream mode too, so it is compared like any
other mode.
"""

from __future__ import annotations

from typing import Any

FORGOTTEN_METADATA: dict[str, str] = {
    "lc_versions": "the versions of the langchain packages; rxagent's core has none",
}
"""``messages`` metadata keys dropped from both sides before comparing, with the reason."""


STRICTER: dict[str, str] = {
    "builder-graph-unknown_state_key": "a write to a key the state lacks raises "
    "InvalidUpdateError naming the key (LangGraph drops it silently)",
}
"""Builder checks where rxagent raises on purpose where LangGraph carries on."""


def forget(value: Any) -> Any:
    """``value`` without what the deliberate differences above make incomparable."""
    if isinstance(value, dict):
        if "langgraph_node" in value:  # a messages metadata dict
            value = {k: v for k, v in value.items() if k not in FORGOTTEN_METADATA}
        return {key: forget(item) for key, item in value.items()}
    if isinstance(value, list):
        return [forget(item) for item in value]
    if isinstance(value, tuple):
        return tuple(forget(item) for item in value)
    return value
