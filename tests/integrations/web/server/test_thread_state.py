"""A thread's state and history (``_routes_threads``) through the official Python client.

rxagent keeps one state per thread (its last run's values), so the history is that state or
nothing; ``test_js_sdk.py`` reads the same routes with the JS client, as ``useStream`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.schema import Checkpoint

from tests.integrations.web.server.support import QUESTION


@pytest.fixture
def client(url: str) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=url, api_key=None) as client:
        yield client


def run_on_new_thread(client: SyncLangGraphClient) -> tuple[str, Any]:
    """A thread after one run of the demo agent, and that run's last ``values``."""
    thread_id = client.threads.create()["thread_id"]
    parts = list(client.runs.stream(thread_id, "agent", input=QUESTION, stream_mode="values"))
    return thread_id, parts[-1].data


def test_a_new_thread_has_no_state_and_no_history(client: SyncLangGraphClient) -> None:
    thread_id = client.threads.create()["thread_id"]
    state: Any = client.threads.get_state(thread_id)
    assert state == {
        "values": {},
        "next": [],
        "tasks": [],
        "metadata": {},
        "created_at": None,
        "checkpoint": None,
        "parent_checkpoint": None,
        "interrupts": [],
    }
    assert client.threads.get_history(thread_id) == []


def test_the_state_is_the_last_runs_values_under_a_stable_checkpoint(
    client: SyncLangGraphClient,
) -> None:
    thread_id, values = run_on_new_thread(client)
    state: Any = client.threads.get_state(thread_id)
    assert state["values"] == values
    assert [m["type"] for m in values["messages"]] == ["human", "ai", "tool", "ai"]
    checkpoint = state["checkpoint"]
    assert checkpoint["thread_id"] == thread_id
    assert checkpoint["checkpoint_ns"] == ""
    assert isinstance(checkpoint["checkpoint_id"], str)
    assert client.threads.get_state(thread_id) == state  # the same state, the same id
    assert client.threads.get_history(thread_id) == [state]
    assert client.threads.get_history(thread_id, limit=1) == [state]
    other_id, _ = run_on_new_thread(client)
    other: Any = client.threads.get_state(other_id)
    assert other["checkpoint"]["checkpoint_id"] != checkpoint["checkpoint_id"]


def test_the_history_filters_against_its_one_state(client: SyncLangGraphClient) -> None:
    thread_id, _ = run_on_new_thread(client)
    state: Any = client.threads.get_state(thread_id)
    checkpoint = state["checkpoint"]
    history = client.threads.get_history
    assert history(thread_id, limit=0) == []
    assert history(thread_id, before=checkpoint) == []  # nothing is older
    assert history(thread_id, metadata={"source": "loop"}) == []
    assert history(thread_id, checkpoint=checkpoint) == [state]
    other = Checkpoint(
        thread_id=thread_id,
        checkpoint_ns="",
        checkpoint_id="1f0d5b6e-0000-6000-8000-000000000000",
        checkpoint_map=None,
    )
    assert history(thread_id, checkpoint=other) == []
    subgraph = Checkpoint(
        thread_id=thread_id, checkpoint_ns="tools:1", checkpoint_id=None, checkpoint_map=None
    )
    assert history(thread_id, checkpoint=subgraph) == []  # no subgraph states are kept


def test_select_keeps_the_fields_asked_for(client: SyncLangGraphClient) -> None:
    thread_id, values = run_on_new_thread(client)
    picked: Any = client.threads.get_state(thread_id, select=["values.messages", "next"])
    assert picked == {"values": {"messages": values["messages"]}, "next": []}
    selected: Any = client.threads.get_history(thread_id, select=["checkpoint"])
    assert selected == [{"checkpoint": client.threads.get_state(thread_id)["checkpoint"]}]
    with pytest.raises(httpx.HTTPStatusError) as error:
        client.threads.get_state(thread_id, select=["config"])
    assert error.value.response.status_code == 422
    assert "cannot select 'config'" in error.value.response.text


def test_an_unknown_thread_is_a_404(client: SyncLangGraphClient) -> None:
    for read in (client.threads.get_state, client.threads.get_history):
        with pytest.raises(httpx.HTTPStatusError) as error:
            read("no-such-thread")
        assert error.value.response.status_code == 404
