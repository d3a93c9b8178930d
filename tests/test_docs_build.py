"""The documentation: the site builds, and every page shows the files it includes.

pymdownx.snippets replaces a line ``--8<-- "file.py"`` with the file's text. When the marker
is damaged (``ruff format`` once turned it into ``--8 < --"file.py"`` inside python fences)
the build still passes and the page shows the marker instead of the code, so these tests
read the rendered HTML: each included file's lines must be on its page.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
QUICKSTART = DOCS / "examples" / "quickstart.py"

MARKER = re.compile(r"--\s*8\s*<\s*--")
"""A snippet marker, also in the damaged forms that a formatter leaves (``--8 < --``)."""
INCLUDE = re.compile(r'^\s*--8<-- "(?P<name>[^":]+)(?::(?P<start>\d+))?(?::(?P<end>\d+))?"\s*$')
"""The one include form the docs use: a file, optionally with ``:start:end`` lines."""
FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")


@dataclass(frozen=True)
class Include:
    """One snippet marker on a documentation page."""

    page: Path
    """The Markdown file that holds the marker."""
    line: int
    """The marker's line number."""
    text: str
    """The marker's line."""
    in_code: bool
    """Whether the marker is inside a fenced code block (the file is code, not Markdown)."""

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _includes(page: Path) -> list[Include]:
    """The snippet markers of ``page``, well-formed or not; escaped ones (``;--8<--``) skipped."""
    found: list[Include] = []
    fence: str | None = None
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        opening = FENCE.match(line)
        if opening and fence is None:
            fence = opening["fence"]
        elif opening and opening["fence"].startswith(fence or "") and not line.strip(" `~"):
            fence = None
        elif MARKER.search(line) and not line.lstrip().startswith(";"):
            found.append(Include(page, number, line, in_code=fence is not None))
    return found


PAGES = sorted(p for p in DOCS.rglob("*.md") if "examples" not in p.relative_to(DOCS).parts)
INCLUDES = [include for page in PAGES for include in _includes(page)]


class _Text(HTMLParser):
    """The visible text of a page, and the text of each ``<pre>`` block on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.blocks: list[str] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._pre += 1
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._pre:
            self.blocks[-1] += data


def _rendered(site: Path, page: Path) -> _Text:
    relative = page.relative_to(DOCS).with_suffix("")
    html = site / (relative.parent if relative.name == "index" else relative) / "index.html"
    parser = _Text()
    parser.feed(html.read_text())
    return parser


def _base_paths() -> list[Path]:
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    base = config.mdx_configs.get("pymdownx.snippets", {}).get("base_path", ["."])
    return [ROOT / path for path in ([base] if isinstance(base, str) else base)]


def _included_lines(include: Include) -> list[str]:
    """The lines that ``include`` puts on its page, without leading and trailing blank lines."""
    match = INCLUDE.match(include.text)
    assert match, f"{include}: damaged snippet marker {include.text.strip()!r}"
    paths = [base / match["name"] for base in _base_paths() if (base / match["name"]).is_file()]
    assert paths, f"{include}: {match['name']!r} is in no snippets base_path"
    lines = [line.rstrip() for line in paths[0].read_text().splitlines()]
    start = int(match["start"] or 1)
    lines = lines[start - 1 : int(match["end"]) if match["end"] else None]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    assert lines, f"{include}: the included range is empty"
    return lines


def _contains(block: list[str], part: list[str]) -> bool:
    return any(block[i : i + len(part)] == part for i in range(len(block) - len(part) + 1))


def _visible(markdown_line: str) -> list[str]:
    """What a line of included Markdown shows: its table cells, or its text without markup."""
    line = markdown_line.strip()
    if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):
        return []  # a blank line or a table's separator row
    line = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", line).replace("`", "").replace("**", "")
    if line.startswith("|"):
        return [" ".join(cell.split()) for cell in line.strip("|").split("|") if cell.strip()]
    return [" ".join(re.sub(r"^(#+|[-*>]|\d+\.)\s+", "", line).split())]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict``."""
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    return out


def test_the_docs_include_files() -> None:
    assert {include.page.name for include in INCLUDES} >= {"getting-started.md", "pipelines.md"}


@pytest.mark.parametrize("include", INCLUDES, ids=str)
def test_every_included_file_is_on_its_page(include: Include, site: Path) -> None:
    lines = _included_lines(include)
    page = _rendered(site, include.page)
    if include.in_code:
        blocks = [[line.rstrip() for line in block.splitlines()] for block in page.blocks]
        assert any(_contains(block, lines) for block in blocks), (
            f"{include}: no code block on the page holds the lines of {include.text.strip()}"
        )
    else:
        text = " ".join("".join(page.text).split())
        missing = [part for line in lines for part in _visible(line) if part not in text]
        assert not missing, f"{include}: the page lacks {missing[:3]}"


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


def test_readme_has_no_snippet_markers() -> None:
    # GitHub renders the README without pymdownx.snippets: a marker would show as is.
    assert not [line for line in README.read_text().splitlines() if MARKER.search(line)]


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
