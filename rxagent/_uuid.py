"""Random ids: ``str(uuid.uuid4())``, made without building a ``uuid.UUID``, in batches.

A run makes several ids before its first event (the run's, each task's, each message's
without one, a scripted reply's). ``str(uuid.uuid4())`` reads 16 bytes from ``os.urandom``
(a system call, several µs in a virtual machine) and builds a ``UUID`` object to format
them. :func:`uuid4_str` reads the bytes of :data:`BATCH` ids in one call, as one hex
string cut into one piece per id; each call takes the next piece and formats it, so no
call pays for formatting the whole batch (the run that happened to need a new batch
would wait for it). The result is the same kind of value: 16 bytes from ``os.urandom``,
the version (4) and variant (RFC 4122) bits set, in the canonical 8-4-4-4-12 form.

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
"""The hex digits of the ids not handed out yet, 32 each (taken from the end)."""
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A random hex digit with the variant bits (RFC 4122: ``10``) set on its top two bits."""


def uuid4_str() -> str:
    """A random version-4 UUID in its canonical string form, as ``str(uuid.uuid4())``."""
    while True:
        try:
            digits = _ready.pop()
            break
        except IndexError:
            _ready.extend(_batch(BATCH))
    # The version digit replaces the 13th, the variant bits the top of the 17th, as uuid4
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-"
        f"{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"
    )


def _batch(count: int) -> list[str]:
    """The hex digits of ``count`` ids, 32 each, from one read of ``16 * count`` bytes."""
    digits = os.urandom(16 * count).hex()
    return [digits[start : start + 32] for start in range(0, 32 * count, 32)]


def _forget() -> None:
    """In a forked child: drop the ids the parent made (U3)."""
    _ready.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_forget)

__all__ = ("uuid4_str",)
