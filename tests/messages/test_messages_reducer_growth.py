"""add_messages at scale: appending is O(1) per message, and it equals LangGraph's on any
sequence of appends, replacements, removals and in-place edits."""

from __future__ import annotations

import copy
import pickle
import threading
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxagent.messages import (
    REMOVE_ALL_MESSAGES,
    AIMessage,
    HumanMessage,
    RemoveMessage,
    add_messages,
)
from rxagent.messages._reducer import MessageList, collect_ids

lc = pytest.importorskip("langchain_core.messages")
langgraph_message = pytest.importorskip("langgraph.graph.message")


class Watched(HumanMessage):
    """A message that counts how often its fields are read."""

    reads: ClassVar[int] = 0

    def __getattribute__(self, name: str) -> Any:
        if name in ("id", "type", "content"):
            Watched.reads += 1
        return super().__getattribute__(name)


def test_appending_does_not_read_the_messages_already_there() -> None:
    state = add_messages([], [Watched(content="first", id="w")])
    Watched.reads = 0
    for n in range(200):
        state = add_messages(state, [AIMessage(f"reply {n}", id=f"a{n}")])
    assert Watched.reads == 0, "old messages untouched: no coercion, no index rebuild"
    assert len(state) == 201
    assert state[0].content == "first"
    assert state[-1].id == "a199"


def test_collecting_ids_reads_only_the_new_messages() -> None:
    state = add_messages([], [Watched(content="first", id="w")])
    seen: set[str] = set()
    collect_ids(state, seen)
    Watched.reads = 0
    for n in range(50):
        state = add_messages(state, [AIMessage(f"reply {n}", id=f"a{n}")])
        collect_ids(state, seen)
    assert Watched.reads == 0
    assert seen == {"w", *(f"a{n}" for n in range(50))}
    other: set[str] = set()
    collect_ids(state, other)  # another set: every id
    assert other == seen


def test_each_step_is_a_new_list_and_old_states_do_not_change() -> None:
    first = add_messages([], [HumanMessage("a", id="1")])
    second = add_messages(first, [AIMessage("b", id="2")])
    third = add_messages(second, [AIMessage("b2", id="2"), AIMessage("c", id="3")])
    assert [m.content for m in first] == ["a"]
    assert [m.content for m in second] == ["a", "b"]
    assert [m.content for m in third] == ["a", "b2", "c"]
    branch = add_messages(second, [AIMessage("x", id="3")])  # not the tip: a fresh index
    assert [m.content for m in branch] == ["a", "b", "x"]
    assert [m.content for m in add_messages(third, [AIMessage("c2", id="3")])] == [
        "a",
        "b2",
        "c2",
    ]


def test_an_edited_state_is_merged_in_full() -> None:
    state: list[Any] = add_messages([], [HumanMessage("a", id="1")])
    state.append({"role": "user", "content": "typed"})
    state[0] = HumanMessage("a2", id="1")
    merged = add_messages(state, [AIMessage("b", id="1")])
    assert [(m.type, m.content) for m in merged] == [("ai", "b"), ("human", "typed")]


def test_a_failed_merge_leaves_the_state_as_it_was() -> None:
    state = add_messages([], [HumanMessage("a", id="1")])
    with pytest.raises(ValueError, match="nope"):
        add_messages(state, [AIMessage("b", id="2"), RemoveMessage(id="nope")])
    assert [m.content for m in add_messages(state, [AIMessage("c", id="2")])] == ["a", "c"]
    assert [m.content for m in add_messages(state, [AIMessage("d", id="1")])] == ["d"]


def test_threads_merging_into_one_state_each_get_their_own_result() -> None:
    base = add_messages([], [HumanMessage(str(n), id=str(n)) for n in range(50)])
    results: dict[int, list[list[str]]] = {}

    def work(worker: int) -> None:
        got = results.setdefault(worker, [])
        for n in range(300):
            state = add_messages(base, [AIMessage("x", id=f"w{worker}.{n}")])
            state = add_messages(state, [AIMessage("y", id=f"w{worker}.{n}"), AIMessage("z")])
            got.append([m.text for m in state[50:]])

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(got == [["y", "z"]] * 300 for got in results.values())
    assert len(base) == 50


def test_copies_and_pickles_are_plain_lists_of_the_same_messages() -> None:
    state = add_messages([], [HumanMessage("a", id="1"), AIMessage("b", id="2")])
    for other in (copy.copy(state), copy.deepcopy(state), pickle.loads(pickle.dumps(state))):
        assert other == state
        assert [m.content for m in add_messages(other, [AIMessage("c", id="2")])] == ["a", "c"]


# -- the same as LangGraph's, on random histories -------------------------------------------

Op = tuple[str, int]
ops = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(["append", "anonymous", "replace", "remove", "all"]), st.integers(0, 30)
        ),
        max_size=5,
    ),
    max_size=12,
)


def _step(ids: list[Any], step: list[Op], n: int) -> list[tuple[str, str | None, str]]:
    """One write as (kind, id, content); replacements and removals pick an id by position."""
    out: list[tuple[str, str | None, str]] = []
    for index, (kind, pick) in enumerate(step):
        content = f"m{n}.{index}"
        if kind == "append":
            out.append(("ai", f"id{n}.{index}", content))
        elif kind == "anonymous":
            out.append(("human", None, content))
        elif kind == "all":
            out.append(("remove", REMOVE_ALL_MESSAGES, content))
        elif ids:  # by position: an anonymous message has a uuid of its own on each side
            out.append(("remove" if kind == "remove" else "ai", ids[pick % len(ids)], content))
    return out


def _ours(kind: str, id: str | None, content: str) -> Any:
    if kind == "remove":
        return RemoveMessage(id=id or "")
    return (AIMessage if kind == "ai" else HumanMessage)(content, id=id)


def _theirs(kind: str, id: str | None, content: str) -> Any:
    if kind == "remove":
        return lc.RemoveMessage(id=id or "")
    return (lc.AIMessage if kind == "ai" else lc.HumanMessage)(content=content, id=id)


def _seen(messages: list[Any]) -> list[tuple[str, str]]:
    return [(m.type, m.content) for m in messages]


@given(ops, st.integers(0, 11))
def test_equals_langgraphs_add_messages(steps: list[list[Op]], branch_at: int) -> None:
    ours: list[Any] = []
    theirs: list[Any] = []
    kept: tuple[list[Any], list[Any]] | None = None
    seen: set[str] = set()
    every: set[str] = set()
    for n, step in enumerate(steps):
        write = _step([m.id for m in theirs], step, n)
        mine = _step([m.id for m in ours], step, n)
        try:
            expected = langgraph_message.add_messages(theirs, [_theirs(*w) for w in write])
        except ValueError:
            with pytest.raises(ValueError, match=r"doesn.t exist"):
                add_messages(ours, [_ours(*w) for w in mine])
            continue
        ours = add_messages(ours, [_ours(*w) for w in mine])
        theirs = expected
        collect_ids(ours, seen)
        every |= {m.id for m in ours if m.id is not None}
        assert seen == every
        assert _seen(ours) == _seen(theirs)
        explicit = [(m.id if str(m.id).startswith("id") else None) for m in theirs]
        assert [(m.id if str(m.id).startswith("id") else None) for m in ours] == explicit
        if n == branch_at:
            kept = (ours, theirs)
    if kept is not None and kept[0]:  # a write to an older state (not the last one) agrees
        branched = add_messages(
            kept[0], [AIMessage("late", id="late"), AIMessage("x", id=kept[0][0].id)]
        )
        write = [
            lc.AIMessage(content="late", id="late"),
            lc.AIMessage(content="x", id=kept[1][0].id),
        ]
        assert _seen(branched) == _seen(langgraph_message.add_messages(kept[1], write))


def test_results_are_message_lists() -> None:
    assert type(add_messages([], [HumanMessage("a")])) is MessageList
