"""The cost script (``python -m tests.aio.cost``) runs every case; it asserts no timing."""

from __future__ import annotations

from tests.aio import cost


def test_the_cost_script_runs_every_case() -> None:
    runs = cost.cases(cost.sample(64))
    costs = cost.measure(runs, repeats=1)
    assert set(costs) == set(runs)
    assert all(value >= 0 for value in costs.values())
