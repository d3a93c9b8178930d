"""The Redis benchmark (``python -m benchmarks.redis``) at tiny sizes, on a Redis of its own.

Every row is there with sane values (every event received, p50 <= p99, memory > 0), and
the report is written where it was asked (``tmp_path``), never into benchmarks/results.
It starts ``rxagent serve`` twice and ``rxagent worker`` once: about 15 s.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.redis.__main__ import parse, run, write
from benchmarks.redis.latency import IN_PROCESS, ON_REDIS
from benchmarks.redis.throughput import PATHS
from tests.integrations.redis.conftest import RedisServer


def test_quick_benchmark_has_every_row_with_sane_values(
    own_redis_server: RedisServer, tmp_path: Path
) -> None:
    args = parse(["--quick", "--events", "20", "--runs", "3", "--stream-events", "10"])
    results = run(args, own_redis_server.url)
    text = write(results, tmp_path)

    throughput = results["throughput"]
    assert {(row["path"], row["runs"]) for row in throughput} == {
        (path, runs) for path in PATHS for runs in (1, 3)
    }
    for row in throughput:
        assert row["received"] == row["sent"] == 20 * row["runs"], row
        assert row["events_per_s"] > 0, row
        assert row["cpu_us_per_event"] >= row["redis_cpu_us_per_event"] >= 0, row

    latency = results["latency"]
    assert [(row["server"], row["streams"]) for row in latency] == [
        (server, streams) for server in (IN_PROCESS, ON_REDIS) for streams in (1, 10)
    ]
    for row in latency:
        assert row["received"] == row["events"] == 10 * row["streams"], row
        assert 0 < row["p50_ms"] <= row["p99_ms"], row

    assert [row["runs"] for row in results["memory"]] == [3, 3]
    for row in results["memory"]:
        assert row["bytes_total"] > 0, row
        assert row["bytes_per_event"] > 0, row
    assert results["memory"][0]["log_key_bytes"] > 0

    assert json.loads((tmp_path / "redis-latest.json").read_text()) == results
    assert (tmp_path / "redis-latest.md").read_text() == text
    assert text.count("\n| ") == 2 * 3 + 2 * 2 + 2 + 3 * 1  # rows + one header per table
