"""``uuid4_str``: the same kind of value as ``str(uuid.uuid4())``."""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import uuid
from typing import Any

import pytest

from rxagent import _uuid
from rxagent._uuid import uuid4_str

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_each_id_is_a_canonical_version_4_rfc_4122_uuid() -> None:
    for _ in range(2000):
        value = uuid4_str()
        parsed = uuid.UUID(value)
        assert CANONICAL.match(value), value
        assert str(parsed) == value
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_ids_are_distinct_and_every_random_bit_varies() -> None:
    values = [uuid.UUID(uuid4_str()).int for _ in range(4000)]
    assert len(set(values)) == len(values)
    fixed = (0xF000 << 64) | (0xC000 << 48)  # the version and variant bits
    varying = 0
    for value in values:
        varying |= value ^ values[0]
    assert varying == ((1 << 128) - 1) & ~fixed


def test_u1_each_id_is_sixteen_bytes_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[bytes] = []

    def counting(size: int) -> bytes:
        data = bytes((len(reads) * 7 + index) % 256 for index in range(size))
        reads.append(data)
        return data

    monkeypatch.setattr(os, "urandom", counting)
    monkeypatch.setattr(_uuid, "_ready", [])
    made = [uuid.UUID(uuid4_str()).bytes for _ in range(2 * _uuid.BATCH)]
    assert [len(read) for read in reads] == [16 * _uuid.BATCH] * 2  # one read per batch
    slices = [read[start : start + 16] for read in reads for start in range(0, len(read), 16)]
    mask = bytes([0xFF] * 6 + [0x0F, 0xFF, 0x3F] + [0xFF] * 7)  # all but version, variant

    def masked(raw: bytes) -> bytes:
        return bytes(a & b for a, b in zip(raw, mask, strict=True))

    assert sorted(map(masked, made)) == sorted(map(masked, slices))


def test_u2_threads_never_get_the_same_id() -> None:
    taken: list[list[str]] = [[] for _ in range(8)]

    def take(into: list[str]) -> None:
        for _ in range(3000):
            into.append(uuid4_str())

    threads = [threading.Thread(target=take, args=(into,)) for into in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for into in taken for value in into]
    assert len(set(every)) == len(every) == 8 * 3000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_u3_a_forked_child_does_not_reuse_the_parents_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # a fresh batch, less the one taken: the ids taken before would leave the batch empty
    # whenever their count is a multiple of BATCH (then the parent would have none to share)
    monkeypatch.setattr(_uuid, "_ready", [])
    uuid4_str()
    assert len(_uuid._ready) == _uuid.BATCH - 1
    parent_ready = list(_uuid._ready)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_ids, args=(queue,))
    child.start()
    ids, ready_at_start = queue.get(timeout=30)
    child.join(timeout=30)
    assert ready_at_start == 0
    assert not set(ids) & set(parent_ready)
    assert not set(ids) & {uuid4_str() for _ in range(len(parent_ready))}


def _child_ids(queue: Any) -> None:
    ready_at_start = len(_uuid._ready)
    queue.put(([uuid4_str() for _ in range(_uuid.BATCH)], ready_at_start))
