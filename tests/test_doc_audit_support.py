"""Helpers of the documentation audit (tests/test_doc_audit_*.py): a doc-shaped fake platform.

The fake answers exactly as /work/shared/api/qlara-api.md shows (paths under
``/api``, the documented status codes, the example JSON), never as our
simulator does. Routes are keyed by ``(METHOD, path)``; anything else is a 404
in the platform's Spring-style error shape, so a wrong path or method shows up
as a ``NotFoundError`` in the failing test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx

import qlara

__all__ = [
    "API",
    "BASE_URL",
    "GW",
    "GW_INVERTED",
    "KEY",
    "MS",
    "Route",
    "Call",
    "Fake",
    "async_client",
    "fast_retries",
    "respond",
    "sync_client",
]

KEY = "k" * 32
BASE_URL = "https://x.test/api"
API = "/api"
GW = "/api/partner-gateway/v1"
GW_INVERTED = "/api/v1/partner-gateway"
MS = "/api/message-server"

Route = Callable[[httpx.Request], httpx.Response]


def respond(
    status: int = 200,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Route:
    """A route answering ``status`` with ``body`` as JSON (or raw ``content``; neither: empty)."""

    def route(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return route


class Call:
    """One request the fake received, decoded for assertions."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.method = request.method
        self.path = request.url.path
        self.query_pairs = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        self.query = dict(self.query_pairs)
        self.content = request.read()
        self.headers = request.headers
        kind = request.headers.get("content-type", "")
        self.json: Any = None
        if kind.startswith("application/json") and self.content:
            self.json = json.loads(self.content)

    def __repr__(self) -> str:
        return f"Call({self.method} {self.path} {self.query} {self.json!r})"


class Fake:
    """A doc-shaped platform: ``(method, path) -> route``; a route may be a list (one per call)."""

    def __init__(self, routes: Mapping[tuple[str, str], Route | list[Route]] | None = None) -> None:
        self.routes: dict[tuple[str, str], Route | list[Route]] = dict(routes or {})
        self.calls: list[Call] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        call = Call(request)
        self.calls.append(call)
        key = (request.method, request.url.path)
        route = self.routes.get(key)
        if route is None:
            route = self.routes.get((request.method, f"{request.url.host}{request.url.path}"))
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if route is None:
            return httpx.Response(
                404,
                json={"status": 404, "error": "Not Found", "message": f"no route {key}"},
            )
        return route(request)

    def only(self) -> Call:
        """The single call made (fails loudly when there were more or none)."""
        assert len(self.calls) == 1, self.calls
        return self.calls[0]

    def to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]


def async_client(fake: Fake, **options: Any) -> qlara.AsyncQlara:
    """The client the brief prescribes: doc-shaped fake, no client-side rate limit."""
    options.setdefault("rate_limit", None)
    return qlara.AsyncQlara(
        api_key=KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake), **options
    )


def sync_client(fake: Fake, **options: Any) -> qlara.Qlara:
    """The blocking twin of ``async_client``."""
    options.setdefault("rate_limit", None)
    return qlara.Qlara(
        api_key=KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake), **options
    )


def fast_retries(**extra: Any) -> qlara.RetryPolicy:
    """No backoff waits, so retry tests are quick."""
    return qlara.RetryPolicy(initial_backoff=0.0, max_backoff=0.0, **extra)
