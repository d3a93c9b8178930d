"""``rxagent bench`` (the public tool) and the comparison suite in ``benchmarks/``.

Only structure and sane numbers are asserted, never timing targets. Rows whose packages are
missing (LangGraph, langchain-core, matplotlib: the ``bench`` extra) must be skipped with a
reason.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.compare import REGISTRY, evaluate, plan, render, run, write_reports
from benchmarks.compare.__main__ import WORKLOADS
from benchmarks.compare._targets import machine_speed
from rxagent import ScriptedModel, create_agent
from rxagent.bench import Measurement, measure
from rxagent.cli import main

_HAS_LANGCHAIN = importlib.util.find_spec("langchain_core") is not None
_HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
QUESTION = {"messages": [{"role": "user", "content": "Hi"}]}

# -- the public tool ------------------------------------------------------------------------


def _agent(tokens: int) -> Any:
    return create_agent(ScriptedModel([" ".join(["token"] * tokens)]))


@pytest.mark.parametrize("face", ["sync", "async"])
def test_measure_gives_sane_numbers_for_a_small_agent(face: Any) -> None:
    result = measure(_agent(500), QUESTION, stream_mode="messages", face=face, runs=2)
    assert isinstance(result, Measurement)
    assert result.runs == 2
    assert result.events == 501  # 500 tokens and the closing empty chunk
    assert 0 < result.seconds < 60
    assert result.events_per_s == pytest.approx(result.events / result.seconds)
    assert 0 < result.first_event_ms < result.seconds * 1e3
    assert 0 < result.half_events_at <= 1
    assert result.peak_rss_mib > 10


def test_measure_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="runs must be >= 1"):
        measure(_agent(1), QUESTION, runs=0)
    with pytest.raises(ValueError, match="face"):
        measure(_agent(1), QUESTION, face="push")  # type: ignore[arg-type]


def test_the_cli_measures_an_agent_given_as_module_attr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["bench", "--agent", "tests.test_bench:SMALL_AGENT", "--input", json.dumps(QUESTION)]
    argv += ["--stream-mode", "messages", "--stream-mode", "updates", "--runs", "1", "--json"]
    assert main(argv) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["events"] == 21 + 1  # 20 tokens, the last chunk, the model's update
    assert figures["events_per_s"] > 0
    assert set(figures) == {
        "runs",
        "events",
        "seconds",
        "events_per_s",
        "first_event_ms",
        "half_events_at",
        "peak_rss_mib",
    }


def test_the_cli_defaults_to_the_demo_agent_and_prints_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "--runs", "1", "--face", "async"]) == 0
    out = capsys.readouterr().out
    assert "events/s" in out
    assert "first event" in out
    assert out.count("\n") == 1


def test_the_cli_names_a_bad_agent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--agent", "tests.test_bench:NOPE"]) == 2
    assert "has no attribute 'NOPE'" in capsys.readouterr().err


SMALL_AGENT = _agent(20)
"""The agent ``rxagent bench --agent tests.test_bench:SMALL_AGENT`` measures."""


# -- the comparison suite (benchmarks/compare) ----------------------------------------------


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A smoke-sized run of the load workloads (a few worker processes)."""
    out = tmp_path_factory.mktemp("bench")
    results = run("smoke", None, ["concurrent", "rounds", "long_run"])
    write_reports(results, out, progress=None)
    return out, results


def test_the_load_workloads_run_or_say_why(smoke: tuple[Path, dict[str, Any]]) -> None:
    results = smoke[1]
    assert results["level"] == "smoke"
    assert results["machine"]["nproc"] >= 1
    workloads = {group["workload"] for group in results["groups"]}
    assert workloads == {"concurrent", "rounds", "long_run"}
    for group in results["groups"]:
        for row in group["rows"]:
            if row["status"] == "ok":
                assert len(row["samples"]) == results["repeat"] == 1
                assert row["samples"][0]["events"] > 0
                assert row["rss_mib"] > 0
            else:
                assert row["status"] == "skipped", row["reason"]  # never an error
                assert "not installed" in row["reason"]
                assert not _HAS_LANGCHAIN


