"""coerce_message / convert_to_messages: every role, tuples, strings, and the errors."""

from __future__ import annotations

import contextlib
import pickle
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rxagent.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    MessageLike,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    coerce_message,
    convert_to_messages,
)


@pytest.mark.parametrize(
    ("role", "cls"),
    [
        ("user", HumanMessage),
        ("human", HumanMessage),
        ("assistant", AIMessage),
        ("ai", AIMessage),
        ("system", SystemMessage),
        ("developer", SystemMessage),
    ],
)
def test_dict_roles(role: str, cls: type[BaseMessage]) -> None:
    for key in ("role", "type"):
        message = coerce_message({key: role, "content": "hi", "id": "m1"})
        assert type(message) is cls
        assert (message.content, message.id) == ("hi", "m1")


@pytest.mark.parametrize(
    ("role", "cls"),
    [("user", HumanMessage), ("assistant", AIMessage), ("system", SystemMessage)],
)
def test_tuple_roles(role: str, cls: type[BaseMessage]) -> None:
    message = coerce_message((role, "hi"))
    assert type(message) is cls
    assert message.content == "hi"


def test_tool_dict() -> None:
    message = coerce_message({"role": "tool", "content": "Sunny", "tool_call_id": "call_1"})
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "call_1"


def test_tool_dict_without_tool_call_id_names_the_field() -> None:
    with pytest.raises(ValidationError, match="tool_call_id"):
        coerce_message({"role": "tool", "content": "Sunny"})


def test_dict_without_content_names_the_field() -> None:
    with pytest.raises(ValidationError, match="content"):
        coerce_message({"role": "user"})


def test_dict_with_a_wrong_field_names_it() -> None:
    with pytest.raises(ValidationError, match="tool_calls"):
        coerce_message({"role": "user", "content": "x", "tool_calls": []})


def test_unknown_role_names_the_valid_roles() -> None:
    with pytest.raises(ValueError, match=r"'role' must be one of .*; got 'bot'") as caught:
        coerce_message({"role": "bot", "content": "x"})
    for role in ("user", "assistant", "system", "tool"):
        assert f" {role}," in str(caught.value)


def test_dict_without_role_is_an_error() -> None:
    with pytest.raises(ValueError, match="'role'"):
        coerce_message({"content": "x"})


def test_assistant_dict_with_tool_calls() -> None:
    message = coerce_message(
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        }
    )
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["args"] == {"city": "Paris"}


def test_assistant_dict_with_openai_tool_calls() -> None:
    message = coerce_message(
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        }
    )
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]


def test_chunk_and_remove_dicts() -> None:
    assert type(coerce_message({"type": "AIMessageChunk", "content": "x"})) is AIMessageChunk
    assert type(coerce_message({"type": "remove", "content": "", "id": "m"})) is RemoveMessage


def test_messages_pass_through_and_strings_are_human() -> None:
    message = AIMessage("x")
    assert coerce_message(message) is message
    assert coerce_message("hi") == HumanMessage("hi")


def test_bad_values() -> None:
    with pytest.raises(ValueError, match="role, content"):
        coerce_message(("user", "a", "b"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        coerce_message(3)  # type: ignore[arg-type]


def test_convert_to_messages_lists_and_single_values() -> None:
    values: list[MessageLike] = [
        "hi",
        ("ai", "hello"),
        {"role": "system", "content": "be brief"},
        HumanMessage("x"),
    ]
    assert [m.type for m in convert_to_messages(values)] == ["human", "ai", "system", "human"]
    assert [m.type for m in convert_to_messages(("assistant", "hi"))] == ["ai"]
    assert [m.type for m in convert_to_messages({"role": "user", "content": "x"})] == ["human"]
    assert convert_to_messages("hi") == [HumanMessage("hi")]


# -- the plain message dict, built without validation -----------------------------------

_PLAIN_ROLES = [("user", HumanMessage), ("human", HumanMessage), ("system", SystemMessage)]


def _validated(value: object) -> BaseMessage:
    """What the general path (message_fields + model_validate) makes of ``value``."""
    from rxagent.messages import _convert

    if isinstance(value, str):
        return HumanMessage(content=value)
    assert isinstance(value, dict)
    return _convert._from_mapping(value, None)


@pytest.mark.parametrize(("role", "cls"), _PLAIN_ROLES)
@pytest.mark.parametrize("key", ["role", "type"])
@given(text=st.text())
def test_a_plain_text_dict_is_the_validated_message(
    role: str, cls: type[BaseMessage], key: str, text: str
) -> None:
    from rxagent.messages import _convert

    value = {key: role, "content": text}
    with patch.object(_convert, "_from_mapping", side_effect=AssertionError("validated")):
        made = coerce_message(value)
        (listed,) = convert_to_messages([dict(value)])
    expected = _validated(value)
    for message in (made, listed):
        assert type(message) is cls
        assert message == expected
        assert repr(message) == repr(expected)
        assert message.model_dump_json() == expected.model_dump_json()
        assert message.model_fields_set == expected.model_fields_set == {"content"}
        assert message.__pydantic_extra__ is None
        assert message.__pydantic_private__ is None
        assert pickle.loads(pickle.dumps(message)) == expected


@given(text=st.text())
def test_a_string_is_the_validated_human_message(text: str) -> None:
    made = coerce_message(text)
    expected = _validated(text)
    assert made == expected
    assert made.model_fields_set == expected.model_fields_set


def test_plain_messages_do_not_share_what_assignment_changes() -> None:
    first, second = convert_to_messages([{"role": "user", "content": "a"}, "b"])
    first.id = "m1"
    first.additional_kwargs["x"] = 1
    assert first.model_fields_set == {"content", "id"}
    assert second.model_fields_set == {"content"}
    assert (second.id, second.additional_kwargs, second.response_metadata) == (None, {}, {})
    third = coerce_message({"role": "user", "content": "c"})
    assert (third.id, third.additional_kwargs, third.model_fields_set) == (None, {}, {"content"})


@pytest.mark.parametrize(
    "value",
    [
        {"role": "developer", "content": "be brief"},  # adds __openai_role__
        {"role": "user", "content": "hi", "name": "ann"},
        {"role": "user", "content": None},
        {"role": "user", "content": ["a", {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": "hi"},
        {"role": "tool", "content": "hi"},
        {"role": ["user"], "content": "hi"},  # not a role: the error names the valid ones
    ],
)
def test_other_dicts_take_the_validated_path(value: dict[str, object]) -> None:
    from rxagent.messages import _convert

    general = patch.object(_convert, "_from_mapping", wraps=_convert._from_mapping)
    # the tool dict has no tool_call_id: the general path says so
    with general as spy, contextlib.suppress(ValidationError, ValueError):
        coerce_message(value)
    spy.assert_called_once()


def test_a_role_that_is_not_a_string_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"'role' must be one of user, human, .*; got \['user'\]"):
        coerce_message({"role": ["user"], "content": "hi"})
