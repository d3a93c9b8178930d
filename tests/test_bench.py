"""``rxagent bench``: a smoke-sized run of every workload and row produces the report files.

Only structure is asserted, never timing. Rows whose packages are missing (LangGraph,
langchain-core, matplotlib: the ``bench`` extra) must be skipped with a reason.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from rxagent.bench import REGISTRY, evaluate, plan, render
from rxagent.bench._suite import THREE_MODES
from rxagent.cli import main

_HAS_LANGGRAPH = all(
    importlib.util.find_spec(name) is not None for name in ("langgraph", "langchain")
)
_HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One ``rxagent bench --smoke`` run (about 20 s: one worker process per row)."""
    out = tmp_path_factory.mktemp("bench")
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        assert main(["bench", "--smoke", "--out", str(out)]) == 0
    return out, printed.getvalue()


def _results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "latest.json").read_text())
    return data


def test_every_workload_and_row_runs_or_says_why(smoke: tuple[Path, str]) -> None:
    results = _results(smoke[0])
    assert results["level"] == "smoke"
    assert results["machine"]["nproc"] >= 1
    workloads = [group["workload"] for group in results["groups"]]
    expected = {"one_tool_call", "fan_out", "long_stream", "operators", "chat_node"}
    assert set(workloads) == {*expected, "langchain_long"}
    measured = {(g["workload"], r["name"]) for g in results["groups"] for r in g["rows"]}
    assert measured == set(REGISTRY)  # every registered row is in the smoke run
    for group in results["groups"]:
        for row in group["rows"]:
            if row["status"] == "ok":
                assert len(row["samples"]) == results["repeat"] == 1
                assert row["samples"][0]["events"] > 0
                assert row["rss_mib"] > 0
            else:
                assert row["status"] == "skipped", row["reason"]  # never an error
                assert row["reason"]


def test_rows_that_need_langgraph_run_exactly_when_it_is_installed(
    smoke: tuple[Path, str],
) -> None:
    for group in _results(smoke[0])["groups"]:
        for row in group["rows"]:
            if row["name"] == "langgraph":
                assert (row["status"] == "ok") == _HAS_LANGGRAPH
                if not _HAS_LANGGRAPH:
                    assert "not installed" in row["reason"]


def test_the_scenario_streams_all_three_modes(smoke: tuple[Path, str]) -> None:
    group = _results(smoke[0])["groups"][0]
    assert group["workload"] == "one_tool_call"
    assert tuple(group["params"]["modes"]) == THREE_MODES
    rows = {(row["name"], row["face"]): row for row in group["rows"]}
    events = rows["rxagent", "sync"]["samples"][0]["events"]
    n, k = group["params"]["n"], group["params"]["k"]
    assert events > n + k  # tokens, progress, and the tool-call turn's events
    assert rows["rxagent", "async"]["samples"][0]["events"] == events
    if _HAS_LANGGRAPH:  # the same scenario on both sides: the same number of events
        assert rows["langgraph", "sync"]["samples"][0]["events"] == events


def test_the_chat_node_streams_every_token_on_both_sides(smoke: tuple[Path, str]) -> None:
    (group,) = [g for g in _results(smoke[0])["groups"] if g["workload"] == "chat_node"]
    rows = {(row["name"], row["face"]): row for row in group["rows"]}
    if not all(row["status"] == "ok" for row in rows.values()):
        pytest.skip("langchain-core or LangGraph is not installed: the rows are skipped")
    n = group["params"]["n"]
    for face in ("sync", "async"):  # N tokens and the closing empty chunk, on every face
        for name in ("rxagent", "langgraph", "LangChain model alone"):
            assert rows[name, face]["samples"][0]["events"] == n + 1, (name, face)
    report = (smoke[0] / "latest.md").read_text()
    section = report[report.index("## 5. A LangChain chat model") :]
    assert "µs/token" in section
    assert "rxagent (sync)" in section
    assert "langgraph (async)" in section


def test_markdown_report_is_printed_and_written(smoke: tuple[Path, str]) -> None:
    out, printed = smoke
    report = (out / "latest.md").read_text()
    assert printed == report
    titles = ("## 1. One tool call", "## 2. Fan-out", "## 3. Long stream", "## 4. Operators")
    for title in (*titles, "## 5. A LangChain chat model inside a node"):
        assert title in report
    lines = report.splitlines()
    headers = [
        i for i, line in enumerate(lines) if line.startswith("| ") and i and not lines[i - 1]
    ]
    assert len(headers) >= 6  # five workloads and the targets
    for start in headers:
        table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
        assert len(table) >= 3  # header, rule, at least one row
        assert {line.count("|") for line in table} == {lines[start].count("|")}
    targets = lines[lines.index("## Targets") :]
    assert sum("pass" in line or "miss" in line or "not measured" in line for line in targets) >= 10


def test_plot_is_a_png_when_matplotlib_is_installed(smoke: tuple[Path, str]) -> None:
    png = smoke[0] / "latest.png"
    if not _HAS_MATPLOTLIB:
        assert not png.exists()
        pytest.skip("matplotlib is not installed: the plot step skips")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_targets_name_what_is_missing_instead_of_failing() -> None:
    results = {"level": "full", "repeat": 5, "groups": []}
    targets = evaluate(results)
    assert targets
    assert all(target["pass"] is None for target in targets)
    machine = {"nproc": 1, "cpu": "x", "platform": "p", "python": "3", "packages": {}}
    assert "not measured" in render({**results, "machine": machine})


@pytest.mark.parametrize("level", ["full", "quick", "smoke"])
def test_every_planned_row_is_registered(level: Any) -> None:
    repeat, groups = plan(level)
    assert repeat >= (5 if level == "full" else 3 if level == "quick" else 1)
    for group in groups:
        for name, face in group.members:
            assert face in REGISTRY[group.workload, name].faces


def test_the_clis_workload_names_are_the_registrys() -> None:
    from rxagent.cli import WORKLOADS

    assert set(WORKLOADS) == {workload for workload, _ in REGISTRY}


def test_one_workload_runs_alone(tmp_path: Path) -> None:
    from rxagent.bench import run

    results = run("smoke", None, ["operators"])
    assert {group["workload"] for group in results["groups"]} == {"operators"}


def test_an_unknown_workload_is_refused_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rxagent.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["bench", "--smoke", "--workload", "nope"])
    assert exited.value.code == 2
    assert "langchain_long" in capsys.readouterr().err