def test_the_load_extras_are_sane(smoke: tuple[Path, dict[str, Any]]) -> None:
    groups = {(g["workload"], g["params"]["n"]): g for g in smoke[1]["groups"]}
    (runs,) = groups["concurrent", 2]["rows"]
    extra = runs["samples"][0]["extra"]
    assert runs["samples"][0]["events"] == 2 * (20 + 1 + 1)  # tokens, last chunk, update
    assert extra["mib_per_run"] > 0
    assert extra["first_per_run_ahead_ms"] > 0
    assert extra["worst_run"] in (0, 1)
    assert extra["full_gcs"] >= 0
    assert extra["full_gc_ms"] >= 0
    assert (extra["full_gcs"] == 0) == (extra["full_gc_ms"] == 0)
    for row in groups["rounds", 20]["rows"]:
        if row["status"] == "ok":
            extra = row["samples"][0]["extra"]
            assert extra["rounds"] == 20
            assert extra["early_us"] > 0
            assert extra["ratio"] == pytest.approx(extra["late_us"] / extra["early_us"])
    rows = {row["name"]: row for row in groups["long_run", 40]["rows"]}
    assert rows["rxagent"]["samples"][0]["events"] == 41
    assert rows["rxagent, traced memory"]["samples"][0]["extra"]["sync_bytes_per_token"] > 0


def test_concurrent_samples_run_their_passes_back_to_back() -> None:
    from benchmarks.compare._load import concurrent

    events: list[Any] = []
    extra = concurrent({"n": 2, "tokens": 5, "passes": 3})(events.append)
    assert extra is not None
    assert len(events) == 3 * 2 * (5 + 1 + 1)  # passes × runs × (tokens, last chunk, update)
    assert extra["runs"] == 2
    assert extra["passes"] == 3
    assert extra["worst_run"] in (0, 1)
    assert extra["first_per_run_ahead_ms"] > 0
    assert extra["last_first_ms"] > 0


def test_every_concurrent_size_measures_as_many_events() -> None:
    for level in ("full", "quick", "smoke"):
        groups = [group for group in plan(level)[1] if group.workload == "concurrent"]
        totals = {group.params["n"] * group.params["passes"] for group in groups}
        assert len(totals) == 1, (level, totals)


def test_the_report_and_plot_are_written(smoke: tuple[Path, dict[str, Any]]) -> None:
    out = smoke[0]
    report = (out / "latest.md").read_text()
    for title in ("## 7. Concurrent runs", "## 8. An agent of many rounds", "## 9. One long run"):
        assert title in report
    targets = report[report.index("## Targets") :]
    assert "≥ 200,000 events/s" in targets
    assert "≤ 1.5×" in targets
    assert json.loads((out / "latest.json").read_text())["targets"]
    png = out / "latest.png"
    if not _HAS_MATPLOTLIB:
        assert not png.exists()
        pytest.skip("matplotlib is not installed: the plot step skips")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_targets_name_what_is_missing_instead_of_failing() -> None:
    results = {"level": "full", "repeat": 3, "groups": []}
    targets = evaluate(results)
    assert targets
    assert all(target["pass"] is None for target in targets)
    machine = {"nproc": 1, "cpu": "x", "platform": "p", "python": "3", "packages": {}}
    report = render({**results, "machine": machine})
    assert "not measured" in report
    assert "Machine speed: not measured" in report


def test_the_per_event_target_states_the_machine_s_floor_beside_its_verdict() -> None:
    def row(name: str, face: str, wall: float) -> dict[str, Any]:
        sample = {"events": 1_000_000, "wall": wall, "first": 0.001, "half": 0.5, "extra": {}}
        return {"name": name, "face": face, "samples": [sample], "rss_mib": 1.0}

    rows = [row("rxagent", "sync", 4.5), row("floor: token chunk + tuple", "sync", 1.8)]
    group = {"workload": "one_tool_call", "label": "three modes", "params": {"n": 100_000}}
    results = {"level": "full", "repeat": 1, "groups": [{**group, "rows": rows}]}
    by_text = {target["target"]: target for target in evaluate(results)}
    sync = by_text["seeds' workload ≤ 2.0 µs/event (sync, three modes, N=100,000)"]
    assert sync["pass"] is False  # the verdict is the absolute one, whatever the machine
    assert sync["measured"] == "4.50 µs/event = 2.50× the floor's 1.80"
    unmeasured = by_text["seeds' workload ≤ 2.0 µs/event (async, three modes, N=100,000)"]
    assert unmeasured["pass"] is None
    assert "not measured" in machine_speed(results)  # no async floor
    rows.append(row("floor: token chunk + tuple", "async", 2.2))
    assert "floor 1.80 / 2.20 µs/event" in machine_speed(results)


