"""The shared limit's Lua maths, run by a real Redis on a fake clock: strict, paused, capped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qlara
from qlara._shared_lua import BOOK, FINISH, PAUSE, Script, keys
from tests.redis_server import RedisServer
from tests.test_ratelimit import limits, most_in_any_window

LEASE = 10.0
START = 1000.0


@pytest.fixture(scope="module")
def direct(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


class Budget:
    """One budget's keys, driven through the scripts with an explicit clock."""

    def __init__(self, client: redis.Redis, limit: qlara.RateLimit) -> None:
        self.client = client
        self.limit = limit
        self.flight, self.log, self.pause_key, self.cap = keys(uuid.uuid4().hex)

    def run(self, script: Script, keys: tuple[str, ...], *args: Any) -> Any:
        try:
            return self.client.evalsha(script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return self.client.eval(script.source, len(keys), *keys, *args)

    def book(self, now: float, booking: str) -> float | None:
        """The start Redis reserved, or ``None`` when requests in flight fill a window."""
        limit = self.limit
        reply = self.run(
            BOOK,
            (self.flight, self.log, self.pause_key, self.cap),
            now,
            booking,
            limit.per_second,
            limit.per_minute,
            limit.margin,
            LEASE,
        )
        if reply[0] == b"full":
            return None
        assert float(reply[1]) == pytest.approx(now)
        return float(reply[2])

    def finish(self, now: float, booking: str, remaining: int | str = "") -> None:
        limit = self.limit
        self.run(
            FINISH,
            (self.flight, self.log, self.cap),
            now,
            booking,
            remaining,
            limit.per_second,
            limit.per_minute,
            limit.margin,
            LEASE,
        )

    def pause(self, now: float, seconds: float) -> None:
        self.run(PAUSE, (self.pause_key,), now, seconds)


requests = st.lists(
    st.tuples(
        st.floats(0, 1.5, allow_nan=False),  # wait before asking
        st.floats(0, 2, allow_nan=False),  # latency until the answer
        st.floats(0, 1, allow_nan=False),  # where between start and answer it arrives
        st.booleans(),  # its process crashes before reporting
    ),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=limits, script=requests)
def test_bookings_never_exceed_either_window(
    direct: redis.Redis, limit: qlara.RateLimit, script: list[tuple[float, float, float, bool]]
) -> None:
    """No window of arrivals exceeds its budget, and bookings start in the order they came."""
    budget = Budget(direct, limit)
    now = START
    answers: dict[str, float] = {}  # bookings in flight whose answer will come
    crashed: list[float] = []  # lease ends of bookings nobody will report
    arrivals: list[float] = []
    starts: list[float] = []
    for number, (wait, raw_latency, where, crash) in enumerate(script):
        now = round(now + wait, 6)  # Redis's clock, like TIME, counts microseconds
        latency = round(raw_latency, 6)
        booking = f"b{number}"
        while True:
            for done, at in sorted(answers.items(), key=lambda item: item[1]):
                if at <= now:
                    budget.finish(at, done)
                    del answers[done]
            start = budget.book(now, booking)
            if start is not None:
                break
            # Liveness: the budget frees up at the next answer or the next lease's end.
            pending = [*answers.values(), *(end for end in crashed if end > now)]
            assert pending, "the budget is full with nothing in flight"
            now = min(pending)
        assert start >= now
        starts.append(start)
        if crash:
            crashed.append(round(start + LEASE, 6))
            arrivals.append(start + where * min(latency, LEASE))
        else:
            answers[booking] = round(start + latency, 6)
            arrivals.append(start + where * latency)
    if not any(crash for *_, crash in script):
        # First come, first served, whoever books: starts follow the order of booking.
        assert starts == sorted(starts)
    # In whole microseconds, Redis's resolution: a start exactly a window after an
    # arrival is allowed, and float sums must not blur that boundary.
    micros = [round(at * 1e6) for at in arrivals]
    margin = limit.margin * 1e6
    assert most_in_any_window(micros, 1e6, margin) <= limit.per_second
    assert most_in_any_window(micros, 60e6, margin) <= limit.per_minute


def test_a_pause_holds_every_booking(direct: redis.Redis) -> None:
    """After a 429's pause, the next start is the pause's end, whoever books."""
    budget = Budget(direct, qlara.RateLimit(per_second=5, per_minute=100))
    budget.pause(START, 2.5)
    budget.pause(START, 1.0)  # a shorter pause does not shorten the first
    assert budget.book(START + 0.1, "a") == pytest.approx(START + 2.5)
    assert 0 < direct.pttl(budget.pause_key) <= 2500


def test_a_low_remaining_caps_the_next_window(direct: redis.Redis) -> None:
    """A remaining of 1 lets one more request through this window; the next waits it out."""
    budget = Budget(direct, qlara.RateLimit(per_second=5, per_minute=100))
    assert budget.book(START, "a") == START
    budget.finish(START + 0.1, "a", remaining=1)
    assert budget.book(START + 0.2, "b") == pytest.approx(START + 0.2)
    assert budget.book(START + 0.3, "c") == pytest.approx(START + 0.1 + 1.05)


def test_a_plentiful_remaining_changes_nothing(direct: redis.Redis) -> None:
    """A remaining at or above the per-second budget is no news: no cap is set."""
    budget = Budget(direct, qlara.RateLimit(per_second=5, per_minute=100))
    assert budget.book(START, "a") == START
    budget.finish(START + 0.1, "a", remaining=5)
    assert not direct.exists(budget.cap)


def test_a_crashed_members_lease_runs_out(direct: redis.Redis) -> None:
    """Requests nobody reports on hold the budget until their lease ends, then count as arrived."""
    budget = Budget(direct, qlara.RateLimit(per_second=2, per_minute=100))
    assert budget.book(START, "a") == START
    assert budget.book(START, "b") == START
    assert budget.book(START + 5, "c") is None  # both still in flight
    # At the lease's end both count as arrived then, so a window later there is room.
    assert budget.book(START + LEASE, "c") == pytest.approx(START + LEASE + 1.05)


def test_keys_expire_when_idle(direct: redis.Redis) -> None:
    """Every key a booking writes expires about a minute plus a lease after the last use."""
    budget = Budget(direct, qlara.RateLimit(per_second=2, per_minute=100))
    budget.book(START, "a")
    budget.finish(START + 0.1, "a")
    budget.book(START + 0.2, "b")
    for key in (budget.flight, budget.log):
        assert 60_000 < direct.pttl(key) <= (61 + 0.05 + LEASE + 1) * 1000


def test_an_answer_after_the_lease_moves_the_arrival_bound_later(direct: redis.Redis) -> None:
    """A request answered after its lease ran out counts as arriving by its answer, not before."""
    budget = Budget(direct, qlara.RateLimit(per_second=1, per_minute=100))
    assert budget.book(START, "a") == START
    # Booking b settles a's lease: a counts as arrived at START + LEASE, so b waits a window.
    assert budget.book(START + LEASE + 0.5, "b") == pytest.approx(START + LEASE + 1.05)
    budget.finish(START + LEASE + 1.1, "b")
    budget.finish(START + LEASE + 2, "a")  # a was alive after all: its answer comes now
    # a may have arrived as late as its answer: the next start is a window after that.
    assert budget.book(START + LEASE + 2.1, "c") == pytest.approx(START + LEASE + 2 + 1.05)
