"""``python -m rxagent``: the ``rxagent`` command."""

import sys

from rxagent.cli import main

sys.exit(main())
