"""Moved: the benchmark suite is the package :mod:`rxagent.bench` (``rxagent bench``).

This module only re-exports it for code that imported ``rxagent._bench``.

Example:
    >>> from rxagent import _bench
    >>> _bench.run_suite is __import__("rxagent.bench").bench.run_suite
    True
"""

from rxagent.bench import REGISTRY, Implementation, evaluate, plan, register, render, run_suite

__all__ = ("REGISTRY", "Implementation", "evaluate", "plan", "register", "render", "run_suite")
