"""A budget shared through a real Redis: one fleet, one budget, no 429s, and a fallback."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import redis
import redis.asyncio as aioredis

import qlara
import qlara.redis
import qlara.testing
from qlara import _shared_limit
from qlara._auth import Secret
from qlara._limiter import credential_digest
from qlara._shared_limit import SharedLimiter
from qlara._shared_lua import keys
from tests import shared_worker
from tests.conftest import DESTINATION, KEY
from tests.redis_server import RedisServer
from tests.test_ratelimit import most_in_any_window

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    """redis-py's client runs on asyncio only; trio is refused (tested below)."""
    return "asyncio"


def unique() -> str:
    return uuid.uuid4().hex[:12]


def shared(url: str, limit: qlara.RateLimit, **options: Any) -> qlara.redis.SharedRateLimit:
    options.setdefault("name", unique())
    return qlara.redis.SharedRateLimit(url, limit, **options)


def optimal_span(limit: qlara.RateLimit, count: int) -> float:
    """The shortest first-to-last span of ``count`` arrivals the simulator admits."""
    starts: list[float] = []
    now = 0.0
    for _ in range(count):
        if len(starts) >= limit.per_second:
            now = max(now, starts[-limit.per_second] + 1.0)
        if len(starts) >= limit.per_minute:
            now = max(now, starts[-limit.per_minute] + 60.0)
        starts.append(now)
    return now


