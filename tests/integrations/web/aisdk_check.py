"""AI SDK UI message stream conformance for tests.

:data:`CHUNK` is ``uiMessageChunkSchema`` of ``ai`` 7.0.173
(``src/ui-message-stream/ui-message-chunks.ts``) as pydantic models; ``extra="forbid"``
where the schema is a ``looseObject``, so a misspelt key fails here instead of being
silently ignored by the client. :func:`read_stream` is the client's state machine
(``src/ui/process-ui-message-stream.ts`` of ``ai`` 6, whose ``finish-step`` also clears the
active text parts) building the final ``UIMessage.parts``; it raises :class:`StreamError`
where the client throws (a ``text-delta`` without ``text-start``, a ``tool-input-delta``
without ``tool-input-start``, a tool output for an unknown call...) and where the framing
rules of rxagent are broken (a second ``text-start`` of an open id, ``finish-step`` with
parts open, anything after ``[DONE]``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from rxagent.integrations.web._entries import Frame

JSONObject = dict[str, Any]
ProviderMetadata = dict[str, dict[str, Any]]
FinishReason = Literal[
    "stop", "length", "content-filter", "tool-calls", "error", "interrupted", "other"
]


class _Chunk(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextStart(_Chunk):
    type: Literal["text-start"]
    id: str
    providerMetadata: ProviderMetadata | None = None


class TextDelta(_Chunk):
    type: Literal["text-delta"]
    id: str
    delta: str
    providerMetadata: ProviderMetadata | None = None


class TextEnd(_Chunk):
    type: Literal["text-end"]
    id: str
    citations: list[Any] | None = None
    providerMetadata: ProviderMetadata | None = None


class ErrorChunk(_Chunk):
    type: Literal["error"]
    errorText: str


class _ToolInput(_Chunk):
    toolCallId: str
    toolName: str
    providerExecuted: bool | None = None
    providerMetadata: ProviderMetadata | None = None
    toolMetadata: JSONObject | None = None
    dynamic: bool | None = None
    title: str | None = None


class ToolInputStart(_ToolInput):
    type: Literal["tool-input-start"]
    inputEncoding: Literal["json", "text"] | None = None


class ToolInputDelta(_Chunk):
    type: Literal["tool-input-delta"]
    toolCallId: str
    inputTextDelta: str


class ToolInputAvailable(_ToolInput):
    type: Literal["tool-input-available"]
    input: Any


class ToolInputError(_ToolInput):
    type: Literal["tool-input-error"]
    input: Any
    errorText: str


class ToolOutputAvailable(_Chunk):
    type: Literal["tool-output-available"]
    toolCallId: str
    output: Any
    providerExecuted: bool | None = None
    providerMetadata: ProviderMetadata | None = None
    toolMetadata: JSONObject | None = None
    dynamic: bool | None = None
    preliminary: bool | None = None


class ToolOutputError(_Chunk):
    type: Literal["tool-output-error"]
    toolCallId: str
    errorText: str
    providerExecuted: bool | None = None
    providerMetadata: ProviderMetadata | None = None
    toolMetadata: JSONObject | None = None
    dynamic: bool | None = None


class DataChunk(_Chunk):
    type: Annotated[str, Field(pattern=r"^data-.+")]
    id: str | None = None
    data: Any
    transient: bool | None = None


class StepChunk(_Chunk):
    type: Literal["start-step", "finish-step", "reset-step"]


class Start(_Chunk):
    type: Literal["start"]
    messageId: str | None = None
    messageMetadata: Any = None


class Finish(_Chunk):
    type: Literal["finish"]
    finishReason: FinishReason | None = None
    messageMetadata: Any = None


class Abort(_Chunk):
    type: Literal["abort"]
    reason: str | None = None


class MessageMetadata(_Chunk):
    type: Literal["message-metadata"]
    messageMetadata: Any


CHUNK: TypeAdapter[Any] = TypeAdapter(
    TextStart
    | TextDelta
    | TextEnd
    | ErrorChunk
    | ToolInputStart
    | ToolInputDelta
    | ToolInputAvailable
    | ToolInputError
    | ToolOutputAvailable
    | ToolOutputError
    | StepChunk
    | Start
    | Finish
    | Abort
    | MessageMetadata
    | DataChunk
)
"""Validates one UI message chunk (the ``data-*`` model last, as it matches any prefix)."""


class StreamError(AssertionError):
    """A chunk the AI SDK client would throw on, or a framing rule broken."""


def chunks_of(frames: Iterable[Frame]) -> list[dict[str, Any]]:
    """The chunks of the frames, checking ``[DONE]`` comes last and only once."""
    chunks: list[dict[str, Any]] = []
    done = False
    for frame in frames:
        if frame.event is not None:
            raise StreamError(f"AI SDK frames carry no event name: {frame}")
        if done:
            raise StreamError(f"a frame after [DONE]: {frame.data}")
        if frame.data == "[DONE]":
            done = True
            continue
        chunks.append(json.loads(frame.data))
    if not done:
        raise StreamError("the stream did not end with [DONE]")
    return chunks


def read_stream(chunks: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Validate every chunk, run the client's state machine, return the final message."""
    reader = Reader()
    for index, chunk in enumerate(chunks):
        CHUNK.validate_python(chunk)
        try:
            reader.feed(chunk)
        except StreamError as error:
            raise StreamError(f"chunk {index} {chunk}: {error}") from None
    return reader.finish()


