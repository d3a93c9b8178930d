"""The server's guards: the bearer token, the request body cap, and HTTP problems.

* **Token.** With ``token=...`` every route but the page (``GET /``) needs
  ``Authorization: Bearer <token>``; anything else is a 401 with ``WWW-Authenticate:
  Bearer``. The token is compared in constant time. It is *not* accepted as a ``?token=``
  query parameter: URLs end up in logs and browser history, and no client of this server
  needs it (the page and the SDKs use ``fetch``, which can send headers; ``EventSource``
  cannot POST anyway). CORS preflights (``OPTIONS``) pass, so that browsers can ask.
* **Body cap.** :func:`read_json` refuses a body over ``max_body_bytes`` with a 413 before
  reading it when ``Content-Length`` says so, and while reading it otherwise.
* **Problems.** :class:`Problem` is an HTTP error with a message; the app answers it as
  ``{"detail": <message>}`` with its status, as FastAPI (and LangGraph's server) do.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

T = TypeVar("T")


class Problem(Exception):
    """An HTTP error answered as ``{"detail": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers

    def response(self) -> JSONResponse:
        """The JSON response of this problem."""
        return JSONResponse({"detail": self.message}, self.status, headers=self.headers)


class BearerToken:
    """ASGI middleware: every HTTP request but ``GET /`` and ``OPTIONS`` needs the token."""

    def __init__(self, app: ASGIApp, token: str, public: Collection[str] = ("/",)) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()
        self._public = frozenset(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        problem = Problem(
            401,
            "missing or wrong bearer token: send 'Authorization: Bearer <token>' "
            "(the token the server was started with)",
            {"WWW-Authenticate": "Bearer"},
        )
        await problem.response()(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        method = scope["method"]
        if method == "OPTIONS" or (method in ("GET", "HEAD") and scope["path"] in self._public):
            return True
        for name, value in scope["headers"]:
            if name == b"authorization":
                return hmac.compare_digest(value, self._expected)
        return False


async def read_json(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request's JSON object body (``{}`` if empty), at most ``max_bytes`` long.

    Raises:
        Problem: 413 over the cap; 422 not JSON or not an object.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(int(declared), max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise _too_large(None, max_bytes)
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError as error:
        raise Problem(422, f"the request body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise Problem(422, f"the request body must be a JSON object, got {_kind(value)}")
    return value


def _too_large(size: int | None, limit: int) -> Problem:
    what = "the request body" if size is None else f"the request body ({size:,} bytes)"
    return Problem(413, f"{what} is over the server's limit of {limit:,} bytes (max_body_bytes)")


def _kind(value: object) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def get_field(
    body: dict[str, Any],
    name: str,
    kind: type[T] | tuple[type, ...],
    default: T,
    *,
    where: str = "",
) -> T:
    """``body[name]`` if it has the type ``kind`` (``null`` or absent: ``default``).

    Raises:
        Problem: 422 naming the field, the type it needs and what it got.

    Example:
        >>> try:
        ...     get_field({"limit": "x"}, "limit", int, 10)
        ... except Problem as problem:
        ...     print(problem.status, problem)
        422 'limit' must be int, got a string
    """
    value = body.get(name)
    if value is None:
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise Problem(422, f"{where}{name!r} must be {names}, got {_kind(value)}")
    return value  # type: ignore[return-value]


def get_choice(body: dict[str, Any], name: str, choices: Sequence[str], default: str) -> str:
    """``body[name]`` if it is one of ``choices``; 422 naming the valid ones otherwise."""
    value = get_field(body, name, str, default)
    if value not in choices:
        valid = ", ".join(repr(choice) for choice in choices)
        raise Problem(422, f"{name!r} must be one of {valid}, got {value!r}")
    return value


__all__ = ("BearerToken", "Problem", "get_choice", "get_field", "read_json")
