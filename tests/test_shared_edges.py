"""The shared limit at its edges: a stalled Redis, forked workers, a client from another loop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import anyio
import httpx
import pytest
import redis
import redis.asyncio as aioredis

import qlara
import qlara.redis
from qlara._shared_lua import keys
from tests.conftest import DESTINATION, KEY, accepted
from tests.redis_server import RedisServer
from tests.test_fork import in_child

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    """redis-py's client runs on asyncio only."""
    return "asyncio"


async def send(client: qlara.AsyncQlara) -> None:
    await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")


async def test_a_stalled_redis_costs_one_timeout_not_one_per_task(
    own_redis_server: RedisServer,
) -> None:
    """Tasks queued behind a booking that timed out fall back at once, not one timeout each."""
    limit = qlara.RateLimit(per_second=100, per_minute=10_000)
    shared = qlara.redis.SharedRateLimit(
        own_redis_server.url, limit, name=uuid.uuid4().hex, timeout=0.4
    )
    transport = httpx.MockTransport(accepted())
    async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=shared) as client:
        await send(client)
        assert own_redis_server.process is not None
        os.kill(own_redis_server.process.pid, signal.SIGSTOP)  # answers nothing, like a hung host
        try:
            began = time.monotonic()
            with anyio.fail_after(20):
                async with anyio.create_task_group() as group:
                    for _ in range(10):
                        group.start_soon(send, client)
            took = time.monotonic() - began
        finally:
            os.kill(own_redis_server.process.pid, signal.SIGCONT)
    # One timeout, then the fallback's two-window hold (2 x 1.05 s); ten timeouts would be 4 s.
    assert took < 0.4 + 2.1 + 1.2, took  # slack for a busy machine; the bug took 4 s and more


def test_forked_workers_book_under_their_own_ids(redis_server: RedisServer) -> None:
    """Prefork children of one parent's client each count their requests in Redis."""
    name = uuid.uuid4().hex
    limit = qlara.RateLimit(per_second=50, per_minute=1000)
    shared = qlara.redis.SharedRateLimit(redis_server.url, limit, name=name)
    client = qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(accepted()), rate_limit=shared
    )

    def work() -> bool:
        async def main() -> None:
            await send(client)
            await client.aclose()  # lets the report reach Redis

        asyncio.run(main())
        return True

    try:
        assert in_child(work) == 0
        assert in_child(work) == 0
    finally:
        asyncio.run(client.aclose())
    direct = redis.Redis.from_url(redis_server.url)
    try:
        flight, log_key, _, _ = keys(name)
        assert direct.zcard(log_key) + direct.zcard(flight) == 2
    finally:
        direct.close()


async def ping(client: aioredis.Redis) -> None:
    await client.ping()


