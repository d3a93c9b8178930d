"""``python -m benchmarks [--quick | --smoke] [--workload NAME] [--out DIR]``: the suite.

The same as ``python -m benchmarks.compare`` (``make bench``).
"""

import sys

from benchmarks.compare.__main__ import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
