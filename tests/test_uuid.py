"""``uuid4_str``: the same kind of value as ``str(uuid.uuid4())``."""

from __future__ import annotations

import re
import uuid

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