def test_a_client_from_another_loop_fails_clearly(redis_server: RedisServer) -> None:
    """A redis.asyncio.Redis in use on another loop raises ConfigurationError, not a raw one."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    used = aioredis.Redis.from_url(redis_server.url)
    try:
        # Its pooled connection now belongs to that loop, still running in its thread.
        asyncio.run_coroutine_threadsafe(ping(used), loop).result(10)
        shared = qlara.redis.SharedRateLimit(used, name=uuid.uuid4().hex)
        transport = httpx.MockTransport(accepted())
        busy = threading.Event()
        loop.call_soon_threadsafe(busy.wait)  # that loop reads nothing until we are done
        try:
            with (
                qlara.Qlara(api_key=KEY, transport=transport, rate_limit=shared) as client,
                pytest.raises(qlara.ConfigurationError, match="another event loop"),
            ):
                client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
        finally:
            busy.set()
    finally:
        asyncio.run_coroutine_threadsafe(used.aclose(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_redis_py_4_is_refused_at_import(tmp_path: Path) -> None:
    """With redis-py 4 installed, importing qlara.redis says what to install."""
    fake = tmp_path / "redis"
    (fake / "asyncio").mkdir(parents=True)
    (fake / "__init__.py").write_text('__version__ = "4.6.0"\n')
    (fake / "asyncio" / "__init__.py").write_text("class Redis: ...\n")
    (fake / "asyncio" / "connection.py").write_text("def parse_url(url): return {}\n")
    (fake / "asyncio" / "retry.py").write_text("class Retry: ...\n")
    (fake / "backoff.py").write_text("class NoBackoff: ...\n")
    (fake / "exceptions.py").write_text("class RedisError(Exception): ...\nNoScriptError = 1\n")
    code = "import qlara.redis"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode != 0
    assert "qlara.redis needs redis-py 5 or later (found 4.6.0)" in result.stderr
    assert "pip install 'qlara[redis]'" in result.stderr


def connections(direct: redis.Redis) -> int:
    """Clients connected to the server, besides ``direct`` itself."""
    return len(direct.client_list()) - 1


async def test_a_url_client_is_closed_and_a_given_one_is_not(
    own_redis_server: RedisServer,
) -> None:
    """Closing the qlara client closes the Redis connections it opened, never a client given."""
    url = own_redis_server.url
    direct = redis.Redis.from_url(url)
    transport = httpx.MockTransport(accepted())
    given = aioredis.Redis.from_url(url)
    try:
        by_url = qlara.redis.SharedRateLimit(url, name=uuid.uuid4().hex)
        async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=by_url) as client:
            await send(client)
            await send(client.with_options(timeout=5))  # a copy shares the limiter
            assert connections(direct) > 0
        with anyio.fail_after(5):  # the server notices a closed connection a moment later
            while connections(direct) > 0:  # noqa: ASYNC110 - state in Redis
                await anyio.sleep(0.01)
        shared = qlara.redis.SharedRateLimit(given, name=uuid.uuid4().hex)
        async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=shared) as client:
            await send(client)
            await client.with_options(timeout=5).aclose()  # closing a copy closes nothing
            await send(client)
        assert await given.ping()
    finally:
        await given.aclose()
        direct.close()


def test_a_given_client_still_works_on_its_loop_after_the_blocking_client(
    redis_server: RedisServer,
) -> None:
    """qlara.Qlara leaves no connection of its own loop in a given client's pool when it closes."""
    given = aioredis.Redis.from_url(redis_server.url)
    shared = qlara.redis.SharedRateLimit(given, name=uuid.uuid4().hex)
    transport = httpx.MockTransport(accepted())
    with qlara.Qlara(api_key=KEY, transport=transport, rate_limit=shared) as client:
        client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")

    async def owner() -> bool:
        try:
            return bool(await given.ping())
        finally:
            await given.aclose()

    assert asyncio.run(owner())


async def test_a_given_client_decoding_responses_works(redis_server: RedisServer) -> None:
    """A redis.asyncio.Redis with decode_responses=True (answers as str) books like any other."""
    given = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    shared = qlara.redis.SharedRateLimit(given, name=uuid.uuid4().hex)
    transport = httpx.MockTransport(accepted())
    try:
        async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=shared) as client:
            with anyio.fail_after(5):
                await send(client)
                await send(client)
    finally:
        await given.aclose()


async def test_many_keys_on_one_url_share_one_redis_client(
    own_redis_server: RedisServer,
) -> None:
    """Tenant copies of a client on a URL budget open one Redis client, not one per key."""
    url = own_redis_server.url
    direct = redis.Redis.from_url(url)
    transport = httpx.MockTransport(accepted())
    try:
        limit = qlara.redis.SharedRateLimit(url)
        async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=limit) as client:
            tenants = [client.with_options(api_key=f"tenant-{n}") for n in range(8)]
            await send(client)
            for tenant in tenants:
                await send(tenant)
            # One pool: a few connections (bookings and reports can overlap on a busy
            # machine), never one per key (nine here).
            assert connections(direct) <= 4
        with anyio.fail_after(5):  # the server notices a closed connection a moment later
            while connections(direct) > 0:  # noqa: ASYNC110 - state in Redis
                await anyio.sleep(0.01)
    finally:
        direct.close()
