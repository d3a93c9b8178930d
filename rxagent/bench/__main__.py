"""A benchmark worker: ``python -m rxagent.bench WORKLOAD IMPLEMENTATION FACE PARAMS``."""

import sys

from rxagent.bench._measure import worker_main

if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:], sys.stdin, sys.stdout))
