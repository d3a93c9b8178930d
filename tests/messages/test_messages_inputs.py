"""Real message inputs: OpenAI history, tuples, LangChain dicts and objects, side by side.

Where rxagent claims LangChain's behaviour, the same input goes through langchain-core's
``convert_to_messages`` and the results are compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    MessageLike,
    SystemMessage,
    ToolMessage,
    coerce_message,
    convert_to_messages,
)

LangChainConvert = Callable[[list[Any]], list[Any]]

OPENAI_HISTORY: list[Any] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Rome", "n": [1]}'},
            },
        ],
        "refusal": None,
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
    {"role": "tool", "tool_call_id": "call_2", "content": "Rainy", "name": "get_weather"},
    {"role": "assistant", "content": "Sunny in Paris, rainy in Rome."},
]

OTHER_INPUTS: list[Any] = [
    "plain text",
    ("user", "a tuple"),
    ("assistant", "a reply"),
    ["system", "a [role, content] list"],
    ("developer", "a developer tuple"),
    {"type": "human", "content": "typed", "id": "h1", "name": "ada"},
    {"type": "ai", "content": "typed reply", "name": None, "id": None},
    {"type": "system", "content": ["a", {"type": "text", "text": "b"}]},
    {"type": "tool", "content": "out", "tool_call_id": "c9", "status": "error", "artifact": [1]},
    {"role": "developer", "content": "be terse"},
    {"role": "user", "content": "extras", "lang": "fr", "seen": None, "n": 2},
    {"role": "user", "content": "typed too", "type": "human"},
    {"role": "user", "content": "nested", "k": 1, "additional_kwargs": {"k": 2, "j": 3}},
    {"role": "user", "content": "not an example", "example": False},
    {"role": "user", "content": []},
    {"role": "assistant", "content": "meta", "response_metadata": {"model_name": "m"}},
    {"role": "assistant", "content": "", "tool_calls": [{"name": "f", "args": {}, "id": "c3"}]},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c4", "function": {"name": "f", "arguments": {"x": 1}}}],
    },
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "c5",
                "type": "function",
                "function": {"name": "f", "arguments": '{"s": "a\nb"}'},
            }
        ],
    },
    {"role": "assistant", "content": "none", "tool_calls": None},
    {"role": "remove", "content": "", "id": "gone"},
    {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "AIMessage"],
        "kwargs": {"content": "serialized", "id": "s1"},
    },
]


@pytest.fixture
def lc_convert() -> LangChainConvert:
    """langchain-core's ``convert_to_messages`` (the test is skipped without it)."""
    pytest.importorskip("langchain_core")
    from langchain_core.messages import convert_to_messages as convert

    return convert


def _view(message: Any) -> dict[str, Any]:
    """The fields both libraries share, as plain values."""
    view = {
        "type": message.type,
        "content": message.content,
        "name": message.name,
        "id": message.id,
        "additional_kwargs": message.additional_kwargs,
        "response_metadata": message.response_metadata,
    }
    if message.type == "ai":
        view["tool_calls"] = [
            (call["name"], call["args"], call["id"], call.get("type"))
            for call in message.tool_calls
        ]
    if message.type == "tool":
        view["tool"] = (message.tool_call_id, message.status, message.artifact)
    return view


@pytest.mark.parametrize(
    "value",
    OPENAI_HISTORY + OTHER_INPUTS,
    ids=[f"openai-{i}" for i in range(len(OPENAI_HISTORY))]
    + [f"other-{i}" for i in range(len(OTHER_INPUTS))],
)
def test_each_input_converts_as_langchain_converts_it(
    value: Any, lc_convert: LangChainConvert
) -> None:
    [ours] = convert_to_messages([value])
    [theirs] = lc_convert([value])
    assert _view(ours) == _view(theirs)


