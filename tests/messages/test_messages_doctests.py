"""The ``Example:`` sections of rxagent.messages and rxagent.models run and hold."""

from __future__ import annotations

import asyncio
import doctest
from types import ModuleType
from typing import Any

import pytest

import rxagent.messages
import rxagent.models
from rxagent.messages import (
    _accumulate,
    _ai,
    _base,
    _convert,
    _merge,
    _partial_json,
    _reducer,
    _types,
)
from rxagent.models import _protocol, _scripted

MODULES = [
    rxagent.messages,
    _accumulate,
    _ai,
    _base,
    _convert,
    _merge,
    _partial_json,
    _reducer,
    _types,
    rxagent.models,
    _protocol,
    _scripted,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_examples(module: ModuleType) -> None:
    names: dict[str, Any] = {
        name: getattr(rxagent.messages, name) for name in rxagent.messages.__all__
    }
    names.update({name: getattr(rxagent.models, name) for name in rxagent.models.__all__})
    names["asyncio"] = asyncio
    result = doctest.testmod(module, extraglobs=names, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
