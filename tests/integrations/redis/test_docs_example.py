"""docs/examples/redis_run_log.py against a real redis-server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "redis_run_log.py"


def test_the_example_publishes_replays_and_resumes(redis_url: str) -> None:
    env = {**os.environ, "REDIS_URL": redis_url}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("published, ending with end ")
    whole = [line for line in lines if line.startswith("subscribe:")]
    resumed = [line.split(":", 2)[-1] for line in lines if line.startswith("after ")]
    assert [line.split()[1] for line in whole] == ["updates", "custom", "updates", "updates"]
    # the third entry is the second event (the first entry is the run's metadata)
    assert resumed == [line.removeprefix("subscribe:") for line in whole[2:]]
