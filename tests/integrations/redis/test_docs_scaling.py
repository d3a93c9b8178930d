"""The "Scaling out on Redis" guide (docs/redis.md): its examples and its claims.

* ``docs/examples/redis_processes.sh`` runs for real: two workers and two servers on a
  private redis-server, a run started on one server and read back on the other.
* ``docs/examples/redis_compose/`` cannot run here (no Docker): what can be checked without
  it is, from the YAML and the Dockerfile up to each command against the CLI's own parser.
* The settings table's defaults are the code's, and the diagram names the keys the code
  uses.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from rxagent.cli import _parser
from rxagent.integrations.redis import (
    RedisRunStore,
    RunPublisher,
    Worker,
    cancel_run,
    publish,
    read_entries,
    run_keys,
    subscribe,
)
from rxagent.integrations.redis._presence import presence_key
from rxagent.integrations.redis._requests import cancel_channel, cancel_key, requests_key
from rxagent.integrations.web import create_app
from tests.integrations.redis.conftest import RedisServer

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"
SCRIPT = EXAMPLES / "redis_processes.sh"
COMPOSE_DIR = EXAMPLES / "redis_compose"
GUIDE = ROOT / "docs" / "redis.md"
DIAGRAM = ROOT / "docs" / "assets" / "redis-architecture.svg"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# ---- the plain processes


@pytest.mark.skipif(shutil.which("curl") is None, reason="the script calls curl")
def test_the_processes_script_reads_a_run_of_one_server_on_the_other(
    own_redis_server: RedisServer, tmp_path: Path
) -> None:
    ports = [_free_port(), _free_port()]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "REDIS_URL": own_redis_server.url,
        "PORT_A": str(ports[0]),
        "PORT_B": str(ports[1]),
    }
    process = subprocess.Popen(
        ["bash", str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the script and its four processes: one group to kill
    )
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"the script did not finish: {out[-2000:]} {err[-2000:]}")
    assert process.returncode == 0, err[-3000:]
    lines = out.splitlines()
    shown = GUIDE.read_text().split("Its output", 1)[1].split("```text\n", 1)[1]
    assert [line for line in lines if line.startswith(("A: ", "B: ", '"'))] == (
        shown.split("```", 1)[0].splitlines()
    )  # what the guide shows
    a = [line for line in lines if line.startswith("A: ")]
    b = [line for line in lines if line.startswith("B: ")]
    assert a == ["A: event: metadata", "A: event: updates"]
    # B reads the whole run, from its first entry, though A started it: three updates
    assert b == ["B: event: metadata", *["B: event: updates"] * 3]
    assert lines[-1].replace(" ", "") == '"status":"success"'
    # the two workers, each ready before the run started (the script waits for them)
    assert sum("serving agent" in line for line in lines) == 2, err[-3000:]
    assert lines.index(a[0]) > max(i for i, line in enumerate(lines) if "serving agent" in line)
    # everything stopped: the servers' ports are free, the workers withdrew (SIGTERM)
    assert all(_port_is_free(port) for port in ports)
    with Redis.from_url(own_redis_server.url) as redis:
        assert redis.zcard(presence_key("agent", "rxagent")) == 0


# ---- Docker Compose, without Docker


def _compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    return loaded


def _rxagent_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return {
        name: service
        for name, service in services.items()
        if service.get("command", [None])[0] == "rxagent"
    }


def _parsed(command: list[str]) -> argparse.Namespace:
    """``command`` (``rxagent ...``) through the CLI's own parser; fail on what it refuses."""
    assert command[0] == "rxagent"
    try:
        return _parser().parse_args(command[1:])
    except SystemExit as exit:
        pytest.fail(f"rxagent refuses {command}: exit status {exit.code}")


def test_every_compose_command_is_a_command_rxagent_accepts() -> None:
    services = _rxagent_services()
    parsed = {name: _parsed(service["command"]) for name, service in services.items()}
    assert sorted(args.command for args in parsed.values()) == ["serve", "serve", "worker"]
    # one deployment: one Redis URL, one prefix, the same agents on servers and workers
    assert len({args.redis for args in parsed.values()}) == 1
    assert len({args.prefix for args in parsed.values()}) == 1
    assert len({tuple(args.agent or ()) for args in parsed.values()}) == 1


def test_the_redis_url_names_the_redis_service() -> None:
    compose = _compose()
    redis = compose["services"]["redis"]
    assert redis["image"].split(":")[0] == "redis"
    assert redis["image"].split(":")[1] in ("7", "8")
    assert "healthcheck" in redis
    for name, service in _rxagent_services().items():
        url = _parsed(service["command"]).redis
        host = re.fullmatch(r"redis://([^:/]+)(?::\d+)?/\d+", url)
        assert host is not None, f"{name}: {url!r}"
        assert host[1] in compose["services"], f"{name}: {url!r} names no service"
        assert service["depends_on"][host[1]]["condition"] == "service_healthy"


