"""The argument schema of a tool, derived from its function's signature and docstring.

The schema is a pydantic model built with ``pydantic.create_model``: one field per parameter,
typed by its annotation, with its default, described by a ``Field(description=...)``, an
``Annotated[T, "doc"]`` string or the docstring's ``Args:`` section (in that order). The
parameters that the runtime injects (see ``rxagent.tools._injected``) are not part of it.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from rxagent.tools._injected import NAMED_INJECTIONS, find_injections

INJECTED_PARAMS: Final[frozenset[str]] = NAMED_INJECTIONS
"""Parameters filled by the runtime at call time because of their name, never by the model.

``writer`` receives ``get_stream_writer()``; ``tool_call_id`` receives the id of the call.
Parameters annotated ``ToolRuntime``, ``InjectedState`` or ``InjectedToolCallId`` are
injected too.
"""

_CONFIG: Final = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())
_ARGS_HEADERS: Final = frozenset({"args:", "arguments:", "parameters:"})
_ARG_LINE: Final = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def describe(func: Callable[..., Any]) -> str | None:
    """Return the first paragraph of ``func``'s docstring on one line, or ``None``.

    Example:
        >>> def f() -> None:
        ...     '''Get the weather
        ...     for a city.
        ...
        ...     More details.'''
        >>> describe(f)
        'Get the weather for a city.'
    """
    doc = _doc(func)
    if not doc:
        return None
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in first.splitlines())


def docstring_args(func: Callable[..., Any]) -> dict[str, str]:
    """Parse the Google-style ``Args:`` section of ``func``'s docstring into name → text.

    Example:
        >>> def f(city: str) -> None:
        ...     '''Get the weather.
        ...
        ...     Args:
        ...         city (str): the city,
        ...             in English.
        ...     '''
        >>> docstring_args(f)
        {'city': 'the city, in English.'}
    """
    lines = (_doc(func) or "").splitlines()
    found: dict[str, str] = {}
    inside, current = False, ""
    for line in lines:
        stripped = line.strip()
        if not inside:
            inside = stripped.lower() in _ARGS_HEADERS
            continue
        if stripped and not line.startswith((" ", "\t")):
            break  # the next section
        match = _ARG_LINE.match(stripped) if _indent(line) <= 4 else None
        if match:
            current = match.group(1).lstrip("*")
            found[current] = match.group(2).strip()
        elif stripped and current:
            found[current] = f"{found[current]} {stripped}".strip()
    return found


def _doc(func: Callable[..., Any]) -> str | None:
    """The docstring of ``func``, of the function inside a ``functools.partial``."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.getdoc(func)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def create_args_schema(func: Callable[..., Any], model_name: str) -> type[BaseModel]:
    """Build the pydantic model of ``func``'s arguments, without the injected ones.

    Args:
        func: the tool's function.
        model_name: the model's name; the tool name, so validation errors name the tool.

    Raises:
        ValueError: ``func`` takes ``*args`` or ``**kwargs``, which no schema can describe,
            or an annotation names something that is not defined.

    Example:
        >>> def get_weather(city: str, days: int = 1) -> str:
        ...     '''Get the weather.'''
        ...     return city
        >>> create_args_schema(get_weather, "get_weather")(city="Paris")
        get_weather(city='Paris', days=1)
    """
    try:
        signature = inspect.signature(func, eval_str=True)
    except NameError as exc:
        raise ValueError(f"cannot resolve an annotation of {_qualname(func)}: {exc}") from exc
    doc_args = docstring_args(func)
    injected = find_injections(func)
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ValueError(
                f"tool function {_qualname(func)} takes *{param.name} or **{param.name}: "
                "declare every argument by name so that it can be described to the model"
            )
        if param.name in injected:
            continue
        annotation = Any if param.annotation is param.empty else param.annotation
        default = ... if param.default is param.empty else param.default
        fields[param.name] = _field(annotation, default, doc_args.get(param.name))
    with warnings.catch_warnings():
        # A parameter named like a BaseModel method (``json``, ``schema``) is a fine field.
        warnings.filterwarnings("ignore", message=r"Field name .* shadows an attribute")
        model: type[BaseModel] = create_model(model_name, __config__=_CONFIG, **fields)
    return model


def _field(annotation: Any, default: Any, doc: str | None) -> tuple[Any, Any]:
    """One ``create_model`` field definition, with the best description available."""
    if isinstance(default, FieldInfo):
        return annotation, default  # the user's Field(...) says it all
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        texts = [item for item in metadata if isinstance(item, str)]
        if any(isinstance(item, FieldInfo) and item.description for item in metadata):
            return annotation, default
        if texts:
            kept = [item for item in metadata if not isinstance(item, str)]
            doc = " ".join(texts)
            annotation = Annotated[(base, *kept)] if kept else base
    if doc:
        return annotation, Field(default, description=doc)
    return annotation, default


def _qualname(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


def strip_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated ``title`` keys, as LangChain's function schemas do.

    Property names are kept, even a property named ``title``.

    Example:
        >>> strip_titles({"title": "f", "properties": {"title": {"title": "Title"}}})
        {'properties': {'title': {}}}
    """
    cleaned: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            cleaned[key] = {name: _strip_any(sub) for name, sub in value.items()}
        else:
            cleaned[key] = _strip_any(value)
    return cleaned


def _strip_any(value: Any) -> Any:
    if isinstance(value, dict):
        return strip_titles(value)
    if isinstance(value, list):
        return [_strip_any(item) for item in value]
    return value
