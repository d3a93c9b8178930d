"""The captured streams docs/wire-formats.md shows are what the server sends today."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "wire_formats.py"


@pytest.mark.parametrize("name", ["langgraph", "ai-sdk", "ag-ui"])
def test_the_docs_show_the_servers_stream(name: str) -> None:
    example = runpy.run_path(str(EXAMPLE))
    captured = example["capture"]()
    shown = (EXAMPLE.parent / "wire" / f"{name}.txt").read_text()
    assert captured[name] == shown, "run `python docs/examples/wire_formats.py --write`"
