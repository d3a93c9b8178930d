"""rxagent's benchmarks, beside the package (not installed with it).

``python -m benchmarks`` (``make bench``) runs the comparison suite of
:mod:`benchmarks.compare`: rxagent side by side with LangGraph and with the floors;
``benchmarks.serve`` and ``benchmarks.redis`` measure the transports. The results of the
last full runs are in ``benchmarks/results/``. What a user measures about their own agent
is ``rxagent bench --agent module:attr``, in the package.
"""
