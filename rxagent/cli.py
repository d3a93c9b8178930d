"""The ``rxagent`` command: ``rxagent demo`` (a live agent run), ``rxagent bench`` and
``rxagent serve`` (agents over HTTP: the LangGraph Agent Server API, AI SDK, AG-UI).

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
from typing import Any, cast

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
    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _worker(args)
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

    _bench_parser(commands)
    _serve_parser(commands)
    _worker_parser(commands)
    return parser


def _bench_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="measure an agent's streaming: events/s, first event, smoothness, peak RSS",
        description="Stream an agent (default: the demo agent, without latency) a few times "
        "after one warm-up and print the medians: events/s, time to first event, when half "
        "the events had arrived, peak RSS. The comparison with LangGraph is the repository's "
        "'make bench' (python -m benchmarks).",
    )
    bench.add_argument(
        "--agent",
        metavar="MODULE:ATTR",
        help="the agent: anything with stream()/astream() (default: the demo agent)",
    )
    bench.add_argument(
        "--input",
        type=_json_input,
        metavar="JSON",
        help='the run\'s input (default: {"messages": [{"role": "user", "content": <the '
        "demo's question>}]})",
    )
    bench.add_argument(
        "--stream-mode",
        action="append",
        metavar="MODE",
        help="a stream mode (repeatable: a list of modes); default: the agent's own",
    )
    bench.add_argument("--face", choices=("sync", "async"), default="sync", help="default: sync")
    bench.add_argument("--runs", type=_positive, default=3, help="measured runs (default: 3)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")


def _json_input(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None


def _serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve agents over HTTP (LangGraph Agent Server API, AI SDK, AG-UI, a live page)",
        description="Serve agents to browsers and apps: the LangGraph Agent Server streaming "
        "API (langgraph-sdk clients, useStream), POST /api/chat (Vercel AI SDK), POST /ag-ui "
        "(AG-UI) and a live page at /. Needs the web extra: pip install 'rxagent[web]'.",
    )
    serve.add_argument(
        "--agent",
        action="append",
        metavar="[NAME=]MODULE:ATTR",
        help="an agent to serve (repeatable); NAME is its assistant_id (default 'agent'); "
        "default: the demo agent",
    )
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine)")
    serve.add_argument("--port", type=_integer, default=8123, help="default: 8123")
    serve.add_argument("--token", help="require 'Authorization: Bearer TOKEN' (not for the page)")
    serve.add_argument(
        "--keepalive",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds of silence before a stream sends a keep-alive comment (default: 10)",
    )
    serve.add_argument(
        "--redis",
        metavar="URL",
        help="keep threads and runs in Redis and let 'rxagent worker' processes run the "
        "agents (--agent then only declares the assistant ids served); needs the redis extra",
    )
    serve.add_argument(
        "--prefix",
        default="rxagent",
        help="the deployment's Redis key prefix, as the workers' (default: rxagent)",
    )
    serve.add_argument(
        "--heartbeat-timeout",
        type=_seconds,
        default=5.0,
        metavar="S",
        help="with --redis: a run whose worker is silent this long ends with ProducerDied, "
        "and a run no live worker serves for this long with NoWorker (default: 5)",
    )


def _worker_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run the agents' run requests from Redis (for 'rxagent serve --redis')",
        description="Take run requests from the Redis stream <prefix>:requests (consumer "
        "group 'workers'), run them and publish each run's log; reclaim the runs of dead "
        "workers. SIGTERM or SIGINT: stop taking requests, let running runs finish for "
        "--grace seconds, then cancel them. Needs the redis extra.",
    )
    worker.add_argument("--redis", required=True, metavar="URL", help="e.g. redis://host:6379/0")
    worker.add_argument(
        "--agent",
        action="append",
        metavar="[NAME=]MODULE:ATTR",
        help="an agent to run (repeatable); NAME is its assistant_id (default 'agent'); "
        "default: the demo agent",
    )
    worker.add_argument("--concurrency", type=_positive, default=4, help="runs at once (4)")
    worker.add_argument("--prefix", default="rxagent", help="the key prefix (rxagent)")
    for flag, default, kind, text in (
        ("--heartbeat-interval", 1.0, _seconds, "seconds between a run's heartbeats"),
        ("--heartbeat-timeout", 5.0, _seconds, "a run silent this long has a dead worker"),
        ("--grace", 10.0, _grace, "seconds running runs may finish after SIGTERM"),
    ):
        worker.add_argument(
            flag, type=kind, default=default, metavar="S", help=f"{text} ({default:g})"
        )
    worker.add_argument(
        "--block-ms", type=_positive, default=2000, metavar="N", help=argparse.SUPPRESS
    )


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
    import dataclasses
    import json

    from rxagent._demo import build_demo_agent, demo_inputs
    from rxagent.bench import measure

    if args.agent:
        try:
            (agent,) = _load_agents([args.agent]).values()
        except ValueError as error:
            print(f"rxagent bench: {error}", file=sys.stderr)
            return 2
    else:
        agent = build_demo_agent(fast=True)
    inputs = demo_inputs() if args.input is None else args.input
    modes = args.stream_mode
    mode = modes[0] if modes and len(modes) == 1 else modes
    result = measure(agent, inputs, stream_mode=mode, face=args.face, runs=args.runs)
    if args.json:
        print(json.dumps(dataclasses.asdict(result)))
        return 0
    print(
        f"{result.events:,} events in {result.seconds * 1e3:,.1f} ms ({args.face}, median of "
        f"{result.runs}): {result.events_per_s:,.0f} events/s · first event "
        f"{result.first_event_ms:.2f} ms · half the events at {result.half_events_at:.2f} of "
        f"the run · peak RSS {result.peak_rss_mib:.0f} MiB"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    import asyncio
    import gc

    try:
        import uvicorn

        from rxagent.integrations.web._app import create_app
    except ImportError as error:
        print(
            f"rxagent serve: the web extra is missing ({error.name or error}): "
            "pip install 'rxagent[web]'",
            file=sys.stderr,
        )
        return 2
    try:
        agents = _load_agents(args.agent or [])
        store = (
            _redis_store(args.redis, args.prefix, args.heartbeat_timeout) if args.redis else None
        )
        app = create_app(agents, store=store, token=args.token, keepalive=args.keepalive)
    except ImportError as error:
        print(f"rxagent serve: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as error:
        print(f"rxagent serve: {error}", file=sys.stderr)
        return 2
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port))

    async def serve() -> None:
        serving = asyncio.ensure_future(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if server.started:
            # the long-lived objects exist now: keep the collector off them
            gc.collect()
            gc.freeze()
            print(f"rxagent serve: {', '.join(agents)} at http://{args.host}:{args.port}/")
            sys.stdout.flush()
        await serving

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        return 130
    return 0 if server.started else 1


def _worker(args: argparse.Namespace) -> int:
    """``rxagent worker``: exit 0 after SIGTERM/SIGINT, 2 for bad options."""
    import asyncio

    try:
        from rxagent.integrations.redis._worker import Worker

        worker = Worker(
            args.redis,
            _load_agents(args.agent or []),
            prefix=args.prefix,
            concurrency=args.concurrency,
            heartbeat_interval=args.heartbeat_interval,
            heartbeat_timeout=args.heartbeat_timeout,
            block_ms=args.block_ms,
            grace=args.grace,
        )
    except (ImportError, ValueError, TypeError) as error:
        print(f"rxagent worker: {error}", file=sys.stderr)
        return 2
    asyncio.run(_work(worker))
    return 0


async def _work(worker: Any) -> None:
    import asyncio
    import gc
    import signal

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    serving = asyncio.ensure_future(worker.run())
    ready = asyncio.ensure_future(worker.ready.wait())
    await asyncio.wait([serving, ready], return_when=asyncio.FIRST_COMPLETED)
    if ready.done():
        gc.collect()
        gc.freeze()  # the long-lived objects exist now: keep the collector off them
        names = ", ".join(worker.agents)
        print(f"rxagent worker: {worker.consumer} serving {names}", flush=True)
    else:
        ready.cancel()
    await serving


def _redis_store(url: str, prefix: str, heartbeat_timeout: float) -> Any:
    """A :class:`~rxagent.integrations.redis.RedisRunStore` (ImportError without redis-py)."""
    from rxagent.integrations.redis import RedisRunStore

    return RedisRunStore(url, prefix=prefix, heartbeat_timeout=heartbeat_timeout)


def _load_agents(specs: Sequence[str]) -> dict[str, object]:
    """``[NAME=]MODULE:ATTR`` specs as ``{name: agent}``; the demo agent if none.

    Raises:
        ValueError: a malformed spec, a module or attribute that does not exist, a name
            given twice.

    Example:
        >>> _load_agents(["helper=rxagent._demo:nope"])
        Traceback (most recent call last):
        ...
        ValueError: --agent 'helper=rxagent._demo:nope': module 'rxagent._demo' has no attribute 'nope'
    """  # noqa: E501
    import importlib

    if not specs:
        from rxagent._demo import build_demo_agent

        return {"agent": build_demo_agent()}
    agents: dict[str, object] = {}
    for spec in specs:
        name, _, target = spec.rpartition("=")
        module_name, colon, attr = target.partition(":")
        name = name or "agent"
        if not colon or not module_name or not attr:
            raise ValueError(
                f"--agent {spec!r}: expected [NAME=]MODULE:ATTR, e.g. app.agents:graph"
            )
        if name in agents:
            raise ValueError(f"--agent {spec!r}: the name {name!r} is given twice")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"--agent {spec!r}: cannot import {module_name!r}: {error}") from None
        try:
            agent = getattr(module, attr)
        except AttributeError:
            raise ValueError(
                f"--agent {spec!r}: module {module_name!r} has no attribute {attr!r}"
            ) from None
        agents[name] = agent
    return agents


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _seconds(text: str) -> float:
    value = _number_of_seconds(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {text}")
    return value


def _grace(text: str) -> float:
    value = _number_of_seconds(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {text}")
    return value


def _number_of_seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


if __name__ == "__main__":
    sys.exit(main())