@pytest.mark.parametrize("level", ["full", "quick", "smoke"])
def test_every_planned_row_is_registered(level: Any) -> None:
    _repeat, groups = plan(level)
    for group in groups:
        for name, face in group.members:
            assert face in REGISTRY[group.workload, name].faces


def test_the_floors_are_real_floors() -> None:
    floors = {name for _, name in REGISTRY if name.startswith("floor")}
    assert floors == {"floor: token chunk + tuple", "floor: bare generator"}
    for (_workload, name), implementation in REGISTRY.items():
        if name.startswith("floor"):
            assert set(implementation.faces) == {"sync", "async"}


def test_the_suites_workload_names_are_the_registrys() -> None:
    assert set(WORKLOADS) == {workload for workload, _ in REGISTRY}


def test_an_unknown_workload_is_refused_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks.compare.__main__ import main as suite

    with pytest.raises(SystemExit) as exited:
        suite(["--smoke", "--workload", "nope"])
    assert exited.value.code == 2
    assert "long_run" in capsys.readouterr().err


def test_full_collections_are_counted_and_timed_young_ones_are_not() -> None:
    from benchmarks.compare._load import _full_collections

    with _full_collections() as full:
        gc.collect(0)
        gc.collect(1)
        assert full.count == 0
        gc.collect()
        gc.collect(2)
    gc.collect()  # after the block: not counted
    assert full.count == 2
    assert full.seconds > 0
    assert full not in gc.callbacks


def test_each_timed_run_starts_from_a_collected_heap() -> None:
    from benchmarks.compare._measure import measure_collected

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    seen: dict[str, Any] = {}

    def prepare(_params: Mapping[str, Any]) -> Any:
        garbage = Cycle()  # unreachable once prepare returns, until a collection
        seen["garbage"] = weakref.ref(garbage)
        del garbage

        def run() -> Any:
            seen["alive at start"] = seen["garbage"]() is not None
            yield 1

        return run

    gc.disable()  # no automatic collection may do the work instead
    try:
        sample = measure_collected(prepare, {}, "sync")
    finally:
        gc.enable()
    assert sample.events == 1
    assert seen["alive at start"] is False


def test_the_accumulate_benchmark_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import accumulate

    accumulate.main(["--sizes", "200,400", "--tool-sizes", "20,40"])
    out = capsys.readouterr().out
    text_rows = [line for line in out.splitlines() if line.startswith(("| 200 ", "| 400 "))]
    tool_rows = [line for line in out.splitlines() if line.startswith(("| 20 (100)", "| 40 (200)"))]
    assert len(text_rows) == 2, out
    assert len(tool_rows) == 2, out
    for row in [*text_rows, *tool_rows]:
        # µs per token or piece; the operator's is a difference of two timings, which noise
        # may make negative at these sizes: a number, but not a positive one
        values = [float(cell) for cell in row.strip("|").split("|")[1:]]
        assert values, row
    assert all(float(row.strip("|").split("|")[-1]) > 0 for row in text_rows), text_rows
    assert "- ChunkAccumulator: " in out
    assert "bytes/token" in out


def test_the_accumulate_benchmark_streams_one_tool_call_whole() -> None:
    from benchmarks.accumulate import _tool_events
    from rxagent.messages import AIMessageChunk

    total = AIMessageChunk("")
    for event in _tool_events(30):
        chunk = event.data[0]
        assert isinstance(chunk, AIMessageChunk)
        total = total + chunk
    (call,) = total.tool_calls
    assert call["name"] == "write"
    assert call["args"] == {"content": "w" * 135}
