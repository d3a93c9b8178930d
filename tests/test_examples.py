"""The documentation's examples are real files: run them."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

NEED_A_PROVIDER = {"models_openai", "models_anthropic", "models_local", "redis_run_log"}
"""Examples that call a provider or a server: tests/integrations/providers/test_docs_examples.py
runs them against local servers speaking the provider's format, and
tests/integrations/redis/test_docs_example.py against a real redis-server."""

EXAMPLES_DIR = Path(__file__).parent.parent / "docs" / "examples"

TESTED_ELSEWHERE = {
    "redis_processes.sh": "tests/integrations/redis/test_docs_scaling.py, with a redis-server",
    "redis_compose": "tests/integrations/redis/test_docs_scaling.py, checked without Docker",
    "wire": "tests/integrations/web/test_wire_docs.py: what wire_formats.py prints",
}
"""The examples that are not Python scripts, and the tests that run or check them."""

EXAMPLES = sorted(path for path in EXAMPLES_DIR.glob("*.py") if path.stem not in NEED_A_PROVIDER)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip(), f"{path.name} printed nothing"


def test_every_other_example_is_tested_elsewhere() -> None:
    others = {
        path.name
        for path in EXAMPLES_DIR.iterdir()
        if path.suffix != ".py" and path.name != "__pycache__" and path.name[0] != "."
    }
    assert others == set(TESTED_ELSEWHERE)


def test_quickstart_streams_the_four_ways(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES[0].parent / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    steps = [line.split(":")[0] for line in out if line.startswith("updates  ")][:3]
    assert steps == ["updates  model", "updates  tools", "updates  model"]
    assert "custom   {'progress': 'Looking up Paris'}" in out
    assert any(line.startswith("messages model: 'Let'") for line in out)
    assert any(line.startswith("custom   {") for line in out)
