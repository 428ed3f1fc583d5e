"""A MockTransport handler that records every request and answers from a small table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

import qlara
from tests.conftest import FAST_RETRIES, KEY

Answer = Any  # JSON data, an httpx.Response, or a function of the request


class Recorder:
    """Answers ``(method, path)`` from ``answers`` (JSON, a Response, or a function)."""

    def __init__(self, answers: dict[tuple[str, str], Answer] | None = None) -> None:
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.get((request.method, request.url.path), {})
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, httpx.Response):
            return answer
        if answer is None:
            return httpx.Response(204)
        return httpx.Response(200, json=answer)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def query(self, index: int = -1) -> dict[str, str]:
        return dict(self.requests[index].url.params.multi_items())


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> qlara.AsyncQlara:
    """An async client on a MockTransport (close it with ``async with``)."""
    return qlara.AsyncQlara(
        KEY,
        base_url="https://lora-api.test/api",
        transport=httpx.MockTransport(handler),
        rate_limit=None,
        retry_policy=FAST_RETRIES,
    )
