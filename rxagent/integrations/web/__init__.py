"""Serving runs over Server-Sent Events (extra ``web``: starlette, sse-starlette, uvicorn).

One run log, three wire formats: the LangGraph Agent Server's (``"langgraph"``), the
Vercel AI SDK UI message stream (``"ai-sdk"``) and AG-UI 1.0 (``"ag-ui"``).

* :func:`sse_response` serves any ``Observable[Event]`` (or async iterable of events) from
  a Starlette or FastAPI endpoint;
* :func:`create_app` is the app of ``rxagent serve``: the streaming subset of the LangGraph
  Agent Server API, ``POST /api/chat`` (AI SDK), ``POST /ag-ui`` (AG-UI) and the page;
* the encoders (:class:`LangGraphEncoder`, :class:`AISdkEncoder`, :class:`AGUIEncoder`,
  :func:`encoder_for`) turn a run's log into frames, with no web dependency;
* :class:`MemoryRunStore` keeps runs and their logs for resume (:class:`RunStore` is the
  interface a shared store implements); event ids are :class:`EventId` (``<ms>-<seq>``).

The encoders and the store import nothing optional; :func:`create_app`,
:func:`sse_response` and :func:`serve_in_thread` (uvicorn in a thread, for notebooks and
tests) import starlette and uvicorn when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rxagent.integrations.web._agui import AGUIEncoder
from rxagent.integrations.web._aisdk import AISdkEncoder
from rxagent.integrations.web._encoder import FORMATS, Encoder, Format
from rxagent.integrations.web._encoders import encoder_for
from rxagent.integrations.web._entries import Entry, Frame
from rxagent.integrations.web._ids import EventId, IdClock, InvalidEventId
from rxagent.integrations.web._langgraph_sse import LANGGRAPH_STREAM_MODES, LangGraphEncoder
from rxagent.integrations.web._memory_store import MemoryRunStore
from rxagent.integrations.web._store import RunStore

if TYPE_CHECKING:
    from rxagent.integrations.web._app import create_app
    from rxagent.integrations.web._background import serve_in_thread
    from rxagent.integrations.web._sse import sse_response

_LAZY = {
    "create_app": "rxagent.integrations.web._app",
    "serve_in_thread": "rxagent.integrations.web._background",
    "sse_response": "rxagent.integrations.web._sse",
}


def __getattr__(name: str) -> Any:
    """Import the starlette-dependent names on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        module = importlib.import_module(_LAZY[name])
    except ImportError as missing:
        raise ImportError(
            f"rxagent.integrations.web.{name} needs the 'web' extra ({missing.name} is "
            "missing): pip install 'rxagent[web]'"
        ) from missing
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = (
    "FORMATS",
    "LANGGRAPH_STREAM_MODES",
    "AGUIEncoder",
    "AISdkEncoder",
    "Encoder",
    "Entry",
    "EventId",
    "Format",
    "Frame",
    "IdClock",
    "InvalidEventId",
    "LangGraphEncoder",
    "MemoryRunStore",
    "RunStore",
    "create_app",
    "encoder_for",
    "serve_in_thread",
    "sse_response",
)