class Fleet:
    """Member processes on one budget, started together against one served simulator."""

    def __init__(self, base_url: str, redis_url: str, limit: qlara.RateLimit, **extra: Any):
        self.options = {
            "base_url": base_url,
            "redis": redis_url,
            "per_second": limit.per_second,
            "per_minute": limit.per_minute,
            "key": KEY,
            "concurrency": 8,
            **extra,
        }
        self.context = shared_worker.context()
        self.go = self.context.Event()
        self.queue: Any = self.context.Queue()
        self.processes: list[Any] = []

    def start(self, members: int, count: int) -> None:
        for number in range(members):
            options = {**self.options, "count": count, "tag": f"m{number}"}
            # Daemonic, and stopped by ``stop``: a failed test leaves no process that
            # pytest's exit would wait for.
            process = self.context.Process(
                target=shared_worker.member, args=(options, self.go, self.queue), daemon=True
            )
            process.start()
            self.processes.append(process)
        for _ in range(members):
            assert self.queue.get(timeout=60)[0] == "ready"
        self.go.set()

    def results(self) -> list[tuple[int, list[str]]]:
        """Per member: messages accepted, and the lines it logged."""
        done = sorted(self.queue.get(timeout=60) for _ in self.processes)
        for process in self.processes:
            process.join(timeout=10)
            assert process.exitcode == 0
        return [(ok, lines) for _, _, ok, lines in done]

    def stop(self) -> None:
        """Kill the members still running (after a failure), and reap them all."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=10)


def rejected(sim: qlara.testing.Simulator) -> int:
    return sim.requests_seen - len(sim.sent)


def members_seen(sim: qlara.testing.Simulator, members: int, at_least: int) -> bool:
    """Every member has had a request accepted, and ``at_least`` were in all."""
    sent = list(sim.sent)
    tags = {(message.text or "").split()[0] for message in sent}
    return len(sent) >= at_least and len(tags) >= members


def arrivals(sim: qlara.testing.Simulator) -> list[float]:
    return sorted(message.accepted_at for message in sim.sent)


def test_processes_on_one_name_share_the_budget(redis_server: RedisServer) -> None:
    """Three processes on one name draw no 429 and finish near the shared optimum."""
    limit = qlara.RateLimit(per_second=20, per_minute=1000)
    sim = qlara.testing.Simulator(rate_limit=limit)
    with qlara.testing.serve(sim) as served:
        fleet = Fleet(served.base_url, redis_server.url, limit, name=unique())
        try:
            fleet.start(members=3, count=20)
            outcomes = fleet.results()
        finally:
            fleet.stop()
    assert [ok for ok, _ in outcomes] == [20, 20, 20]
    assert rejected(sim) == 0
    times = arrivals(sim)
    assert most_in_any_window(times, 1.0) <= limit.per_second
    span, best = times[-1] - times[0], optimal_span(limit, 60)
    assert best <= span <= best * 1.15 + 0.25, (span, best)


def test_members_fall_back_when_redis_dies(own_redis_server: RedisServer) -> None:
    """Redis killed mid-run: members log one WARNING each and keep to their share, no 429."""
    limit = qlara.RateLimit(per_second=12, per_minute=1000)
    sim = qlara.testing.Simulator(rate_limit=limit)
    with qlara.testing.serve(sim) as served:
        fleet = Fleet(
            served.base_url, own_redis_server.url, limit, name=unique(), fallback_share=1 / 3
        )
        try:
            fleet.start(members=3, count=12)
            deadline = time.monotonic() + 20
            while not members_seen(sim, 3, at_least=12) and time.monotonic() < deadline:
                time.sleep(0.01)  # watching real processes, not a clock under test
            own_redis_server.stop()
            outcomes = fleet.results()
        finally:
            fleet.stop()
    assert [ok for ok, _ in outcomes] == [12, 12, 12]
    # A member whose last requests were all booked before the kill never needed Redis again.
    warned = [[line for line in lines if line.startswith("WARNING")] for _, lines in outcomes]
    assert any(warned)
    for warnings in warned:
        assert len(warnings) <= 1, warnings
        assert all("Redis is unavailable" in line and "4 requests/s" in line for line in warnings)
    assert rejected(sim) == 0
    assert most_in_any_window(arrivals(sim), 1.0) <= limit.per_second


@pytest.fixture
async def sim_client() -> AsyncIterator[Any]:
    made: list[qlara.AsyncQlara] = []

    def make(
        rate_limit: qlara.redis.SharedRateLimit, transport: httpx.AsyncBaseTransport
    ) -> qlara.AsyncQlara:
        client = qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=rate_limit)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def send(client: qlara.AsyncQlara, text: str = "Hi") -> None:
    await client.sms.send(destination=DESTINATION, body=text, sender="Shop")


async def test_a_429_for_one_member_pauses_the_others(
    redis_server: RedisServer, sim_client: Any
) -> None:
    """One member's 429 (retryAfter 0.4 s) holds another member's next request as long."""
    name = unique()
    limit = qlara.RateLimit(per_second=50, per_minute=1000)
    sim = qlara.testing.Simulator(rate_limit=limit)
    first = [True]

    def refuse_once(request: httpx.Request) -> httpx.Response:
        if first[0]:
            first[0] = False
            return httpx.Response(429, json={"status": 429, "retryAfter": 0.4})
        return httpx.Response(503)

    member_a = sim_client(
        shared(redis_server.url, limit, name=name), httpx.MockTransport(refuse_once)
    )
    member_b = sim_client(shared(redis_server.url, limit, name=name), sim.transport())
    direct = aioredis.Redis.from_url(redis_server.url)
    try:
        with anyio.fail_after(10):  # a pause that never reaches Redis fails, not hangs
            async with anyio.create_task_group() as group:
                group.start_soon(send, member_a)
                while await direct.get(keys(name)[2]) is None:  # noqa: ASYNC110 - in Redis
                    await anyio.sleep(0.005)  # until A's pause reaches Redis
                group.cancel_scope.cancel()
        began = time.monotonic()
        await send(member_b)
        waited = time.monotonic() - began
    finally:
        await direct.aclose()
    assert 0.3 <= waited <= 1.0
    assert rejected(sim) == 0


async def test_a_low_remaining_header_caps_every_member(
    redis_server: RedisServer, sim_client: Any
) -> None:
    """X-RateLimit-Remaining: 0 seen by one member holds the others for a window."""
    name = unique()
    limit = qlara.RateLimit(per_second=50, per_minute=1000)

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200,
            headers={"X-RateLimit-Remaining": "0"},
            json={"messageId": body["messageId"], "results": {"sms": {"accepted": True}}},
        )

    member_a = sim_client(shared(redis_server.url, limit, name=name), httpx.MockTransport(answer))
    member_b = sim_client(
        shared(redis_server.url, limit, name=name), qlara.testing.Simulator().transport()
    )
    await send(member_a)
    direct = aioredis.Redis.from_url(redis_server.url)
    try:
        with anyio.fail_after(10):  # a report that never reaches Redis fails, not hangs
            while not await direct.exists(keys(name)[3]):  # noqa: ASYNC110 - state in Redis
                await anyio.sleep(0.005)  # until A's report reaches Redis
    finally:
        await direct.aclose()
    began = time.monotonic()
    await send(member_b)
    assert time.monotonic() - began >= 0.5


def is_degraded(limiter: SharedLimiter) -> bool:
    return limiter.degraded


async def test_fallback_rejoins_when_redis_is_back(
    own_redis_server: RedisServer, sim_client: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """Without Redis a member sends on its share; once Redis is back it shares again."""
    monkeypatch.setattr(_shared_limit, "PROBE_INTERVAL", 0.0)
    name = unique()
    limit = qlara.RateLimit(per_second=40, per_minute=1000)
    client = sim_client(
        shared(own_redis_server.url, limit, name=name), qlara.testing.Simulator().transport()
    )
    limiter = client._http.limiter
    assert isinstance(limiter, SharedLimiter)
    await send(client)
    own_redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="qlara.redis"):
        for _ in range(3):
            await send(client)
    assert is_degraded(limiter)
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "10 requests/s and 250/min" in caplog.records[0].getMessage()
    own_redis_server.start()
    for _ in range(3):  # the first call may meet the connection the old server dropped
        await send(client)
        if not is_degraded(limiter):
            break
    assert not is_degraded(limiter)
    direct = redis.Redis.from_url(own_redis_server.url)
    try:
        flight, log_key, _, _ = keys(name)
        # The three sent alone were handed over; the fourth was booked in Redis.
        assert direct.zcard(log_key) + direct.zcard(flight) >= 4
    finally:
        direct.close()


async def test_keys_are_named_by_a_digest_and_expire(
    redis_server: RedisServer, sim_client: Any
) -> None:
    """By default the keys carry a digest of the API key (never the key) and an expiry."""
    limit = qlara.RateLimit(per_second=40, per_minute=1000)
    client = sim_client(
        qlara.redis.SharedRateLimit(redis_server.url, limit), qlara.testing.Simulator().transport()
    )
    await send(client)
    await client.aclose()  # lets the report reach Redis
    digest = credential_digest(Secret(KEY))
    direct = redis.Redis.from_url(redis_server.url)
    try:
        names = [key.decode() for key in direct.scan_iter(f"qlara:rl:{{{digest}}}:*")]
        assert f"qlara:rl:{{{digest}}}:log" in names
        assert not [key for key in direct.scan_iter("*") if KEY.encode() in key]
        for key in names:
            assert 0 < direct.pttl(key) <= (61.05 + 10) * 1000 + 1000
    finally:
        direct.close()


def test_the_blocking_client_shares_the_budget(redis_server: RedisServer) -> None:
    """qlara.Qlara takes a SharedRateLimit by URL and books on its own loop."""
    limit = qlara.RateLimit(per_second=3, per_minute=1000)
    sim = qlara.testing.Simulator(rate_limit=limit)
    with qlara.Qlara(
        api_key=KEY, transport=sim.transport(), rate_limit=shared(redis_server.url, limit)
    ) as client:
        for number in range(4):
            client.sms.send(destination=DESTINATION, body=f"Hi {number}", sender="Shop")
    assert rejected(sim) == 0
    times = arrivals(sim)
    assert times[3] - times[0] >= 1.0


def test_trio_is_refused_clearly() -> None:
    """Under trio the shared limit raises a ConfigurationError saying why, before sending."""
    sim = qlara.testing.Simulator()

    async def main() -> None:
        limit = qlara.redis.SharedRateLimit("redis://127.0.0.1:1/0")
        async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=limit) as c:
            await send(c)

    with pytest.raises(qlara.ConfigurationError, match="asyncio"):
        anyio.run(main, backend="trio")
    assert sim.requests_seen == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"redis": 42}, "redis"),
        ({"redis": "http://example.com"}, "redis"),
        ({"redis": "redis://localhost:abc/0"}, "redis"),
        ({"redis": "redis://:secret@localhost:99999/0"}, "redis"),
        ({"limit": 50}, "limit"),
        ({"name": "a b"}, "name"),
        ({"name": "{x}"}, "name"),
        ({"name": ""}, "name"),
        ({"fallback_share": 0}, "fallback_share"),
        ({"fallback_share": 1.5}, "fallback_share"),
        ({"timeout": 0}, "timeout"),
        ({"lease": math.inf}, "lease"),
    ],
)
def test_bad_options_name_the_argument(options: dict[str, Any], field: str) -> None:
    """Every bad option raises ValidationError naming it."""
    arguments: dict[str, Any] = {"redis": "redis://localhost/0", **options}
    with pytest.raises(qlara.ValidationError) as caught:
        qlara.redis.SharedRateLimit(**arguments)
    assert caught.value.field == field
    assert "secret" not in str(caught.value)


async def test_repr_shows_neither_url_nor_key() -> None:
    """The repr leaves out the URL (a password) and the name derived from the key."""
    limit = qlara.redis.SharedRateLimit("redis://:hunter2@localhost/0")
    async with qlara.AsyncQlara(api_key=KEY, rate_limit=limit) as client:
        text = repr(limit) + repr(client._http.limiter)
    assert "hunter2" not in text
    assert KEY not in text


def test_core_import_leaves_redis_out() -> None:
    """Importing qlara does not import redis-py; only qlara.redis does."""
    code = "import sys, qlara, qlara.testing; assert 'redis' not in sys.modules; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr
