"""``rxagent demo``: a live agent run in the terminal, on the embedded ``ScriptedModel``.

The user asks for a summary of 100 customer records; the model streams a sentence and the
tool call ``fetch_records(count=100)``; the tool reports its progress with
``get_stream_writer()``; the model streams the answer. The human view prints tokens as
they arrive (wrapped at word boundaries to the terminal's width), a progress bar per
``custom`` event and a ``✓`` line per finished step.

``--buffer-ms`` and ``--throttle-ms`` pipe ``agent.observe(...)`` through
``buffer_tokens`` and ``throttle_custom``; taps before and after each operator count what
it saved, printed at the end (``buffer_tokens: 75 token events → 39 chunks``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from reactivex import Observable
from reactivex import operators as rx_ops

from rxagent import operators as ops
from rxagent._context import get_stream_writer
from rxagent._types import StreamMode
from rxagent.agent import create_agent
from rxagent.bridges import to_iter
from rxagent.events import CustomEvent, Event, MessageEvent, UpdateEvent
from rxagent.graph import CompiledStateGraph
from rxagent.messages import AIMessage, AIMessageChunk, BaseMessage
from rxagent.models import Latency, ScriptedModel
from rxagent.tools import Tool, tool

DEMO_MODES: tuple[StreamMode, ...] = ("updates", "messages", "custom")
"""The modes ``rxagent demo`` streams, and the choices of ``--mode``."""

QUESTION = "Summarise the last 100 customer records: who is churning, and why?"
INTRO = "I'll fetch the last 100 customer records first."
ANSWER = (
    "Of the 100 customers, 62 are active and 38 have churned or are at risk. Churn "
    "clusters in the Basic plan (27 of 38) and in accounts older than two years. The top "
    "reasons in support tickets are price increases, slow onboarding and missing "
    "integrations. Offering annual discounts to Basic customers and a guided onboarding "
    "call would address most of the at-risk accounts."
)
LATENCY = Latency(first_token=0.4, per_token=0.03)
"""The realistic timing of the live demo (``--fast`` turns it off)."""
TOOL_DELAY = 0.15
"""Seconds the tool sleeps between two progress reports (``--fast``: none)."""
REPORTS = 10
"""Progress payloads the tool writes, one per 10 records."""
THROTTLED_REPORTS = 100
"""With ``--throttle-ms``: one payload per record, in the same total time."""


def fetch_records_tool(*, reports: int | None = None, delay: float = 0.0) -> Tool[..., str]:
    """The demo's sync tool: writes ``reports`` progress payloads, ``delay`` s apart.

    Args:
        reports: how many progress payloads one call writes; ``None``: one per record
            (``count`` of them).
        delay: seconds slept before each payload (``time.sleep``: the tool is sync and runs
            in a worker thread).

    Example:
        >>> fetch_records_tool(reports=10).name
        'fetch_records'
    """

    @tool
    def fetch_records(count: int) -> str:
        """Fetch the last `count` customer records from the CRM."""
        writer = get_stream_writer()
        total = count if reports is None else reports
        for index in range(1, total + 1):
            if delay:
                time.sleep(delay)
            done = count * index // total
            writer({"progress": f"Fetched {done}/{count} records", "done": done, "total": count})
        return f"Fetched {count} records: 62 active, 38 churned or at risk, 112 support tickets."

    return fetch_records


def build_demo_agent(
    *,
    fast: bool = False,
    reports: int = REPORTS,
    latency: Latency | None = None,
    tool_delay: float | None = None,
) -> CompiledStateGraph:
    """The demo agent: a scripted model with realistic latency and the ``fetch_records`` tool.

    Args:
        fast: no model latency and no tool sleeps (unless ``latency``/``tool_delay`` say).
        reports: progress payloads per tool call, spread over ``REPORTS * TOOL_DELAY`` s.
        latency: the model's timing instead of :data:`LATENCY`.
        tool_delay: seconds the tool sleeps between two reports instead.

    Example:
        >>> agent = build_demo_agent(fast=True)
        >>> agent.invoke(demo_inputs())["messages"][-1].text == ANSWER
        True
    """
    call = {"name": "fetch_records", "args": {"count": 100}, "id": "call_fetch_records"}
    model = ScriptedModel(
        [AIMessage(INTRO, tool_calls=[call]), AIMessage(ANSWER)],
        latency=latency or (None if fast else LATENCY),
        name="scripted-demo",
    )
    default_delay = 0.0 if fast else TOOL_DELAY * REPORTS / reports
    delay = default_delay if tool_delay is None else tool_delay
    tool_ = fetch_records_tool(reports=reports, delay=delay)
    return create_agent(model, [tool_], name="demo")


def demo_inputs() -> dict[str, Any]:
    """The user's question, in LangChain's input shape."""
    return {"messages": [{"role": "user", "content": QUESTION}]}


@dataclass
class Saving:
    """How many events of one kind went into an operator and came out of it.

    Example:
        >>> print(Saving("buffer_tokens", "token events", " chunks", 4812, 97))
        buffer_tokens: 4,812 token events → 97 chunks
    """

    operator: str
    """The operator's name."""
    counted: str
    """What is counted on the way in, e.g. ``"token events"``."""
    unit: str
    """Appended to the count on the way out, e.g. ``" chunks"``."""
    before: int = 0
    """Events counted before the operator."""
    after: int = 0
    """Events counted after the operator."""

    def __str__(self) -> str:
        """``operator: before counted → after unit``."""
        return f"{self.operator}: {self.before:,} {self.counted} → {self.after:,}{self.unit}"


