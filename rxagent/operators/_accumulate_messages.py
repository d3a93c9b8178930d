"""``accumulate_messages``: token chunks as growing whole-message snapshots."""

from __future__ import annotations

from rxagent._fast import maker
from rxagent.events import Event, MessageEvent
from rxagent.messages import AIMessageChunk, ChunkAccumulator
from rxagent.messages._foreign import chunk_like, is_langchain_chunk, rxagent_chunk
from rxagent.operators._stage import Downstream, Stage
from rxagent.operators._types import Operator, SourceKey, source_of

_event = maker(MessageEvent)


def accumulate_messages() -> Operator:
    """Replace every token chunk by the whole message so far, for UIs that redraw it.

    Each ``messages`` event holding an ``AIMessageChunk`` becomes an event with the same
    fields and metadata whose chunk joins every chunk of that message so far, as ``+``
    does: text, content blocks (merged by ``index``), tool call chunks (joined by index)
    and the tool calls parsed from them, usage, metadata. The snapshot is a chunk of the
    token's kind: rxagent's, or langchain-core's as ``from_langgraph`` streams them.
    A message is the run of chunks of one source with one id (a chunk without an id
    continues the source's current message); it is forgotten at its ``chunk_position="last"``
    chunk, when another message starts on the source, or at the source's ``updates`` event
    (its task is over). Other events pass through as they are.

    A snapshot costs O(1) amortized for the text while the consumer drops each snapshot
    before the next token (a UI that redraws): the text grows in place, as
    ``ChunkAccumulator`` explains; a consumer that keeps every snapshot keeps every text.
    Tool-call args are parsed at each snapshot, each piece read once in Python: while a
    piece only extends a string value (the content of a file that a tool writes, say),
    the snapshot costs that piece and a copy of the few entries around the string, not
    the args; any other piece parses the whole args again, at C speed.

    Example:
        >>> import reactivex
        >>> from rxagent.events import MessageEvent
        >>> from rxagent.messages import text_chunk
        >>> tokens = [MessageEvent(data=(text_chunk(t, "m1"), {})) for t in ("Hel", "lo", "!")]
        >>> _ = reactivex.from_iterable(tokens).pipe(accumulate_messages()).subscribe(
        ...     lambda event: print(event.data[0].text))
        Hel
        Hello
        Hello!
    """
    return Stage(lambda observer, _: _Accumulator(observer))


class _Accumulator:
    """The core: each source's current message, for one consumer."""

    __slots__ = ("messages", "observer")

    def __init__(self, observer: Downstream) -> None:
        self.observer = observer
        self.messages: dict[SourceKey, _Message] = {}  # each source's current message

    def on_next(self, event: Event) -> None:
        messages, observer = self.messages, self.observer
        if event.mode != "messages" or not isinstance(chunk := event.data[0], AIMessageChunk):
            if event.mode != "messages" or not is_langchain_chunk(event.data[0]):
                if messages and event.mode == "updates":  # the task is over
                    messages.pop(source_of(event), None)
                observer.on_next(event)
                return
            theirs, chunk = event.data[0], rxagent_chunk(event.data[0])  # from_langgraph's
        else:
            theirs = None
        source = source_of(event)
        message = messages.get(source)
        if message is None or not message.continued_by(chunk):
            message = messages[source] = _Message()
        try:
            message.add(chunk)
        except Exception as error:  # e.g. metadata that cannot be merged
            observer.on_error(error)
            return
        if chunk.chunk_position == "last":
            del messages[source]
        snapshot = message.joined.to_chunk()
        fields = event.__dict__.copy()
        fields["data"] = (
            snapshot if theirs is None else chunk_like(theirs, snapshot),
            event.data[1],
        )
        observer.on_next(_event(fields))

    def on_error(self, error: Exception) -> None:
        self.observer.on_error(error)

    def on_completed(self) -> None:
        self.observer.on_completed()

    def cancel(self) -> None:
        """Forget the messages."""
        self.messages.clear()


class _Message:
    """One message joined so far: its id (which chunks continue it) and its chunks."""

    __slots__ = ("id", "joined")

    def __init__(self) -> None:
        self.id: str | None = None
        self.joined = ChunkAccumulator()  # lenient: unmergeable metadata never ends a run

    def continued_by(self, chunk: AIMessageChunk) -> bool:
        """Whether ``chunk`` belongs to this message: no id on either side, or the same."""
        return chunk.id is None or self.id is None or chunk.id == self.id

    def add(self, chunk: AIMessageChunk) -> None:
        """Join ``chunk`` (see ``ChunkAccumulator``)."""
        if self.id is None:
            self.id = chunk.id
        self.joined.add(chunk)
