"""pytest settings for the package's docstring examples (``--doctest-modules``).

At the project root, so that it is not shipped in the wheel.

- A module whose examples need an optional extra is not collected when the extra is
  missing (``collect_ignore``), so a plain ``pip install -e '.[dev]'`` runs clean.
- The examples of ``rxagent.messages`` and ``rxagent.models`` use the public names of both
  packages, and ``asyncio``, without importing them: they are given to those examples.
- ``KNOWN_FAILURES`` lists examples that fail in modules this configuration does not own,
  as strict xfails: the run stays green, and an example that starts passing fails the run
  until its entry is removed.
"""

from __future__ import annotations

import asyncio
from importlib.util import find_spec

import pytest

EXTRAS: dict[str, tuple[str, ...]] = {
    "rxagent/integrations/langchain.py": ("langchain_core",),
    "rxagent/integrations/_langchain_callbacks.py": ("langchain_core",),
    "rxagent/integrations/_langchain_fast.py": ("langchain_core",),
    "rxagent/integrations/langgraph.py": ("langgraph",),
    "rxagent/integrations/redis": ("redis",),
    "tests/integrations/redis": ("redis",),
}
"""Module (relative to this directory) → the top-level imports its examples may need."""

collect_ignore = [
    path for path, modules in EXTRAS.items() if not all(find_spec(name) for name in modules)
]

KNOWN_FAILURES: dict[str, str] = {}
"""Doctest name → why it fails."""

NAMESPACE_PACKAGES = ("rxagent.messages", "rxagent.models")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the examples of ``KNOWN_FAILURES`` as strict xfails."""
    for item in items:
        reason = KNOWN_FAILURES.get(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(autouse=True)
def _message_and_model_names(request: pytest.FixtureRequest) -> None:
    """Give the examples of the messages and models packages their public names."""
    test = getattr(request.node, "dtest", None)
    if test is None or not str(test.globs.get("__name__", "")).startswith(NAMESPACE_PACKAGES):
        return
    import rxagent.messages
    import rxagent.models

    for package in (rxagent.messages, rxagent.models):
        test.globs.update({name: getattr(package, name) for name in package.__all__})
    test.globs["asyncio"] = asyncio
