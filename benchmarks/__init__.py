"""Benchmark entry scripts; the measuring code ships in ``rxagent._bench`` (``rxagent bench``)."""
