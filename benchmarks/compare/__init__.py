"""The comparison suite: rxagent side by side with LangGraph 1.2 and with the floors.

``python -m benchmarks [--quick | --smoke]`` (``make bench``). Nine workloads (one tool
call; fan-out to 8 and 64 branches; a long stream through the UI operators; operator
overhead; a LangChain chat model inside a node; one long answer of a LangChain model
through the fast path; concurrent runs; a 1,000-round agent; one run of 1,000,000 tokens),
each configuration in its own worker process, the configurations of one comparison
interleaved run by run. ``run_suite`` writes ``latest.json``, ``latest.md`` and
``latest.png`` and returns the Markdown report. This package may import rxagent's private
modules; it is not installed with rxagent.

Implementations are a registry: add a row with :func:`register`.

Example:
    >>> sorted({workload for workload, _ in REGISTRY})[:3]
    ['chat_node', 'concurrent', 'fan_out']
    >>> repeat, groups = plan("quick")
    >>> repeat, groups[0].workload, groups[0].params["n"]
    (2, 'one_tool_call', 1000)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from benchmarks.compare import _agents, _chat_node, _langchain, _load, _operators
from benchmarks.compare._core import REGISTRY, Face, Implementation, Params, Sample, register
from benchmarks.compare._plot import plot, plot_available
from benchmarks.compare._report import render
from benchmarks.compare._suite import Group, Level, plan, run
from benchmarks.compare._targets import evaluate

__all__ = (
    "REGISTRY",
    "Face",
    "Group",
    "Implementation",
    "Level",
    "Params",
    "Sample",
    "evaluate",
    "plan",
    "register",
    "render",
    "run",
    "run_suite",
    "write_reports",
)

for _module in (_agents, _langchain, _operators, _chat_node, _load):
    _module.register_all()


def run_suite(
    level: Level,
    out_dir: Path,
    *,
    progress: TextIO | None = sys.stderr,
    workloads: Sequence[str] | None = None,
) -> str:
    """Run the suite at ``level``; write ``latest.{json,md,png}`` into ``out_dir``.

    ``workloads`` (names) runs only those; the report then holds only theirs.

    Returns:
        The Markdown report (also in ``latest.md``).
    """
    return write_reports(run(level, progress, workloads), out_dir, progress=progress)


def write_reports(
    results: dict[str, Any], out_dir: Path, *, progress: TextIO | None = sys.stderr
) -> str:
    """Evaluate the targets of ``results``; write ``latest.{json,md,png}``; return the report.

    Also re-renders an earlier run: ``write_reports(json.loads(path.read_text()), out_dir)``.
    """
    results["targets"] = evaluate(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    report = render(results)
    (out_dir / "latest.md").write_text(report)
    reason = plot_available()
    if reason is None:
        plot(results, out_dir / "latest.png")
    elif progress is not None:
        print(f"plot skipped: {reason}", file=progress)
    return report
