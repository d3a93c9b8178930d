"""The one-tool-call workload: ``python -m benchmarks.one_tool_call [--quick] [--n N] ...``.

The model streams a tool call, the tool writes ``K`` progress events, the model streams
``N`` answer tokens, all consumed in ``["updates", "messages", "custom"]`` through
``stream()`` and ``astream()``, next to the Rx floor. The code lives in
:mod:`rxagent._bench` so that ``rxagent bench`` works from an installed package; this
script is the same command. Add an implementation (a table row) with
``rxagent._bench.register``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rxagent._bench import (
    DEFAULT,
    IMPLEMENTATIONS,
    QUICK,
    Implementation,
    Result,
    Settings,
    one_tool_call_agent,
    register,
    render,
    run_all,
)
from rxagent.cli import main as cli_main

__all__ = (
    "DEFAULT",
    "IMPLEMENTATIONS",
    "QUICK",
    "Implementation",
    "Result",
    "Settings",
    "main",
    "one_tool_call_agent",
    "register",
    "render",
    "run_all",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``rxagent bench`` with these arguments (default: ``sys.argv[1:]``)."""
    return cli_main(["bench", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
