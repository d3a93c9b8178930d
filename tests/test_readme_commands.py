"""The README's first two commands are Makefile targets that do what the README says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dry_run(target: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # -n: print the recipe without running it; -B: as if nothing were built yet
    done = subprocess.run(
        [make, "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_readme_starts_with_make_demo_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make (\w+)", readme, flags=re.MULTILINE)
    assert commands[:2] == ["demo", "test"]


def test_make_demo_runs_the_demo() -> None:
    assert re.search(r"\brxagent demo\b", _dry_run("demo"))


def test_make_test_runs_every_check() -> None:
    recipe = _dry_run("test")
    for check in ("ruff check", "ruff format --check", "mypy", "mkdocs build --strict", "pytest"):
        assert check in recipe, check


def test_make_test_runs_pytest_over_the_cores() -> None:
    assert re.search(r"\bpytest --numprocesses auto --maxprocesses 4\b", _dry_run("test"))
