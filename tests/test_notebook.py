"""The synchronous faces in a running event loop: a real Jupyter kernel, and ``asyncio.run``.

A notebook cell runs while the kernel's asyncio loop runs, so ``agent.stream(...)``,
``agent.invoke(...)`` and ``to_iter(...)`` there must drive the run elsewhere instead of
refusing with "cannot run inside a running event loop" (issue 7). The kernel tests run the
README quickstart cell by cell in an ipykernel started from this interpreter, through a
kernelspec written to a temporary directory, so no global Jupyter install is involved.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernelspec
from nbformat import NotebookNode

from rxagent import CompiledStateGraph, to_iter
from tests.support import SEED_INPUT, answer, normalize, seed_agent

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "docs" / "examples" / "quickstart.py"
KERNEL_NAME = "rxagent-test-venv"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def without_ids(text: str) -> str:
    """``text`` with its random uuids (run ids, message ids, checkpoint namespaces) masked."""
    return UUID.sub("<uuid>", text)


# -- the quickstart as notebook cells --------------------------------------------------


def _first_line(node: ast.stmt) -> int:
    """The first line of ``node``, its decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _lines(source: list[str], node: ast.stmt) -> str:
    """The source lines of ``node``, dedented (decorators and end-of-line comments kept)."""
    assert node.end_lineno is not None
    return textwrap.dedent("".join(source[_first_line(node) - 1 : node.end_lineno]))


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)


def quickstart_cells(path: Path = QUICKSTART) -> tuple[list[str], list[str]]:
    """The example as a notebook user types it: ``(setup cells, streaming cells)``.

    The setup cells are the module's top-level statements, a new cell at each blank line
    (imports, the model, the tool, the agent and its inputs). The streaming cells are the
    statements of ``main()``, dedented to top level, one cell each (the four ``for`` loops).
    The module docstring, ``main``'s docstring and the ``if __name__ == "__main__"`` guard
    are left out.
    """
    text = path.read_text()
    source = text.splitlines(keepends=True)
    setup: list[str] = []
    streaming: list[str] = []
    previous_end = 0
    for node in ast.parse(text).body:
        if _is_docstring(node) or _is_main_guard(node):
            continue
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            streaming.extend(_lines(source, stmt) for stmt in node.body if not _is_docstring(stmt))
            continue
        gap = source[previous_end : _first_line(node) - 1]
        if setup and not any(line.isspace() for line in gap):
            setup[-1] += "".join(gap) + _lines(source, node)
        else:
            setup.append(_lines(source, node))
        assert node.end_lineno is not None
        previous_end = node.end_lineno
    return [cell.rstrip() for cell in setup], [cell.rstrip() for cell in streaming]


# -- the kernel ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbclient.NotebookClient]:
    """One ipykernel for the module, started from this interpreter via a private kernelspec.

    The kernelspec is written by ``ipykernel.kernelspec.install`` under a temporary prefix
    that ``JUPYTER_PATH`` points at; the runtime and IPython directories are temporary too,
    so nothing is read from or written to a global Jupyter or IPython setup.
    """
    base = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        mp.setenv("JUPYTER_PATH", str(base / "share" / "jupyter"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(base / "runtime"))
        mp.setenv("JUPYTER_CONFIG_DIR", str(base / "config"))
        mp.setenv("JUPYTER_DATA_DIR", str(base / "data"))
        mp.setenv("IPYTHONDIR", str(base / "ipython"))
        install_kernelspec(prefix=str(base), kernel_name=KERNEL_NAME)
        client = nbclient.NotebookClient(
            notebook([]),
            kernel_name=KERNEL_NAME,
            timeout=60,
            allow_errors=True,
            resources={"metadata": {"path": str(ROOT)}},
        )
        with client.setup_kernel():
            yield client


def notebook(sources: Sequence[str]) -> NotebookNode:
    """An nbformat v4 notebook of ``sources`` as code cells (nbformat's makers are untyped)."""
    cells = [nbformat.v4.new_code_cell(source) for source in sources]  # type: ignore[no-untyped-call]
    nb: NotebookNode = nbformat.v4.new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    return nb


def run_cells(client: nbclient.NotebookClient, sources: Sequence[str]) -> NotebookNode:
    """Run ``sources`` as the code cells of a new notebook in the shared kernel."""
    nb = notebook(sources)
    client.nb = nb
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
    return nb


def stdout_of(nb: NotebookNode) -> str:
    """Everything the notebook's cells wrote to stdout, in order; no errors, no stderr."""
    problems: list[str] = []
    out: list[str] = []
    for index, cell in enumerate(nb.cells):
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"cell {index} raised {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {output.text!r}")
            elif output.output_type == "stream":
                out.append(output.text)
    assert not problems, "\n".join(problems)
    return "".join(out)