def test_openai_history_as_a_whole(lc_convert: LangChainConvert) -> None:
    ours = convert_to_messages(OPENAI_HISTORY)
    assert [type(m) for m in ours] == [
        SystemMessage,
        HumanMessage,
        AIMessage,
        ToolMessage,
        ToolMessage,
        AIMessage,
    ]
    assert ours[2].content == ""
    assert ours[2].additional_kwargs == {"refusal": None}
    assert [_view(m) for m in ours] == [_view(m) for m in lc_convert(OPENAI_HISTORY)]


def test_assistant_content_none_is_empty_text() -> None:
    message = coerce_message({"role": "assistant", "content": None})
    assert isinstance(message, AIMessage)
    assert message.content == ""


def test_extra_keys_go_to_additional_kwargs() -> None:
    message = coerce_message({"role": "user", "content": "hi", "lang": "fr", "type": "human"})
    assert message.additional_kwargs == {"lang": "fr", "type": "human"}
    developer = coerce_message({"role": "developer", "content": "x"})
    assert isinstance(developer, SystemMessage)
    assert developer.additional_kwargs == {"__openai_role__": "developer"}


def test_a_model_dump_converts_back_to_an_equal_message() -> None:
    """Unlike langchain-core, which moves ``usage_metadata`` into ``additional_kwargs``."""
    message = AIMessage(
        "hi",
        id="m1",
        tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}],
        invalid_tool_calls=[{"name": "g", "args": "[", "id": "c2", "error": None}],
        usage_metadata={
            "input_tokens": 1,
            "output_tokens": 2,
            "total_tokens": 3,
            "input_token_details": {"cache_read": 1},
        },
        response_metadata={"finish_reason": "stop"},
    )
    assert coerce_message(message.model_dump()) == message
    tool = ToolMessage("r", tool_call_id="c1", status="error", artifact={"raw": 1})
    assert coerce_message(tool.model_dump()) == tool
    chunk = AIMessageChunk(
        "a", tool_call_chunks=[{"name": "f", "args": "{", "id": "c", "index": 0}]
    )
    assert coerce_message(chunk.model_dump()) == chunk


def test_empty_or_missing_openai_arguments_are_no_arguments() -> None:
    """langchain-core raises on ``""``; rxagent reads it (and a missing id) leniently."""
    message = coerce_message(
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f"}}]}
    )
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [{"name": "f", "args": {}, "id": None, "type": "tool_call"}]
    empty = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}
    ]}  # fmt: skip
    assert coerce_message(empty).tool_calls[0]["args"] == {}  # type: ignore[attr-defined]


# --- errors: the position of the message and the field ------------------------------------


def test_unknown_role_names_position_and_valid_roles() -> None:
    values: list[MessageLike] = ["hi", ("ai", "hello"), {"role": "robot", "content": "beep"}]
    with pytest.raises(ValueError, match=r"^messages\[2\]: 'role' must be one of ") as caught:
        convert_to_messages(values)
    text = str(caught.value)
    assert text.endswith("; got 'robot'")
    for role in ("user", "assistant", "system", "tool"):
        assert f" {role}," in text


def test_unknown_type_and_tuple_role_name_their_key() -> None:
    with pytest.raises(ValueError, match=r"^messages\[0\]: 'type' must be one of .*got 'bot'"):
        convert_to_messages([{"type": "bot", "content": "x"}])
    with pytest.raises(ValueError, match=r"^messages\[1\]: 'role' must be .*got 'robot'"):
        convert_to_messages(["hi", ("robot", "x")])


def test_missing_role_names_position_and_keys() -> None:
    with pytest.raises(ValueError, match=r"^messages\[1\]: a message dict needs a 'role'.*'text'"):
        convert_to_messages(["hi", {"text": "x"}])


def test_missing_content_names_position_and_field() -> None:
    with pytest.raises(ValidationError, match=r"messages\[1\] \(HumanMessage\)\ncontent\n"):
        convert_to_messages(["hi", {"role": "user", "text": "x"}])


