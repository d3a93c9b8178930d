"""The documentation: the README's quickstart is the example file, and the site builds."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
QUICKSTART = ROOT / "docs" / "examples" / "quickstart.py"


def _code_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, flags=re.M | re.S)


def _flat_statements(source: str) -> list[str]:
    """The example's statements, with ``main()`` inlined and the docstrings and guard removed."""
    flat: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.If):
            continue  # if __name__ == "__main__"
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            flat.extend(ast.dump(stmt) for stmt in node.body if not isinstance(stmt, ast.Expr))
            continue
        flat.append(ast.dump(_without_docstring(node)))
    return flat


def _without_docstring(node: ast.stmt) -> ast.stmt:
    if isinstance(node, ast.FunctionDef) and len(node.body) > 1:
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            node.body = node.body[1:]
    return node


def test_readme_opens_with_the_make_commands() -> None:
    text = README.read_text()
    first = _code_blocks(text, "bash")[0]
    assert text.index(first) < text.index("\n## ")
    assert re.search(r"^make demo\b", first, flags=re.M)
    assert re.search(r"^make test\b", first, flags=re.M)


def test_readme_quickstart_is_the_example_file() -> None:
    blocks = [b for b in _code_blocks(README.read_text(), "python") if "create_agent" in b]
    assert blocks, "the README has no quickstart block"
    assert _flat_statements(blocks[0]) == _flat_statements(QUICKSTART.read_text())


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "getting-started" / "index.html").read_text()
    assert "get_stream_writer" in page  # the quickstart snippet was included
