"""The Markdown report of ``python -m benchmarks.redis`` (from its JSON results)."""

from __future__ import annotations

from typing import Any

from benchmarks.redis.throughput import MEMORY


def report(results: dict[str, Any]) -> str:
    """The results as Markdown tables, each Redis row beside its memory-store row."""
    machine, args = results["machine"], results["args"]
    lines = [
        "# Redis benchmark",
        "",
        f"`python -m benchmarks.redis` on {machine['nproc']} cores (a shared machine; load "
        f"average {machine['load_average'][0]} at the end), Python {machine['python']}, "
        f"{machine['redis_server'].split(' sha=')[0]}; everything on 127.0.0.1.",
        "",
        *_throughput(results["throughput"], results["workload"]),
        "",
        *_latency(results["latency"], args),
        "",
        *_memory(results["memory"]),
    ]
    return "\n".join(lines) + "\n"


def _throughput(rows: list[dict[str, Any]], workload: str) -> list[str]:
    base = {row["runs"]: row["events_per_s"] for row in rows if row["path"] == MEMORY}
    lines = [
        "## Run log: producer → store → subscriber",
        "",
        f"Events: {workload}. Best of the repeats.",
        "",
        "| path | runs | events received | s | events/s | × memory | CPU µs/event "
        "| of which redis-server |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row["events_per_s"] / base[row["runs"]]
        lines.append(
            f"| {row['path']} | {row['runs']} | {row['received']:,} / {row['sent']:,} "
            f"| {row['seconds']:.2f} | {row['events_per_s']:,.0f} | {ratio:.3f} "
            f"| {row['cpu_us_per_event']:,.0f} | {row['redis_cpu_us_per_event']:,.0f} |"
        )
    return lines


def _latency(rows: list[dict[str, Any]], args: dict[str, Any]) -> list[str]:
    lines = [
        "## Emission in a graph node → arrival at an SSE client",
        "",
        f"{args['stream_events']} custom events per stream, {args['period_ms']} ms apart.",
        "",
        "| server | streams | events received | p50 ms | p99 ms | events/s | first event ms "
        "| CPU µs/event: serve, worker, redis-server |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['server']} | {row['streams']} | {row['received']:,} / {row['events']:,} "
            f"| {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['events_per_s']:,.0f} "
            f"| {row['first_event_ms']:.1f} | {_cpu(row)} |"
        )
    return lines


def _cpu(row: dict[str, Any]) -> str:
    parts = [f"{row['server_cpu_us_per_event']:,.0f}"]
    if row["worker_cpu_us_per_event"] or row["redis_cpu_us_per_event"]:
        parts += [f"{row['worker_cpu_us_per_event']:,.0f}", f"{row['redis_cpu_us_per_event']:,.0f}"]
    return ", ".join(parts)


def _memory(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Memory per retained run",
        "",
        "| store | runs | events per run | total MB | per run KB | per event B "
        "| MEMORY USAGE of one log KB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        key = f"{row['log_key_bytes'] / 1024:,.1f}" if row["log_key_bytes"] else "–"
        lines.append(
            f"| {row['store']} | {row['runs']} | {row['events']} "
            f"| {row['bytes_total'] / 2**20:,.1f} | {row['bytes_per_run'] / 1024:,.1f} "
            f"| {row['bytes_per_event']:,.0f} | {key} |"
        )
    return lines
