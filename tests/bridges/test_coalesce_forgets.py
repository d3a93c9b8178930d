"""The coalescer tracks only sources with an item pending: finished sources leave nothing."""

from __future__ import annotations

from collections import deque
from typing import Any

from rxagent.bridges._coalesce import Coalescer, Joined
from rxagent.events import CustomEvent, MessageEvent
from rxagent.messages import AIMessageChunk, text_chunk

METADATA = {"langgraph_node": "model"}


def progress(task: str, value: int) -> CustomEvent:
    return CustomEvent(data=value, node="tools", task_id=task)


def token(task: str, text: str) -> MessageEvent:
    return MessageEvent(
        data=(text_chunk(text, f"run-{task}"), METADATA), node="model", task_id=task
    )


def drain(coalescer: Coalescer, items: deque[Any]) -> list[Any]:
    out = []
    while items:
        item = items.popleft()
        coalescer.popped()
        out.append(item.event() if type(item) is Joined else item)
    return out


def test_a_thousand_sources_leave_no_state_behind() -> None:
    coalescer, items = Coalescer(), deque[Any]()
    for n in range(1000):
        task = f"task-{n}"
        coalescer.push(items, token(task, "Hello"), True)
        coalescer.push(items, token(task, " there"), True)
        coalescer.push(items, progress(task, 1), True)
        coalescer.push(items, progress(task, 2), True)
        if n % 3 == 0:  # the consumer lags behind, then catches up
            drain(coalescer, items)
    drain(coalescer, items)
    assert coalescer.tails == {}
    assert coalescer.owners == {}
    assert coalescer.coalesced == 2000, "each source's second token and progress folded"


def test_a_source_with_a_pending_item_is_still_folded_into() -> None:
    coalescer, items = Coalescer(), deque[Any]()
    coalescer.push(items, progress("a", 1), True)
    coalescer.push(items, progress("b", 1), True)
    coalescer.push(items, progress("b", 2), True)
    items.popleft()
    coalescer.popped()  # a's only item: a is forgotten, b is not
    assert list(coalescer.tails.values()) == [1]
    coalescer.push(items, progress("b", 3), True)
    coalescer.push(items, progress("a", 2), True)  # a again: appended, tracked anew
    assert [(e.task_id, e.data) for e in drain(coalescer, items)] == [("b", 3), ("a", 2)]
    assert coalescer.tails == {}
    assert coalescer.owners == {}


def test_tokens_of_a_source_after_its_pending_tokens_were_taken_are_not_folded_back() -> None:
    coalescer, items = Coalescer(), deque[Any]()
    coalescer.push(items, token("a", "Hel"), True)
    coalescer.push(items, token("a", "lo"), True)
    first = drain(coalescer, items)
    coalescer.push(items, token("a", "!"), True)
    second = drain(coalescer, items)
    texts = [e.data[0].text for e in first + second]
    assert texts == ["Hello", "!"]
    assert all(type(e.data[0]) is AIMessageChunk for e in first + second)
