"""A MockTransport handler that records every request and answers from a script."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx

import qlara

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Answers ``(method, path)`` from ``routes`` (path without ``/api``), 404 otherwise.

    ``seen`` holds ``(method, path, query, body)`` per request: the query as a
    dict of strings, the body decoded (JSON, or the raw bytes of a multipart).
    """

    def __init__(self, routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.routes: dict[tuple[str, str], Any] = dict(routes or {})
        self.seen: list[tuple[str, str, dict[str, str], Any]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        content = request.read()
        kind = request.headers.get("content-type", "")
        body: Any = (
            json.loads(content)
            if content and kind.startswith("application/json")
            else content or None
        )
        self.seen.append((request.method, path, query, body))
        self.requests.append(request)
        answer = self.routes.get((request.method, path))
        if answer is None:
            return httpx.Response(404, json={"status": 404, "message": f"no {path}"})
        if callable(answer):
            response: httpx.Response = answer(request)
            return response
        if isinstance(answer, httpx.Response):
            return answer
        status, data = answer
        return httpx.Response(status, json=data) if data is not None else httpx.Response(status)

    @property
    def last(self) -> tuple[str, str, dict[str, str], Any]:
        return self.seen[-1]


async def refused(call: Callable[[], Any]) -> qlara.ValidationError:
    """The ValidationError ``call()`` (awaited when it is a coroutine) raises."""
    try:
        result = call()
        if inspect.isawaitable(result):
            await result
    except qlara.ValidationError as exc:
        return exc
    raise AssertionError("the call was not refused")