def test_two_servers_on_distinct_published_ports_reachable_from_outside() -> None:
    servers = {
        name: service
        for name, service in _rxagent_services().items()
        if service["command"][1] == "serve"
    }
    published = []
    for name, service in servers.items():
        args = _parsed(service["command"])
        assert args.host == "0.0.0.0", f"{name} listens only inside its container"
        [mapping] = service["ports"]
        host_port, container_port = (int(port) for port in str(mapping).split(":"))
        assert container_port == args.port, name
        published.append(host_port)
    assert len(published) == 2
    assert len(set(published)) == 2


def test_two_workers_that_docker_stops_only_after_their_grace() -> None:
    [worker] = [s for s in _rxagent_services().values() if s["command"][1] == "worker"]
    assert worker["deploy"]["replicas"] == 2
    grace = _parsed(worker["command"]).grace
    stop = re.fullmatch(r"(\d+)s", worker["stop_grace_period"])
    assert stop is not None
    assert int(stop[1]) > grace  # SIGKILL would cut the grace short


def test_the_image_installs_this_checkout_with_the_extras_the_commands_need() -> None:
    for service in _rxagent_services().values():
        build = service["build"]
        context = (COMPOSE_DIR / build["context"]).resolve()
        assert context == ROOT
        assert (context / build["dockerfile"]).resolve() == COMPOSE_DIR / "Dockerfile"
    lines = [
        line.split()
        for line in (COMPOSE_DIR / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == ["FROM", "python:3.12-slim"]
    for words in lines:
        if words[0] == "COPY":
            for source in words[1:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the build context"
    [install] = [words for words in lines if words[:3] == ["RUN", "pip", "install"]]
    spec = re.fullmatch(r"'\.\[([a-z,]+)\]'", install[-1])
    assert spec is not None, install
    extras = set(spec[1].split(","))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert extras <= set(pyproject["project"]["optional-dependencies"])
    assert extras >= {"redis", "web"}  # the workers import the web layer too


# ---- the guide's claims


_CALLABLES: dict[str, Callable[..., Any]] = {
    "Worker": Worker,
    "RedisRunStore": RedisRunStore,
    "RunPublisher": RunPublisher,
    "publish": publish,
    "read_entries": read_entries,
    "subscribe": subscribe,
    "cancel_run": cancel_run,
    "create_app": create_app,
}


def _settings_rows() -> list[list[str]]:
    text = GUIDE.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def _cli_defaults() -> dict[tuple[str, str], Any]:
    parser = _parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {
        (name, option): action.default
        for name, sub in commands.choices.items()
        for action in sub._actions
        for option in action.option_strings
    }


def test_the_settings_table_gives_the_codes_defaults() -> None:
    cli = _cli_defaults()
    checked = 0
    for setting, where, default, _ in _settings_rows():
        number = re.match(r"([\d,]+(?:\.\d+)?)", default)
        if number is None:
            continue
        value = float(number[1].replace(",", ""))
        for command, option in re.findall(r"`rxagent (serve|worker) (--[a-z-]+)`", where):
            assert float(cli[command, option]) == value, (setting, command, option)
            checked += 1
        for name, param in re.findall(r"`(\w+)\((\w+)=\)`", where):
            actual = inspect.signature(_CALLABLES[name]).parameters[param].default
            assert float(actual) == value, (setting, name, param, actual)
            checked += 1
    assert checked >= 25


def test_every_cli_flag_in_the_table_exists() -> None:
    cli = _cli_defaults()
    flags = re.findall(r"`rxagent (serve|worker) (--[a-z-]+)`", GUIDE.read_text())
    assert flags
    assert not [flag for flag in flags if tuple(flag) not in cli]


def test_the_diagram_is_self_contained_and_names_the_codes_keys() -> None:
    svg = DIAGRAM.read_text()
    assert "](assets/redis-architecture.svg)" in GUIDE.read_text()
    for foreign in ("<script", "@import", "@font-face", "http://", "https://"):
        assert foreign.lower() not in svg.lower().replace("http://www.w3.org/2000/svg", "")
    store = RedisRunStore("redis://localhost:6379/0", prefix="<prefix>")
    keys = [
        requests_key("<prefix>"),
        run_keys("<id>", "<prefix>").log,
        run_keys("<id>", "<prefix>").heartbeat,
        store._thread_key("<id>"),
        store._thread_key("<id>") + ":runs",  # as RedisRunStore names a thread's runs
        store._record_key("<id>"),
        cancel_channel("<prefix>"),
        cancel_key("<id>", "<prefix>"),
        presence_key("<id>", "<prefix>"),
    ]
    shown = svg.replace("&lt;", "<").replace("&gt;", ">")
    assert not [key for key in keys if f">{key}<" not in shown]
    assert ">XREADGROUP<" in shown
    assert "workers" in shown
