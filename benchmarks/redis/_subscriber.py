"""``python -m benchmarks.redis._subscriber URL RUN_ID...``: reads runs' logs, in a process.

Prints ``ready`` once imported, waits for a line on stdin, then reads every run's log
from the start to its terminal entry, all at once, and prints one JSON line:
``{"received": <events>, "done_ns": <time.time_ns() when the last log ended>,
"cpu_s": <this process's CPU seconds while reading>}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from benchmarks.redis.throughput import count_events


async def _read(url: str, ids: list[str]) -> None:
    cpu = time.process_time()
    received = sum(await asyncio.gather(*(count_events(url, run_id) for run_id in ids)))
    done = time.time_ns()
    report = {"received": received, "done_ns": done, "cpu_s": time.process_time() - cpu}
    print(json.dumps(report), flush=True)


def main(argv: list[str]) -> None:
    url, *ids = argv
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(_read(url, ids))


if __name__ == "__main__":
    main(sys.argv[1:])
