"""Message construction, validation, text, and the JSON round trip of every class."""

from __future__ import annotations

import copy
import pickle
import re
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

import rxagent.messages
from rxagent.messages import (
    MESSAGE_ADAPTER,
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChunkAccumulator,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    UsageMetadata,
    text_chunk,
    text_chunks,
)
from rxagent.messages._ai import last_chunk


def _isort_key(name: str) -> tuple[int, str]:
    if re.fullmatch(r"[A-Z0-9_]+", name):
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_a_sorted_tuple_of_existing_names() -> None:
    exported = rxagent.messages.__all__
    assert isinstance(exported, tuple)
    assert list(exported) == sorted(exported, key=_isort_key)  # ruff RUF022's order
    assert all(hasattr(rxagent.messages, name) for name in exported)


def test_positional_content_and_types() -> None:
    assert HumanMessage("hi").type == "human"
    assert SystemMessage("be brief").type == "system"
    assert AIMessage("hello").type == "ai"
    assert AIMessageChunk("hel").type == "AIMessageChunk"
    tool = ToolMessage("Sunny", tool_call_id="call_1")
    assert (tool.type, tool.status, tool.artifact) == ("tool", "success", None)
    assert HumanMessage("hi") == HumanMessage(content="hi")


def test_chunk_is_an_ai_message_like_in_langchain() -> None:
    assert isinstance(AIMessageChunk("x"), AIMessage)


def test_unknown_field_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="contnt"):
        HumanMessage(contnt="hi")


def test_missing_content_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="content"):
        AIMessage()


def test_tool_message_needs_tool_call_id() -> None:
    with pytest.raises(ValidationError, match="tool_call_id"):
        ToolMessage("x")


def test_invalid_status_is_rejected() -> None:
    with pytest.raises(ValidationError, match="status"):
        ToolMessage("x", tool_call_id="c", status="maybe")


def test_messages_are_mutable() -> None:
    message = HumanMessage("hi")
    message.id = "m1"
    assert message.id == "m1"


def test_text_of_list_content() -> None:
    message = AIMessage(["a", {"type": "text", "text": "b"}, {"type": "image", "url": "u"}, "c"])
    assert message.text == "abc"


def test_tool_calls_get_type_and_default_id() -> None:
    message = AIMessage("", tool_calls=[{"name": "f", "args": {"x": 1}}])
    assert message.tool_calls == [{"name": "f", "args": {"x": 1}, "id": None, "type": "tool_call"}]


def test_chunk_computes_tool_calls_from_chunks() -> None:
    chunk = AIMessageChunk(
        "", tool_call_chunks=[{"name": "f", "args": '{"city": "Pa', "id": "c1", "index": 0}]
    )
    assert chunk.tool_calls == [
        {"name": "f", "args": {"city": "Pa"}, "id": "c1", "type": "tool_call"}
    ]
    assert chunk.tool_call_chunks[0]["type"] == "tool_call_chunk"


def test_chunk_with_unparsable_args_has_an_invalid_tool_call() -> None:
    chunk = AIMessageChunk(
        "", tool_call_chunks=[{"name": None, "args": '"Paris"}', "id": None, "index": 0}]
    )
    assert chunk.tool_calls == []
    assert chunk.invalid_tool_calls == [
        {"name": None, "args": '"Paris"}', "id": None, "error": None, "type": "invalid_tool_call"}
    ]


def test_chunk_built_from_tool_calls_gets_tool_call_chunks() -> None:
    chunk = AIMessageChunk("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    assert chunk.tool_call_chunks == [
        {"name": "f", "args": '{"a": 1}', "id": "c1", "index": None, "type": "tool_call_chunk"}
    ]


def test_remove_message() -> None:
    assert RemoveMessage(id="m1").model_dump()["type"] == "remove"
    with pytest.raises(ValidationError, match="id"):
        RemoveMessage()


def test_text_chunks_are_the_text_chunks_of_each_token() -> None:
    tokens = ["Hel", "lo", " ", "world"]
    made = list(text_chunks(iter(tokens), "run-1"))
    assert made == [text_chunk(token, "run-1") for token in tokens]
    assert [list(chunk.__dict__) for chunk in made] == [
        list(AIMessageChunk(token, id="run-1").__dict__) for token in tokens
    ]
    assert len({id(chunk.__dict__) for chunk in made}) == len(tokens)  # each its own dict
    assert list(text_chunks([], None)) == []
    assert [chunk.id for chunk in text_chunks(["a"], None)] == [None]