def demo_events(
    modes: Sequence[StreamMode],
    *,
    fast: bool,
    buffer_ms: int | None = None,
    throttle_ms: int | None = None,
) -> tuple[Observable[Event], list[Saving]]:
    """The demo run as an Observable, piped through the operators asked for.

    Args:
        modes: the stream modes to observe.
        fast: no model latency, no tool sleeps.
        buffer_ms: pipe through ``buffer_tokens(max_delay=buffer_ms / 1000)``.
        throttle_ms: pipe through ``throttle_custom(throttle_ms / 1000)``; the tool then
            reports every record (``THROTTLED_REPORTS``).

    Returns:
        The events, and one ``Saving`` per operator, counted while the events flow.

    Example:
        >>> events, savings = demo_events(["messages"], fast=True, buffer_ms=50)
        >>> _ = list(to_iter(events))  # the counts grow while the events flow
        >>> print(*savings)
        buffer_tokens: 75 token events → 4 chunks
    """
    reports = REPORTS if throttle_ms is None else THROTTLED_REPORTS
    events = build_demo_agent(fast=fast, reports=reports).observe(
        demo_inputs(), stream_mode=list(modes)
    )
    savings: list[Saving] = []
    if buffer_ms is not None:
        saving = Saving("buffer_tokens", "token events", " chunks")
        events = _counted(events, ops.buffer_tokens(max_delay=buffer_ms / 1000), saving, _is_token)
        savings.append(saving)
    if throttle_ms is not None:
        saving = Saving("throttle_custom", "progress events", "")
        events = _counted(events, ops.throttle_custom(throttle_ms / 1000), saving, _is_custom)
        savings.append(saving)
    return events, savings


def _counted(
    events: Observable[Event],
    operator: ops.Operator,
    saving: Saving,
    counts: Callable[[Event], bool],
) -> Observable[Event]:
    """``events.pipe(operator)``, with a tap before and after it counting into ``saving``."""

    def before(event: Event) -> None:
        if counts(event):
            saving.before += 1

    def after(event: Event) -> None:
        if counts(event):
            saving.after += 1

    return events.pipe(rx_ops.do_action(before), operator, rx_ops.do_action(after))


def _is_token(event: Event) -> bool:
    return isinstance(event, MessageEvent) and isinstance(event.data[0], AIMessageChunk)


def _is_custom(event: Event) -> bool:
    return event.mode == "custom"


def run_json(
    modes: Sequence[StreamMode],
    *,
    fast: bool,
    out: TextIO,
    buffer_ms: int | None = None,
    throttle_ms: int | None = None,
    err: TextIO | None = None,
) -> int:
    """Print one JSON event per line: ``agent.observe`` bridged with ``to_iter``.

    The savings of the operators go to ``err`` (default: ``sys.stderr``), so that ``out``
    stays one JSON event per line.
    """
    events, savings = demo_events(modes, fast=fast, buffer_ms=buffer_ms, throttle_ms=throttle_ms)
    for event in to_iter(events):
        out.write(event.model_dump_json() + "\n")
        out.flush()
    for saving in savings:
        print(saving, file=sys.stderr if err is None else err, flush=True)
    return 0


def run_human(
    modes: Sequence[StreamMode],
    *,
    fast: bool,
    out: TextIO,
    buffer_ms: int | None = None,
    throttle_ms: int | None = None,
    width: int | None = None,
) -> int:
    """Render the run's ``(mode, chunk)`` pairs as they happen, then the savings.

    ``width`` wraps the streamed text at word boundaries; ``None``: the terminal's width
    when ``out`` is a terminal, else no wrapping (a pipe gets each reply on one line).
    """
    events, savings = demo_events(modes, fast=fast, buffer_ms=buffer_ms, throttle_ms=throttle_ms)
    if width is None and out.isatty():
        width = shutil.get_terminal_size().columns
    view = _View(out, color=_wants_color(out), width=width)
    view.line(view.bold(f"» user: {QUESTION}"))
    started = time.perf_counter()
    first_token: float | None = None
    counts: Counter[str] = Counter()
    for event in to_iter(events):
        counts[event.mode] += 1
        if isinstance(event, MessageEvent):
            message = event.data[0]
            if first_token is None and isinstance(message, AIMessageChunk) and message.text:
                first_token = time.perf_counter() - started
            view.token(message)
        elif isinstance(event, CustomEvent):
            view.progress(event.data)
        elif isinstance(event, UpdateEvent):
            view.updates(event.data)
    view.end_inline()
    total = time.perf_counter() - started
    per_mode = ", ".join(f"{mode} {counts[mode]}" for mode in modes)
    ttft = "n/a" if first_token is None else f"{first_token:.2f} s"
    view.line(view.dim(f"events: {per_mode} · first token {ttft} · total {total:.2f} s"))
    for saving in savings:
        view.line(view.dim(str(saving)))
    return 0


