"""The "Coming from LangGraph" examples print the same under LangGraph and rxagent.

The example's rxagent imports carry their LangGraph spelling in a ``# langgraph:`` comment;
the test swaps them in and runs both programs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples").glob("langgraph_*.py"))
_MARKED = re.compile(r"^from rxagent.*# langgraph: (?P<original>.*)$", re.M)


def _run(source: str, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_example_prints_the_same_under_langgraph(example: Path, tmp_path: Path) -> None:
    pytest.importorskip("langgraph")
    source = example.read_text()
    original, count = _MARKED.subn(lambda m: m.group("original"), source)
    assert count >= 2
    assert "rxagent" not in original.split('"""', 2)[2]
    assert _run(original, tmp_path, "langgraph_version") == _run(
        source, tmp_path, "rxagent_version"
    )