class Reader:
    """The client's ``processUIMessageStream``, reduced to what the tests compare."""

    def __init__(self) -> None:
        self.message: dict[str, Any] = {"id": None, "parts": [], "metadata": None}
        self.texts: dict[str, dict[str, Any]] = {}
        self.tool_inputs: dict[str, dict[str, Any]] = {}
        self.steps_open = 0
        self.seen: list[str] = []
        self.end: str | None = None

    def feed(self, chunk: dict[str, Any]) -> None:
        kind: str = chunk["type"]
        if not self.seen and kind != "start":
            raise StreamError("the first chunk must be 'start'")
        if self.end is not None:
            raise StreamError(f"a chunk after {self.end!r}")
        self.seen.append(kind)
        handler = getattr(self, "_" + kind.replace("-", "_"), None)
        if handler is not None:
            handler(chunk)
        elif kind.startswith("data-"):
            self._data(chunk)

    def finish(self) -> dict[str, Any]:
        if self.end is None:
            raise StreamError("no finish, error or abort before [DONE]")
        if self.texts or self.tool_inputs:
            raise StreamError(f"open at the end: {list(self.texts)} {list(self.tool_inputs)}")
        return self.message

    def _start(self, chunk: dict[str, Any]) -> None:
        if self.seen.count("start") > 1:
            raise StreamError("a second 'start'")
        self.message["id"] = chunk.get("messageId")

    def _start_step(self, chunk: dict[str, Any]) -> None:
        if self.steps_open:
            raise StreamError("start-step inside a step")
        self.steps_open = 1
        self.message["parts"].append({"type": "step-start"})

    def _finish_step(self, chunk: dict[str, Any]) -> None:
        if not self.steps_open:
            raise StreamError("finish-step without start-step")
        if self.texts or self.tool_inputs:
            raise StreamError(f"finish-step with parts open: {list(self.texts)}")
        self.steps_open = 0

    def _text_start(self, chunk: dict[str, Any]) -> None:
        if chunk["id"] in self.texts:
            raise StreamError(f"text-start of the open text {chunk['id']!r}")
        part = {"type": "text", "id": chunk["id"], "text": "", "state": "streaming"}
        self.texts[chunk["id"]] = part
        self.message["parts"].append(part)

    def _text_delta(self, chunk: dict[str, Any]) -> None:
        part = self.texts.get(chunk["id"])
        if part is None:
            raise StreamError(f"text-delta without text-start for {chunk['id']!r}")
        part["text"] += chunk["delta"]

    def _text_end(self, chunk: dict[str, Any]) -> None:
        part = self.texts.pop(chunk["id"], None)
        if part is None:
            raise StreamError(f"text-end without text-start for {chunk['id']!r}")
        part["state"] = "done"

    def _tool_input_start(self, chunk: dict[str, Any]) -> None:
        call_id = chunk["toolCallId"]
        if call_id in self.tool_inputs or self._tool(call_id) is not None:
            raise StreamError(f"tool-input-start of a known call {call_id!r}")
        part = {"type": "dynamic-tool", "toolCallId": call_id, "toolName": chunk["toolName"]}
        part.update(state="input-streaming", input=None, text="")
        self.tool_inputs[call_id] = part
        self.message["parts"].append(part)

    def _tool_input_delta(self, chunk: dict[str, Any]) -> None:
        part = self.tool_inputs.get(chunk["toolCallId"])
        if part is None:
            raise StreamError("tool-input-delta for a missing tool call")
        part["text"] += chunk["inputTextDelta"]

    def _tool_input_available(self, chunk: dict[str, Any]) -> None:
        part = self._tool_part(chunk)
        part.update(state="input-available", input=chunk["input"])

    def _tool_input_error(self, chunk: dict[str, Any]) -> None:
        part = self._tool_part(chunk)
        part.update(state="output-error", input=chunk["input"], errorText=chunk["errorText"])

    def _tool_output_available(self, chunk: dict[str, Any]) -> None:
        part = self._known_tool(chunk["toolCallId"])
        part.update(state="output-available", output=chunk["output"])

    def _tool_output_error(self, chunk: dict[str, Any]) -> None:
        part = self._known_tool(chunk["toolCallId"])
        part.update(state="output-error", errorText=chunk["errorText"])

    def _data(self, chunk: dict[str, Any]) -> None:
        if chunk.get("transient"):
            return
        for part in self.message["parts"]:
            if part["type"] == chunk["type"] and "id" in chunk and part.get("id") == chunk["id"]:
                part["data"] = chunk["data"]
                return
        self.message["parts"].append({k: v for k, v in chunk.items() if k != "transient"})

    def _finish(self, chunk: dict[str, Any]) -> None:
        self._end("finish", chunk)
        self.message["metadata"] = chunk.get("messageMetadata")

    def _error(self, chunk: dict[str, Any]) -> None:
        self._end("error", chunk)

    def _abort(self, chunk: dict[str, Any]) -> None:
        self._end("abort", chunk)

    def _end(self, kind: str, chunk: dict[str, Any]) -> None:
        if self.steps_open:
            raise StreamError(f"{kind} inside a step")
        self.end = kind

    def _tool_part(self, chunk: dict[str, Any]) -> dict[str, Any]:
        call_id = chunk["toolCallId"]
        self.tool_inputs.pop(call_id, None)
        part = self._tool(call_id)
        if part is None:
            part = {"type": "dynamic-tool", "toolCallId": call_id, "toolName": chunk["toolName"]}
            self.message["parts"].append(part)
        return part

    def _known_tool(self, call_id: str) -> dict[str, Any]:
        part = self._tool(call_id)
        if part is None:
            raise StreamError(f"No tool invocation found for tool call ID {call_id!r}")
        return part

    def _tool(self, call_id: str) -> dict[str, Any] | None:
        parts: list[dict[str, Any]] = self.message["parts"]
        for part in parts:
            if part["type"] == "dynamic-tool" and part["toolCallId"] == call_id:
                return part
        return None
