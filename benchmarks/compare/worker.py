"""A benchmark worker: ``python -m benchmarks.compare.worker WORKLOAD IMPL FACE PARAMS``."""

import sys

from benchmarks.compare._measure import worker_main

if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:], sys.stdin, sys.stdout))