def _wants_color(out: TextIO) -> bool:
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


class _View:
    """Renders the run: inline tokens, a progress bar, one line per finished step."""

    def __init__(self, out: TextIO, *, color: bool, width: int | None = None) -> None:
        self.out = out
        self.color = color
        self._text = _Wrapped(out, width)
        self._inline = False
        self._bar = False

    def _style(self, code: str) -> Callable[[str], str]:
        return (lambda text: f"\033[{code}m{text}\033[0m") if self.color else (lambda text: text)

    def bold(self, text: str) -> str:
        return self._style("1")(text)

    def dim(self, text: str) -> str:
        return self._style("2")(text)

    def green(self, text: str) -> str:
        return self._style("32")(text)

    def line(self, text: str) -> None:
        self.end_inline()
        self.out.write(text + "\n")
        self.out.flush()

    def end_inline(self) -> None:
        """Finish the line of tokens or the live progress bar, if one is open."""
        if self._inline or self._bar:
            self._text.end_line()
            self.out.write("\n")
            self._inline = self._bar = False

    def token(self, message: BaseMessage) -> None:
        if not isinstance(message, AIMessageChunk) or not message.text:
            return
        if self._bar:
            self.end_inline()
        self._text.write(message.text)
        self.out.flush()
        self._inline = True

    def progress(self, payload: Any) -> None:
        text = _progress_text(payload)
        if not self.color:
            self.line(text)
            return
        if self._inline:
            self.end_inline()
        self.out.write("\r\033[K" + self.dim(text))  # redraw the bar in place
        self.out.flush()
        self._bar = True

    def updates(self, chunk: dict[str, Any]) -> None:
        for node, update in chunk.items():
            self.line(f"{self.green('✓')} {node}: {_describe_update(update)}")


class _Wrapped:
    """Streamed text, wrapped at word boundaries to ``width`` columns (``None``: as is).

    A word can arrive in several tokens, so the last, unfinished word of the text is held
    back until whitespace or the end of the line shows where it ends.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> text = _Wrapped(out, width=12)
        >>> for token in ["The on", "boarding call", " helps", " most."]:
        ...     text.write(token)
        >>> text.end_line()
        >>> print(out.getvalue())
        The
        onboarding
        call helps
        most.
    """

    def __init__(self, out: TextIO, width: int | None) -> None:
        self.out = out
        self.width = width
        self._column = 0
        self._space = ""
        """Whitespace after the last written word, written only if the next word fits."""
        self._word = ""
        """The last word seen, unfinished until whitespace follows it."""

    def write(self, text: str) -> None:
        if self.width is None:
            self.out.write(text)
            return
        *done, self._word = re.split(r"(\s+)", self._word + text)
        for index, piece in enumerate(done):
            if index % 2:
                self._whitespace(piece)
            elif piece:
                self._put(piece)

    def end_line(self) -> None:
        """Write the held-back word; the caller ends the line."""
        if self._word:
            self._put(self._word)
        self._column, self._space, self._word = 0, "", ""

    def _whitespace(self, space: str) -> None:
        if "\n" in space:
            self.out.write("\n" * space.count("\n"))
            self._column, self._space = 0, ""
        else:
            self._space += space

    def _put(self, word: str) -> None:
        assert self.width is not None
        if self._column and self._column + len(self._space) + len(word) > self.width:
            self.out.write("\n")
            self._column = 0
        elif self._column:
            self.out.write(self._space)
            self._column += len(self._space)
        self.out.write(word)
        self._column += len(word)
        self._space = ""


def _progress_text(payload: Any, width: int = 10) -> str:
    """``[#####.....] Fetched 50/100 records`` for ``{"progress", "done", "total"}`` payloads."""
    if not isinstance(payload, dict):
        return f"· {payload}"
    done, total, label = payload.get("done"), payload.get("total"), payload.get("progress")
    if not isinstance(done, int) or not isinstance(total, int) or total <= 0:
        return f"· {label if label is not None else payload}"
    filled = min(width, width * done // total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {label}"


def _describe_update(update: Any) -> str:
    """One line for a node's update: the tool calls, the tool results or the answer."""
    messages = update.get("messages", []) if isinstance(update, dict) else []
    if not messages:
        return "done"
    parts: list[str] = []
    for message in messages:
        calls = getattr(message, "tool_calls", None)
        if isinstance(message, AIMessage) and calls:
            parts.append("called " + ", ".join(_call_text(c["name"], c["args"]) for c in calls))
        elif isinstance(message, AIMessage):
            parts.append(f"answered ({len(message.text.split())} words)")
        else:
            name = getattr(message, "name", None) or message.type
            parts.append(f"{name} → {_shorten(message.text)!r}")
    return "; ".join(parts)


def _call_text(name: str, args: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{key}={value!r}' for key, value in args.items())})"


def _shorten(text: str, limit: int = 30) -> str:
    return textwrap.shorten(text, width=limit, placeholder="...")
