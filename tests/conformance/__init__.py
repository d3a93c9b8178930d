"""Differential tests: rxagent against LangGraph itself (issue 8).

Method
------
Each scenario (``_scenarios.py``) is described once against a *kit*, the names one library
gives (``StateGraph``, ``Send``, ``Command``, ``get_stream_writer``, message classes, the agent
factory), and built twice: with LangGraph / ``langchain.agents.create_agent`` and with
rxagent. Both run the same node and tool functions. Agent scenarios carry a script of model
replies (``_models.Reply``); LangGraph gets a LangChain fake chat model (``_models.ChatScripted``)
that streams exactly the chunks rxagent's ``ScriptedModel`` streams, and rxagent runs twice:
with ``LangChainModel(<a fresh fake>)`` and with ``ScriptedModel`` (the *variants*).

Every scenario × variant is consumed through every face (``_run.FACES``): each single
stream mode, a list of all modes, ``subgraphs=True``, ``version="v2"``, the default mode,
``astream`` and ``invoke``. Outputs (and the error a run raises) are normalised
(``_normalize.py``) into plain data: messages become their class name and fields, and only
ids that are random by nature are rewritten to placeholders numbered by first appearance
(message ids, task ids, ``node:<task id>`` namespace parts). Scenarios with parallel tasks
are compared per task: items are grouped into lanes (one per task, ordered), and lanes are
compared as a multiset between ``values`` chunks, since parallel tasks may interleave.

Differences
-----------
``_differences.py`` is the one place listing the deliberate differences and how the
comparison absorbs them; it is short on purpose. Everything else that differs is a bug:
``_known_gaps.py`` lists each as a strict xfail with a one-line reason, so a fix turns into
an XPASS that fails the run until the entry is removed.

Files
-----
- ``_models.py``: the shared script, ``ScriptedModel`` and the LangChain fake.
- ``_scenarios.py``: kits and scenarios; names rxagent lacks xfail through ``MissingName``.
- ``_normalize.py``, ``_run.py``: normalisation, faces, lanes, the comparison.
- ``test_streams.py``: scenario × variant × face; ``test_builder.py``: builder and update
  errors; ``test_generated_scripts.py``: hypothesis-written agent scripts (8 examples).

Run ``pytest tests/conformance -rxX`` to see every open gap with its reason.
"""
