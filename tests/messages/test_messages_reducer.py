"""add_messages: id assignment, replace in place, append, remove, remove all."""

from __future__ import annotations

import uuid

import pytest

from rxagent.messages import (
    REMOVE_ALL_MESSAGES,
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
    add_messages,
)


def test_ids_are_assigned_as_uuid4_strings() -> None:
    merged = add_messages([HumanMessage("hi")], [AIMessage("hello")])
    assert [m.content for m in merged] == ["hi", "hello"]
    ids = [m.id for m in merged]
    assert all(i is not None and uuid.UUID(i).version == 4 for i in ids)
    assert len(set(ids)) == 2


def test_existing_ids_are_kept() -> None:
    merged = add_messages(HumanMessage("hi", id="h"), AIMessage("hello", id="a"))
    assert [m.id for m in merged] == ["h", "a"]


def test_same_id_replaces_in_place() -> None:
    left = [HumanMessage("hi", id="1"), AIMessage("draft", id="2"), HumanMessage("ok", id="3")]
    merged = add_messages(left, [AIMessage("final", id="2"), AIMessage("new", id="4")])
    assert [(m.id, m.content) for m in merged] == [
        ("1", "hi"),
        ("2", "final"),
        ("3", "ok"),
        ("4", "new"),
    ]
    assert [m.content for m in left] == ["hi", "draft", "ok"]


def test_dicts_and_strings_are_coerced() -> None:
    merged = add_messages(
        [{"role": "user", "content": "hi"}],
        [("assistant", "hello"), {"role": "tool", "content": "r", "tool_call_id": "c"}],
    )
    assert [type(m) for m in merged] == [HumanMessage, AIMessage, ToolMessage]


def test_chunks_become_messages() -> None:
    merged = add_messages([], AIMessageChunk("hi", id="run-1", chunk_position="last"))
    assert type(merged[0]) is AIMessage
    assert merged[0].id == "run-1"


def test_remove_message() -> None:
    left = [HumanMessage("a", id="1"), AIMessage("b", id="2")]
    assert [m.id for m in add_messages(left, RemoveMessage(id="1"))] == ["2"]


def test_remove_then_re_add_keeps_the_message() -> None:
    left = [HumanMessage("a", id="1")]
    merged = add_messages(left, [RemoveMessage(id="1"), HumanMessage("a2", id="1")])
    assert [(m.id, m.content) for m in merged] == [("1", "a2")]


def test_remove_unknown_id_is_an_error() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        add_messages([HumanMessage("a", id="1")], RemoveMessage(id="nope"))


def test_remove_all() -> None:
    left = [HumanMessage("a", id="1"), AIMessage("b", id="2")]
    merged = add_messages(left, [RemoveMessage(id=REMOVE_ALL_MESSAGES), HumanMessage("c", id="3")])
    assert [m.id for m in merged] == ["3"]
