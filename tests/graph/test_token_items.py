"""A task makes its tokens' items in line for the common shapes: the items the shape makes.

``Task.token`` builds ``(mode, data)`` or ``data`` itself when the run's shape is one of
``rxagent._shapes``'s and the task is at the root; every other case calls the shape (or
builds an event). Each case here pushes one token through a real task and compares what
reached the observer with what the face's shape makes of the same ``(mode, ns, data)``.
"""

from __future__ import annotations

from typing import Any

import pytest

from rxagent._faces import Face
from rxagent._flow import Flow
from rxagent._types import SKIP, Namespace, Shape
from rxagent.events import MessageEvent
from rxagent.graph._run import Run
from rxagent.graph._task import Task
from rxagent.messages import text_chunk

FACES = [
    ("messages", False, "v1"),
    (["messages", "updates"], False, "v1"),
    ("messages", True, "v1"),
    (["messages", "updates"], True, "v1"),
    (["messages", "custom"], False, "v2"),
]
NAMESPACES: list[Namespace] = [(), ("agent:1",)]


class Pushed:
    """An observer keeping what it was given."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def on_next(self, item: Any) -> None:
        self.items.append(item)

    def on_error(self, error: Exception) -> None:
        raise error

    def on_completed(self) -> None:
        pass


def _task(shape: Shape | None, ns: Namespace, modes: frozenset[Any]) -> tuple[Task, Pushed]:
    pushed = Pushed()
    run = Run(pushed, modes, Flow(), {"run_id": "r-1"}, shape=shape)
    task = Task(
        run,
        ns=ns,
        node="model",
        step=1,
        triggers=("branch:to:model",),
        path=("__pregel_pull", "model"),
        input={},
        parent_ns="",
        node_metadata={},
        node_tags=(),
    )
    return task, pushed


@pytest.mark.parametrize("ns", NAMESPACES, ids=["root", "subgraph"])
@pytest.mark.parametrize(("stream_mode", "subgraphs", "version"), FACES)
async def test_a_token_item_is_what_the_face_shape_makes(
    stream_mode: Any, subgraphs: bool, version: str, ns: Namespace
) -> None:
    face = Face(stream_mode, subgraphs=subgraphs, version=version)
    task, pushed = _task(face.direct(), ns, face.modes)
    chunk = text_chunk("Hi", "run-1")
    task.token(chunk)
    expected = face.direct()("messages", ns, (chunk, task._token_md))
    assert pushed.items == ([] if expected is SKIP else [expected])


async def test_without_messages_mode_a_task_pushes_no_token() -> None:
    face = Face(["updates", "custom"], subgraphs=False, version="v1")
    task, pushed = _task(face.direct(), (), face.modes)
    task.token(text_chunk("Hi", "run-1"))
    assert pushed.items == []


async def test_without_a_shape_a_token_is_an_event() -> None:
    task, pushed = _task(None, (), frozenset({"messages"}))
    chunk = text_chunk("Hi", "run-1")
    task.token(chunk, {"ls_provider": "x"})
    (event,) = pushed.items
    assert isinstance(event, MessageEvent)
    assert event.data == (chunk, {"ls_provider": "x"})
    assert (event.seq, event.node, event.ns) == (1, "model", ())
