"""The request/cancel contract of :mod:`rxagent.integrations.redis._requests`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rxagent.integrations.redis._requests import (
    GROUP,
    MalformedRequest,
    RunRequest,
    cancel_key,
    cancel_run,
    decode_request,
    encode_request,
    ensure_group,
    requests_key,
    submit,
)
from tests.integrations.redis._helpers import client, new_run_id

FULL = RunRequest(
    run_id="r-1",
    thread_id="t-1",
    assistant_id="agent",
    input={"messages": [{"role": "user", "content": "hi"}], "list": [], "obj": {}},
    config={"configurable": {"k": 1}},
    context={"user": "u"},
    stream_modes=("messages", "updates", "custom"),
    subgraphs=True,
    buffer_ms=50,
    throttle_ms=100,
    retries=2,
    metadata={"origin": "test"},
)


@pytest.mark.parametrize("request_", [FULL, RunRequest("r-2", None, "a", None)])
def test_encode_decode_round_trip(request_: RunRequest) -> None:
    fields = encode_request(request_)
    assert set(fields) == {"version", "request"}
    assert fields["version"] == "1"
    as_bytes = {k.encode(): v.encode() for k, v in fields.items()}
    assert decode_request(as_bytes, "1-0") == request_
    assert decode_request(fields) == request_


def _body(**changes: Any) -> dict[str, str]:
    body = json.loads(encode_request(FULL)["request"])
    body.update(changes)
    return {"version": "1", "request": json.dumps(body)}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"request": "{}"}, "version None, expected '1'"),
        ({"version": "2", "request": "{}"}, "version '2'"),
        ({"version": "1"}, "no 'request' field"),
        ({"version": "1", "request": "{not json"}, "'request' is not JSON"),
        ({"version": "1", "request": "[1]"}, "not a JSON object"),
        (_body(run_id=""), "'run_id' must be a non-empty string"),
        (_body(assistant_id=3), "'assistant_id' must be"),
        (_body(stream_modes=["nope"]), "unknown stream modes ['nope']"),
        (_body(stream_modes=[]), "'stream_modes' must be a non-empty list"),
        (_body(retries=-1), "'retries' must be >= 0"),
        (_body(retries=True), "'retries' must be a int"),
        (_body(buffer_ms=0), "'buffer_ms' must be > 0"),
        (_body(config=[]), "'config' must be a dict"),
        (_body(thread_id=5), "'thread_id' must be a string or null"),
        (_body(extra=1), "unknown fields ['extra']"),
    ],
)
def test_malformed_entries_are_named_with_their_problem(
    fields: dict[str, str], problem: str
) -> None:
    with pytest.raises(MalformedRequest) as caught:
        decode_request(fields, "5-1")
    assert caught.value.entry_id == "5-1"
    assert problem in str(caught.value)
    assert str(caught.value).startswith("malformed run request 5-1: ")


def test_a_malformed_request_with_a_valid_run_id_names_the_run() -> None:
    with pytest.raises(MalformedRequest) as caught:
        decode_request(_body(retries="x"), "5-1")
    assert caught.value.run_id == "r-1"
    with pytest.raises(MalformedRequest) as caught:
        decode_request(_body(run_id="a b"), "5-1")
    assert caught.value.run_id is None


async def test_submit_appends_one_entry_the_group_reads(redis_url: str) -> None:
    prefix = f"p{new_run_id()}"
    async with client(redis_url) as redis:
        assert await ensure_group(redis, prefix) is True
        assert await ensure_group(redis, prefix) is False  # BUSYGROUP is fine
        entry_id = await submit(redis_url, FULL, prefix=prefix)
        reply: Any = await redis.xreadgroup(GROUP, "c", {requests_key(prefix): ">"}, count=5)
    [[_, [(got_id, fields)]]] = reply
    assert got_id.decode() == entry_id
    assert decode_request(fields, entry_id) == FULL


async def test_cancel_run_sets_the_key_with_a_ttl_and_publishes(redis_url: str) -> None:
    prefix = f"p{new_run_id()}"
    async with client(redis_url) as redis, redis.pubsub() as pubsub:
        await pubsub.subscribe(f"{prefix}:cancel")
        assert await cancel_run(redis, "r-9", prefix=prefix, ttl=30) == 1
        message = None
        while message is None:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        assert message["data"] == b"r-9"
        assert 0 < await redis.pttl(cancel_key("r-9", prefix)) <= 30_000