def test_text_chunk_equals_the_validated_chunk_and_shares_read_only_empty_lists() -> None:
    first, second = text_chunk("Hel", "run-1"), text_chunk("lo", "run-1")
    validated = AIMessageChunk("Hel", id="run-1")
    assert first == validated
    assert first.model_dump() == validated.model_dump()
    assert repr(first) == repr(validated)
    assert list(first.__dict__) == list(validated.__dict__)  # field order, as pydantic's
    assert first.__dict__ is not second.__dict__
    assert (second.content, second.id) == ("lo", "run-1")
    assert text_chunk("x", None).id is None
    piece = {"name": None, "args": None, "id": None, "index": None}
    for field in ("tool_calls", "invalid_tool_calls", "tool_call_chunks"):
        shared = getattr(first, field)
        assert shared is getattr(second, field)
        assert isinstance(shared, list)
        with pytest.raises(TypeError, match="shared, read-only list; build a new chunk"):
            shared.append(piece)
        with pytest.raises(TypeError, match="read-only"):
            shared += [piece]
    assert second.tool_call_chunks == []
    for field in ("additional_kwargs", "response_metadata"):
        shared_dict = getattr(first, field)
        assert shared_dict is getattr(second, field)
        assert isinstance(shared_dict, dict)
        assert shared_dict == {}
        with pytest.raises(TypeError, match="shared, read-only dict; build a new chunk"):
            shared_dict["model_name"] = "m"
        changes: list[Callable[[dict[str, Any]], object]] = [
            lambda d: d.update({"k": 1}),
            lambda d: d.setdefault("k", 1),
            lambda d: d.pop("k"),
            lambda d: d.popitem(),
            lambda d: d.clear(),
        ]
        for change in changes:
            with pytest.raises(TypeError, match="read-only"):
                change(shared_dict)
        with pytest.raises(TypeError, match="read-only"):
            shared_dict |= {"k": 1}
        with pytest.raises(TypeError, match="read-only"):
            del shared_dict["k"]
        assert type(copy.copy(shared_dict)) is dict
        assert type(pickle.loads(pickle.dumps(first)).response_metadata) is dict
    assert first.model_dump()["response_metadata"] == {}
    # copies own plain, mutable lists and dicts
    deep = first.model_copy(deep=True)
    deep.tool_call_chunks.append(piece)  # type: ignore[arg-type]
    deep.response_metadata["model_name"] = "m"
    assert type(copy.copy(first.tool_calls)) is list
    assert type(pickle.loads(pickle.dumps(first)).tool_calls) is list
    assert second.tool_call_chunks == []
    # the accumulated message owns its lists
    joined = ChunkAccumulator()
    joined.add(first)
    joined.add(second)
    message = joined.to_message()
    message.tool_calls.append({"name": "f", "args": {}, "id": "c1", "type": "tool_call"})
    assert first.tool_calls == []


def test_last_chunk_is_the_validated_last_chunk_and_owns_its_values() -> None:
    usage: UsageMetadata = {
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
        "input_token_details": {"cache_read": 3},
    }
    metadata: dict[str, Any] = {"finish_reason": "stop", "model_name": "m", "extra": {"k": 1}}
    kwargs: dict[str, Any] = {"refusal": None}
    made = last_chunk("run-1", usage, metadata, kwargs)
    validated = AIMessageChunk(
        "",
        id="run-1",
        chunk_position="last",
        usage_metadata=usage,
        response_metadata=metadata,
        additional_kwargs=kwargs,
    )
    assert made == validated
    assert repr(made) == repr(validated)
    assert list(made.__dict__) == list(validated.__dict__)
    assert made.model_dump_json() == validated.model_dump_json()
    assert made.model_fields_set == validated.model_fields_set
    # its own copies, as validation makes them: changing the chunk leaves the inputs alone
    assert made.usage_metadata is not None
    made.usage_metadata["input_token_details"]["cache_read"] = 0
    made.response_metadata["finish_reason"] = "length"
    made.additional_kwargs["refusal"] = "no"
    made.tool_calls.append({"name": "f", "args": {}, "id": "c", "type": "tool_call"})
    assert usage["input_token_details"] == {"cache_read": 3}
    assert (metadata["finish_reason"], kwargs) == ("stop", {"refusal": None})
    assert last_chunk(None, usage, {}, {}).tool_calls == []


def test_to_message_drops_chunk_fields() -> None:
    chunk = AIMessageChunk(
        "hi",
        id="run-1",
        chunk_position="last",
        tool_call_chunks=[{"name": "f", "args": '{"a": 1}', "id": "c1", "index": 0}],
    )
    message = chunk.to_message()
    assert type(message) is AIMessage
    assert message.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert "tool_call_chunks" not in message.model_dump()
    message.tool_calls.clear()
    assert chunk.tool_calls


EVERY_CLASS: list[BaseMessage] = [
    HumanMessage("hi", id="h1", name="ada", additional_kwargs={"k": [1]}),
    SystemMessage(["be", {"type": "text", "text": " brief"}]),
    AIMessage(
        "Let me check.",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        invalid_tool_calls=[{"name": "g", "args": "[", "id": "c2", "error": "bad"}],
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
        response_metadata={"finish_reason": "tool_calls"},
    ),
    ToolMessage("Sunny", tool_call_id="call_1", status="error", artifact={"raw": [1, 2]}),
    AIMessageChunk(
        " me",
        id="run-1",
        chunk_position="last",
        tool_call_chunks=[{"name": "f", "args": '{"a": ', "id": "c1", "index": 0}],
    ),
    RemoveMessage(id="h1"),
]


@pytest.mark.parametrize("message", EVERY_CLASS, ids=lambda m: type(m).__name__)
def test_json_round_trip(message: BaseMessage) -> None:
    dumped: dict[str, Any] = message.model_dump(mode="json")
    restored = MESSAGE_ADAPTER.validate_python(dumped)
    assert type(restored) is type(message)
    assert restored == message
    assert MESSAGE_ADAPTER.validate_json(message.model_dump_json()) == message
