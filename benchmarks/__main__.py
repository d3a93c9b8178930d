"""``python -m benchmarks [--quick | --smoke] [--out DIR]``: the same as ``rxagent bench``."""

import sys

from rxagent.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