def stdout_of_script(code: str) -> str:
    """What ``code`` prints when this interpreter runs it as a plain script."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert not done.stderr, done.stderr
    return done.stdout


def test_kernel_runs_this_interpreter_and_this_tree(kernel: nbclient.NotebookClient) -> None:
    code = "import json, sys, rxagent\nprint(json.dumps([sys.executable, rxagent.__file__]))"
    executable, package = json.loads(stdout_of(run_cells(kernel, [code])))
    assert executable == sys.executable
    assert Path(package).resolve().is_relative_to(ROOT)


def test_quickstart_cells_split_as_a_reader_would() -> None:
    setup, streaming = quickstart_cells()
    assert len(streaming) == 4
    assert all(cell.startswith("for ") for cell in streaming)
    assert any("@tool" in cell for cell in setup)
    assert any("create_agent(" in cell for cell in setup)
    assert not any("__main__" in cell or "def main" in cell for cell in setup)


def test_quickstart_streams_in_a_notebook(kernel: nbclient.NotebookClient) -> None:
    setup, streaming = quickstart_cells()
    nb = run_cells(kernel, [*setup, *streaming])
    expected = subprocess.run(
        [sys.executable, str(QUICKSTART)], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert expected.strip()
    assert without_ids(stdout_of(nb)) == without_ids(expected)


def test_invoke_and_an_abandoned_stream_in_a_notebook(kernel: nbclient.NotebookClient) -> None:
    setup, _ = quickstart_cells()
    cells = [
        *setup,
        'state = agent.invoke(inputs)\nprint(state["messages"][-1].content)',
        'for chunk in agent.stream(inputs, stream_mode="updates"):\n'
        '    print("first", list(chunk))\n'
        "    break",
        'for chunk in agent.stream(inputs, stream_mode="updates"):\n'
        '    print("again", list(chunk))',
        'print("still running")',
    ]
    nb = run_cells(kernel, cells)
    out = stdout_of(nb)
    assert out == stdout_of_script("\n\n".join(cells))
    assert out.splitlines()[0] == "It is sunny in Paris."
    assert out.splitlines()[1] == "first ['model']"
    assert out.splitlines()[-1] == "still running"


# -- inside asyncio.run, no kernel -----------------------------------------------------


def _stream(agent: CompiledStateGraph) -> Any:
    chunks = agent.stream(SEED_INPUT, stream_mode=["updates", "messages", "custom"])
    return without_ids(repr(list(chunks)))


def _invoke(agent: CompiledStateGraph) -> Any:
    messages = agent.invoke(SEED_INPUT)["messages"]
    return [message.type for message in messages], answer(messages)


def _to_iter(agent: CompiledStateGraph) -> Any:
    return [normalize(event) for event in to_iter(agent.observe(SEED_INPUT))]


@pytest.mark.parametrize("face", [_stream, _invoke, _to_iter], ids=["stream", "invoke", "to_iter"])
def test_sync_face_inside_asyncio_run(face: Callable[[CompiledStateGraph], Any]) -> None:
    expected = face(seed_agent())

    async def main() -> Any:
        return face(seed_agent())

    assert asyncio.run(main()) == expected
