"""The faces a graph is consumed through, one run per face, and the comparison of two runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.conformance._differences import forget
from tests.conformance._normalize import Normalizer, canonical, unshape

ALL_MODES = ["values", "updates", "messages", "custom", "tasks", "tools"]


@dataclass(frozen=True)
class Face:
    """One way of consuming a run: ``stream`` keywords, ``astream``, or ``invoke``."""

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    call: str = "stream"

    def unshape(self, item: Any) -> Any:
        """``(ns, mode, chunk)`` of one item of this face."""
        mode = self.kwargs.get("stream_mode")
        return unshape(
            item,
            mode=mode if isinstance(mode, str) else None,
            multi=isinstance(mode, list),
            subgraphs=bool(self.kwargs.get("subgraphs")),
            v2=self.kwargs.get("version") == "v2",
        )


FACES: tuple[Face, ...] = (
    *(Face(mode, {"stream_mode": mode}) for mode in ALL_MODES),
    Face("list", {"stream_mode": ALL_MODES}),
    Face("subgraphs", {"stream_mode": ALL_MODES, "subgraphs": True}),
    Face("subgraphs_messages", {"stream_mode": "messages", "subgraphs": True}),
    Face("v2", {"stream_mode": ALL_MODES, "version": "v2"}),
    Face("v2_subgraphs", {"stream_mode": ALL_MODES, "version": "v2", "subgraphs": True}),
    Face("default"),
    Face("astream", {"stream_mode": ALL_MODES}, call="astream"),
    Face("invoke", call="invoke"),
)
"""Every face, by name: single modes, a list, subgraphs, v2, the default mode, async, invoke."""


@dataclass(frozen=True)
class Output:
    """What one run through one face produced: its items, then the error it raised."""

    items: list[Any]
    error: BaseException | None


def run(graph: Any, face: Face, input: Any, config: Mapping[str, Any] | None) -> Output:
    """Consume ``graph`` once through ``face``."""
    items: list[Any] = []
    try:
        if face.call == "invoke":
            items.append(graph.invoke(input, config))
        elif face.call == "astream":
            asyncio.run(_collect(graph, input, config, face, items))
        else:
            items.extend(graph.stream(input, config, **face.kwargs))
    except Exception as error:
        return Output(items, error)
    return Output(items, None)


async def _collect(
    graph: Any, input: Any, config: Mapping[str, Any] | None, face: Face, items: list[Any]
) -> None:
    async for item in graph.astream(input, config, **face.kwargs):
        items.append(item)


def comparable(output: Output, face: Face, *, ordered: bool) -> Any:
    """The plain form of ``output``: in order, or per task for parallel scenarios."""
    normalize = Normalizer(ordered=ordered)
    if ordered or face.call == "invoke":
        items = [normalize(item) for item in output.items]
    else:
        items = canonical([face.unshape(item) for item in output.items], normalize)
    error = None if output.error is None else normalize(output.error)
    return forget({"items": items, "raised": error})


def differences(left: Any, right: Any, path: str = "") -> Iterator[str]:
    """Every place two plain values differ, as ``path: left != right``."""
    if type(left) is not type(right):
        yield f"{path or '.'}: {_short(left)} != {_short(right)}"
    elif isinstance(left, dict):
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in left or key not in right:
                where = "langgraph" if key in left else "rxagent"
                yield f"{path}[{key!r}]: only in {where}: {_short(left.get(key, right.get(key)))}"
            else:
                yield from differences(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, list | tuple):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            yield from differences(a, b, f"{path}[{index}]")
        if len(left) != len(right):
            yield f"{path}: length {len(left)} != {len(right)}"
    elif left != right:
        yield f"{path or '.'}: {_short(left)} != {_short(right)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 160 else text[:157] + "..."
