"""Per-workload helpers shared by the worker and the suite."""

from __future__ import annotations

from benchmarks.compare._core import Params

_WARMUP_N = {
    "one_tool_call": 200,
    "fan_out": 640,
    "long_stream": 2_000,
    "operators": 2_000,
    "concurrent": 4,
    "rounds": 20,
    "long_run": 2_000,
}


def warmup_params(workload: str, params: Params) -> Params:
    """A tiny size of ``params`` for the untimed warm-up run of a worker."""
    warm = dict(params)
    warm["n"] = min(params["n"], _WARMUP_N.get(workload, 200))
    if "k" in params:
        warm["k"] = min(params["k"], 20)
    if "tokens" in params:
        warm["tokens"] = min(params["tokens"], 100)
    return warm
