"""The public names: ``__all__`` is a sorted tuple and every name exists."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "rxagent",
    "rxagent.messages",
    "rxagent.models",
    "rxagent.tools",
    "rxagent.graph",
    "rxagent.bridges",
    "rxagent.events",
    "rxagent.aio",
    "rxagent.integrations.web",
    "rxagent.integrations.redis",
]


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions, each alphabetically (isort's order)."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_a_sorted_tuple_of_real_names(name: str) -> None:
    module = importlib.import_module(name)
    names = module.__all__
    assert isinstance(names, tuple)
    assert list(names) == sorted(names, key=_isort_key), "sorted as ruff's RUF022 sorts"
    for attr in names:
        assert hasattr(module, attr), f"{name}.{attr} is listed but missing"


def test_design_names_import() -> None:
    from rxagent import (  # noqa: F401
        END,
        START,
        ScriptedModel,
        StateGraph,
        create_agent,
        get_stream_writer,
        tool,
    )
    from rxagent.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage  # noqa: F401
