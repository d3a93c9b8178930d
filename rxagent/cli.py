"""The ``rxagent`` command: ``rxagent demo`` (a live agent run) and ``rxagent bench``.

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
import sys
from collections.abc import Sequence
from typing import cast

from rxagent._types import StreamMode


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

    bench = commands.add_parser(
        "bench",
        help="measure the one-tool-call workload (µs/event, first event, peak RSS)",
        description="Each configuration runs in its own subprocess; median (min–max) of R runs.",
    )
    bench.add_argument("--quick", action="store_true", help="N=20,000, K=1,000, R=3")
    bench.add_argument("--n", type=_positive, help="answer tokens (default 100,000)")
    bench.add_argument("--k", type=_non_negative, help="progress events (default 1,000)")
    bench.add_argument("--repeat", type=_positive, help="runs per configuration (default 5)")
    return parser


def _demo(args: argparse.Namespace) -> int:
    from rxagent._demo import DEMO_MODES, run_human, run_json

    modes = tuple(dict.fromkeys(cast("list[StreamMode]", args.mode or DEMO_MODES)))
    run = run_json if args.json else run_human
    try:
        return run(modes, fast=args.fast, out=sys.stdout)
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
    from rxagent._bench import DEFAULT, QUICK, Settings, render, run_all

    base = QUICK if args.quick else DEFAULT
    settings = Settings(
        n=base.n if args.n is None else args.n,
        k=base.k if args.k is None else args.k,
        repeat=base.repeat if args.repeat is None else args.repeat,
    )
    print(render(settings, run_all(settings, progress=sys.stderr)), flush=True)
    return 0


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


if __name__ == "__main__":
    sys.exit(main())
