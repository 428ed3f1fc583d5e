"""Shared fixtures: every async test runs on asyncio and on trio.

Tests of the pipeline also run on both HTTP backends: a module (or test)
marked ``both_backends`` gets ``make_client`` clients on httpx (over
``httpx.MockTransport``) and on aiohttp (the same handlers served over
loopback by ``tests/bridge.py``); aiohttp runs on asyncio only, so that
pairing with trio is not collected.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

import qlara
from tests.bridge import Bridge
from tests.redis_server import RedisServer, require_binary

# CI machines are shared and noisy: a property test is judged on its verdicts,
# never on how long one example took (Hypothesis's 200 ms default deadline).
settings.register_profile(
    "qlara", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("qlara")

KEY = "test-key-do-not-leak-3f9a"
DESTINATION = "+393401234567"


# The aiohttp clients' read timeout: a held-back answer (a scripted ReadTimeout)
# costs this long, and a loopback answer never comes close to it.
AIOHTTP_TIMEOUT = httpx.Timeout(10.0, read=0.3)
_BRIDGE: list[Bridge] = []


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "http_backend" in metafunc.fixturenames:
        definition = metafunc.definition
        both = definition.get_closest_marker("both_backends") is not None
        both = both and definition.get_closest_marker("httpx_only") is None
        metafunc.parametrize("http_backend", ["httpx", "aiohttp"] if both else ["httpx"])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        chosen = params.params if params is not None else {}
        if chosen.get("http_backend") == "aiohttp" and chosen.get("anyio_backend") == "trio":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def bridge() -> Bridge:
    """The session's loopback server for aiohttp clients, started on first use."""
    if not _BRIDGE:
        _BRIDGE.append(Bridge())
    return _BRIDGE[0]


@pytest.fixture(scope="session", autouse=True)
def _stop_bridge() -> Iterator[None]:
    yield
    if _BRIDGE:
        _BRIDGE.pop().stop()


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
def http_backend() -> str:
    """The HTTP backend of ``make_client`` (parametrized for ``both_backends`` tests)."""
    return "httpx"


@pytest.fixture
async def make_client(http_backend: str) -> AsyncIterator[Callable[..., qlara.AsyncQlara]]:
    """Build clients answered by ``handler``; each is closed after the test.

    On httpx the handler is an ``httpx.MockTransport``; on aiohttp it is served
    over loopback (``tests/bridge.py``) under the same base URL path.
    """
    clients: list[qlara.AsyncQlara] = []

    def make(handler: Callable[[httpx.Request], Any], **options: Any) -> qlara.AsyncQlara:
        options.setdefault("api_key", KEY)
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("rate_limit", None)
        if http_backend == "aiohttp":
            options["base_url"] = bridge().url_for(handler, options.get("base_url"))
            options.setdefault("timeout", AIOHTTP_TIMEOUT)
            client = qlara.AsyncQlara(http_backend="aiohttp", **options)
        else:
            client = qlara.AsyncQlara(transport=httpx.MockTransport(handler), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
        if http_backend == "aiohttp":
            bridge().forget(client.base_url)


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
