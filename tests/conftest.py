"""Shared fixtures: every async test runs on asyncio and on trio."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

import qlara
from tests.redis_server import RedisServer, require_binary

KEY = "test-key-do-not-leak-3f9a"
DESTINATION = "+393401234567"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def accepted(channel: str = "sms", **extra: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering every send as the current API does."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        result = {"accepted": True, "unicode": False, "parts": 1, "reasons": [], **extra}
        return httpx.Response(
            200,
            json={
                "messageId": body["messageId"],
                "simulation": False,
                "results": {channel: result},
            },
        )

    return handler


FAST_RETRIES = qlara.RetryPolicy(initial_backoff=0.001, max_backoff=0.002)


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., qlara.AsyncQlara]]:
    """Build clients on a MockTransport; each is closed after the test."""
    clients: list[qlara.AsyncQlara] = []

    def make(
        handler: Callable[[httpx.Request], httpx.Response], **options: Any
    ) -> qlara.AsyncQlara:
        options.setdefault("api_key", KEY)
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("rate_limit", None)
        client = qlara.AsyncQlara(transport=httpx.MockTransport(handler), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture(scope="session")
def redis_binary() -> str:
    return require_binary()


@pytest.fixture(scope="session")
def redis_server(redis_binary: str) -> Iterator[RedisServer]:
    """A real redis-server for the session; each test uses its own budget name."""
    running = RedisServer(redis_binary).start()
    yield running
    running.stop()


@pytest.fixture
def own_redis_server(redis_binary: str) -> Iterator[RedisServer]:
    """A redis-server of this test's own, which it may kill."""
    running = RedisServer(redis_binary).start()
    yield running
    running.stop()
