"""Benchmark entry point: ``python -m benchmarks [--quick | --smoke]`` is ``rxagent bench``.

The measuring code ships in :mod:`rxagent.bench` so that ``rxagent bench`` works from an
installed package; the results of the last full run are in ``benchmarks/results/``.
"""