def test_invalid_field_names_position_and_field() -> None:
    with pytest.raises(ValidationError, match=r"messages\[3\] \(ToolMessage\)\ntool_call_id\n"):
        convert_to_messages([*OPENAI_HISTORY[:3], {"role": "tool", "content": "Sunny"}])
    bad_args = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1, 2]"}}
    ]}  # fmt: skip
    with pytest.raises(ValidationError, match=r"messages\[0\] \(AIMessage\)\ntool_calls.0.args"):
        convert_to_messages([bad_args])


def test_invalid_tool_call_json_names_position_and_call() -> None:
    bad = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"id": "d", "type": "function", "function": {"name": "f", "arguments": "{city: Paris}"}},
    ]}  # fmt: skip
    pattern = r"^messages\[1\]: tool_calls\[1\]: 'function.arguments' must be a JSON object"
    with pytest.raises(ValueError, match=pattern) as caught:
        convert_to_messages(["hi", bad])
    assert "'{city: Paris}'" in str(caught.value)


def test_bad_kinds_name_the_position() -> None:
    with pytest.raises(TypeError, match=r"^messages\[1\]: cannot make a message from int 3"):
        convert_to_messages(["hi", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"^messages\[0\]: a message tuple is \(role, content\)"):
        convert_to_messages([("user", "a", "b")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"messages must be a list of messages.*got NoneType"):
        convert_to_messages(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        {"role": "robot", "content": "x"},
        {"content": "x"},
        {"role": "user"},
        {"role": "tool", "content": "x"},
        ("user", None),
        ("user", "a", "b"),
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{bad"}}
        ]},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1]"}}
        ]},
    ],
)  # fmt: skip
def test_what_langchain_rejects_is_rejected_with_the_position(
    value: Any, lc_convert: LangChainConvert
) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - langchain-core's types vary
        lc_convert(["hi", value])
    with pytest.raises(ValueError, match=r"messages\[1\]"):
        convert_to_messages(["hi", value])


# --- langchain-core message objects --------------------------------------------------------


def test_langchain_core_message_objects_are_converted() -> None:
    pytest.importorskip("langchain_core")
    from langchain_core import messages as lc

    usage: Any = {
        "input_tokens": 5,
        "output_tokens": 3,
        "total_tokens": 8,
        "input_token_details": {"cache_read": 2},
        "output_token_details": {"reasoning": 1},
    }
    given = [
        lc.SystemMessage("Be brief.", id="s"),
        lc.HumanMessage("hi", name="ada", additional_kwargs={"lang": "fr"}),
        lc.AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}],
            usage_metadata=usage,
            response_metadata={"model_name": "gpt"},
        ),
        lc.ToolMessage("out", tool_call_id="c1", status="error", artifact=[1]),
        lc.AIMessageChunk(content="pa", tool_call_chunks=[
            {"name": "g", "args": '{"y"', "id": "c2", "index": 0, "type": "tool_call_chunk"}
        ]),
        lc.HumanMessageChunk(content="chunked"),
    ]  # fmt: skip
    ours = convert_to_messages(given)
    assert [type(m) for m in ours] == [
        SystemMessage,
        HumanMessage,
        AIMessage,
        ToolMessage,
        AIMessageChunk,
        HumanMessage,
    ]
    for mine, theirs in zip(ours[:4], given[:4], strict=True):
        assert _view(mine) == _view(theirs)
    assert isinstance(ours[2], AIMessage)
    assert ours[2].usage_metadata == usage
    assert isinstance(ours[4], AIMessageChunk)
    assert ours[4].tool_call_chunks[0]["args"] == '{"y"'
    assert ours[5].content == "chunked"
    assert convert_to_messages(given[1]) == [ours[1]]  # a single object is not iterated


def test_unsupported_langchain_kind_names_the_valid_ones() -> None:
    pytest.importorskip("langchain_core")
    from langchain_core.messages import FunctionMessage

    with pytest.raises(ValueError, match=r"^messages\[0\]: 'type' must be one of .*'function'"):
        convert_to_messages([FunctionMessage(content="x", name="f")])


def test_messages_are_returned_as_they_are() -> None:
    message: BaseMessage = HumanMessage("x")
    assert convert_to_messages([message])[0] is message
