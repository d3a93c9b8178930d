"""``python -m benchmarks.compare [--quick | --smoke] [--workload NAME] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

WORKLOADS = (
    "one_tool_call",
    "fan_out",
    "long_stream",
    "operators",
    "chat_node",
    "langchain_long",
    "concurrent",
    "rounds",
    "long_run",
)
"""The workloads, in the report's order (a test checks the registry's)."""

RESULTS = Path(__file__).resolve().parent.parent / "results"
"""``benchmarks/results``: where ``make bench`` writes ``latest.{json,md,png}``."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; print the report; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="rxagent side by side with LangGraph and the floors; each configuration in "
        "its own process; writes latest.json, latest.md and latest.png and prints the report.",
    )
    level = parser.add_mutually_exclusive_group()
    level.add_argument("--quick", action="store_true", help="smaller sizes, 2 runs")
    level.add_argument("--smoke", action="store_true", help="tiny sizes, 1 run (proves it runs)")
    parser.add_argument(
        "--workload",
        action="append",
        choices=WORKLOADS,
        metavar="NAME",
        help=f"run only this workload (repeatable; one of: {', '.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        metavar="DIR",
        help="where to write latest.{json,md,png} (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    from benchmarks.compare import Level, run_suite

    chosen: Level = "quick" if args.quick else "smoke" if args.smoke else "full"
    report = run_suite(chosen, args.out, progress=sys.stderr, workloads=args.workload)
    print(report, end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
