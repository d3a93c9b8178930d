"""Random ids: ``str(uuid.uuid4())``, made without building a ``uuid.UUID``, in batches.

A run makes several ids before its first event (the run's, each task's, each message's
without one, a scripted reply's). ``str(uuid.uuid4())`` reads 16 bytes from ``os.urandom``
(a system call, several µs in a virtual machine) and builds a ``UUID`` object to format
them. :func:`uuid4_str` reads the bytes of :data:`BATCH` ids in one call and formats them
at once; each call takes the next of them. The result is the same kind of value: 16 bytes
from ``os.urandom``, the version (4) and variant (RFC 4122) bits set, in the canonical
8-4-4-4-12 form.

Invariants (tested in ``tests/test_uuid.py``):

U1. *Fresh bytes.* Every id is made of 16 bytes of its own from ``os.urandom``; no byte
    serves two ids.
U2. *Threads.* Taking an id is one ``list.pop()``, atomic in CPython: two threads never
    get the same id; a thread that finds the batch empty makes a new one.
U3. *Fork.* A child process starts with no batch (``os.register_at_fork``), so parent and
    child never hand out the same id.

Example:
    >>> import uuid
    >>> value = uuid4_str()
    >>> str(uuid.UUID(value)) == value, uuid.UUID(value).version
    (True, 4)
"""

from __future__ import annotations

import os

BATCH = 64
"""Ids made from one ``os.urandom`` call."""

_ready: list[str] = []
"""Ids made and not handed out yet (taken from the end)."""


def uuid4_str() -> str:
    """A random version-4 UUID in its canonical string form, as ``str(uuid.uuid4())``."""
    while True:
        try:
            return _ready.pop()
        except IndexError:
            _ready.extend(_batch(BATCH))


def _batch(count: int) -> list[str]:
    """``count`` new ids, from one read of ``16 * count`` random bytes."""
    raw = bytearray(os.urandom(16 * count))
    ids = []
    for start in range(0, 16 * count, 16):
        raw[start + 6] = raw[start + 6] & 0x0F | 0x40  # version 4
        raw[start + 8] = raw[start + 8] & 0x3F | 0x80  # variant RFC 4122
        text = raw[start : start + 16].hex()
        ids.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
    return ids


def _forget() -> None:
    """In a forked child: drop the ids the parent made (U3)."""
    _ready.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_forget)

__all__ = ("uuid4_str",)
