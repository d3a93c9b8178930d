"""The ``rxagent`` command: ``rxagent demo`` (a live agent run) and ``rxagent bench``.

``rxagent --version`` prints the installed distribution's version.

Example:
    >>> main(["demo", "--fast", "--mode", "updates"])  # doctest: +ELLIPSIS
    » user: Summarise the last 100 customer records...
    ✓ model: called fetch_records(count=100)
    ✓ tools: fetch_records → 'Fetched 100 records: 62...'
    ✓ model: answered (63 words)
    events: updates 3 · first token n/a · total ... s
    0
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence
from typing import cast

from rxagent._types import StreamMode

WORKLOADS = ("one_tool_call", "fan_out", "long_stream", "operators", "chat_node", "langchain_long")
"""The workloads of ``rxagent bench``, in the report's order (a test checks the registry's)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rxagent`` command line; return the exit status.

    Args:
        argv: the arguments after the program name; ``None``: ``sys.argv[1:]``.

    Raises:
        SystemExit: from argparse, with status 2 for invalid arguments (such as an unknown
            ``--mode``; the message lists the valid choices) and 0 for ``--help``.
    """
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    return _bench(args)


def _parser() -> argparse.ArgumentParser:
    from rxagent._demo import DEMO_MODES

    parser = argparse.ArgumentParser(
        prog="rxagent", description="Composable, reactive streaming for LLM agents."
    )
    parser.add_argument("--version", action="version", version=f"rxagent {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="a live agent run in the terminal (scripted model, no API key)",
        description="Stream an agent that fetches 100 records with a tool and summarises them.",
    )
    demo.add_argument(
        "--mode",
        action="append",
        choices=DEMO_MODES,
        help="a stream mode to show; repeat for several (default: all three)",
    )
    demo.add_argument("--json", action="store_true", help="print one JSON event per line")
    demo.add_argument("--fast", action="store_true", help="no model latency, no tool sleeps")
    demo.add_argument(
        "--buffer-ms",
        type=_positive,
        metavar="N",
        help="join tokens with buffer_tokens(max_delay=N/1000); print the events it saved",
    )
    demo.add_argument(
        "--throttle-ms",
        type=_positive,
        metavar="N",
        help="rate-limit progress with throttle_custom(N/1000); print the events it saved",
    )

    bench = commands.add_parser(
        "bench",
        help="benchmark rxagent side by side with LangGraph and the pure-Python floor",
        description="Six workloads at several sizes; each configuration in its own process; "
        "writes latest.json, latest.md and latest.png and prints the report.",
    )
    level = bench.add_mutually_exclusive_group()
    level.add_argument("--quick", action="store_true", help="smaller sizes, 3 runs (< 2 min)")
    level.add_argument("--smoke", action="store_true", help="tiny sizes, 1 run (proves it runs)")
    bench.add_argument(
        "--workload",
        action="append",
        choices=WORKLOADS,
        metavar="NAME",
        help=f"run only this workload (repeatable; one of: {', '.join(WORKLOADS)})",
    )
    bench.add_argument(
        "--out",
        default="benchmarks/results",
        metavar="DIR",
        help="where to write latest.{json,md,png} (default: benchmarks/results)",
    )
    return parser


def _version() -> str:
    """The installed version of rxagent, from its distribution metadata.

    Example:
        >>> _version() == importlib.metadata.version("rxagent")
        True
    """
    try:
        return importlib.metadata.version("rxagent")
    except importlib.metadata.PackageNotFoundError:  # imported from a checkout, not installed
        return "unknown (not installed)"


def _demo(args: argparse.Namespace) -> int:
    from rxagent._demo import DEMO_MODES, run_human, run_json

    modes = tuple(dict.fromkeys(cast("list[StreamMode]", args.mode or DEMO_MODES)))
    run = run_json if args.json else run_human
    try:
        return run(
            modes,
            fast=args.fast,
            out=sys.stdout,
            buffer_ms=args.buffer_ms,
            throttle_ms=args.throttle_ms,
        )
    except KeyboardInterrupt:
        print(file=sys.stdout)
        return 130
    except BrokenPipeError:  # `rxagent demo --json | head`: stop quietly
        _silence_stdout()
        return 141


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass
    finally:
        os.close(devnull)


def _bench(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rxagent.bench import Level, run_suite

    level: Level = "quick" if args.quick else "smoke" if args.smoke else "full"
    report = run_suite(level, Path(args.out), progress=sys.stderr, workloads=args.workload)
    print(report, end="", flush=True)
    return 0


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


if __name__ == "__main__":
    sys.exit(main())
