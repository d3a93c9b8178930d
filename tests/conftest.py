"""Hypothesis profiles: ``dev`` (default, quick) and ``ci`` (1,000 examples per property).

Select with ``HYPOTHESIS_PROFILE=ci``; ``.ci/run`` does.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
