"""The rate limiter: strict in every window, fair, paused by 429s, shared by a client."""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qlara
from qlara._ratelimit import STALE, RateLimiter, Schedule
from tests.conftest import DESTINATION, accepted


class FakeClock:
    """A clock that moves only when the limiter sleeps (one sleeper at a time: the lock holder)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


def most_in_any_window(starts: Sequence[float], window: float, margin: float = 0.0) -> int:
    """The largest number of starts in any span of ``window`` seconds.

    Spans are half-open, ``[t, t + window)``; with a margin they are closed and
    ``margin`` longer minus a hair, the stronger property the margin buys.
    """
    ordered = sorted(starts)
    if margin > 0:
        ends = [bisect.bisect_right(ordered, t + window + margin * 0.999) for t in ordered]
    else:
        ends = [bisect.bisect_left(ordered, t + window) for t in ordered]
    return max((end - i for i, end in enumerate(ends)), default=0)


limits = st.builds(
    qlara.RateLimit,
    per_second=st.integers(1, 8),
    per_minute=st.integers(1, 40),
    margin=st.sampled_from([0.0, 0.01, 0.05]),
)
requests = st.lists(
    st.tuples(
        st.floats(0, 3, allow_nan=False),  # wait before asking
        st.floats(0, 2, allow_nan=False),  # latency until the answer
        st.floats(0, 1, allow_nan=False),  # where between send and answer it arrives
    ),
    max_size=120,
)
hints = st.lists(
    st.tuples(st.sampled_from(["pause", "remaining"]), st.floats(0, 5, allow_nan=False)),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(limit=limits, script=requests, events=hints)
def test_schedule_never_exceeds_either_window(
    limit: qlara.RateLimit, script: list[tuple[float, float, float]], events: list[Any]
) -> None:
    """Whatever the arrivals, latencies and hints, no window of arrivals exceeds its budget."""
    schedule = Schedule(limit)
    now = 0.0
    answers: list[float] = []  # answer times of requests in flight
    arrivals: list[float] = []
    for number, (wait, latency, where) in enumerate(script):
        if events and number % 12 == 0:
            kind, value = events.pop()
            if kind == "pause":
                schedule.pause(now, value)
            else:
                schedule.observe_remaining(now, int(value) - 1)
        now += wait
        while True:
            for answer in [a for a in answers if a <= now]:
                answers.remove(answer)
                schedule.finish(answer)
            slot = schedule.next_slot(now)
            assert slot >= now
            if slot <= now:
                break
            # Liveness: the wait ends at the slot or at the next answer.
            now = min([slot, *answers])
        schedule.start(now)
        answers.append(now + latency)
        arrivals.append(now + where * latency)
    assert most_in_any_window(arrivals, 1.0, limit.margin) <= limit.per_second
    assert most_in_any_window(arrivals, 60.0, limit.margin) <= limit.per_minute


def test_schedule_keeps_the_sustained_rate() -> None:
    """Back-to-back requests run at the budget: 3,000 at 50/s and 1,000/min take 140 s."""
    schedule = Schedule(qlara.RateLimit.production())
    now = 0.0
    for _ in range(3000):
        now = schedule.next_slot(now)
        schedule.start(now)
        schedule.finish(now + 0.001)
    # The first 1,000 go in 20 bursts of 50; the last thousand start after two minutes.
    assert 120.0 + 19 * 1.05 <= now <= 120.0 + 19 * 1.05 + 0.2


def test_requests_in_flight_hold_the_budget() -> None:
    """With a window's budget in flight, the next request waits for an answer."""
    schedule = Schedule(qlara.RateLimit(per_second=2, per_minute=100))
    schedule.start(0.0)
    schedule.start(0.0)
    assert schedule.next_slot(0.5) == float("inf")
    schedule.finish(0.7)  # a late answer: it may have arrived as late as 0.7
    assert schedule.next_slot(0.8) == pytest.approx(1.75)


@settings(max_examples=30, deadline=None)
@given(
    limit=limits,
    tasks=st.integers(1, 12),
    each=st.integers(1, 8),
)
def test_limiter_never_exceeds_the_budget_across_tasks(
    limit: qlara.RateLimit, tasks: int, each: int
) -> None:
    """Many tasks sharing one limiter on a fake clock stay within both windows."""
    clock = FakeClock()
    limiter = RateLimiter(limit, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(each):
            await limiter.acquire()
            starts.append(clock.now)
            await anyio.lowlevel.checkpoint()
            limiter.observe(httpx.Headers())

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(tasks):
                group.start_soon(worker)

    anyio.run(main)
    assert len(starts) == tasks * each
    assert most_in_any_window(starts, 1.0, limit.margin) <= limit.per_second
    assert most_in_any_window(starts, 60.0, limit.margin) <= limit.per_minute


async def test_waiters_are_served_first_come_first_served() -> None:
    """Tasks queued on a full limiter are admitted in the order they arrived."""
    clock = FakeClock()
    limiter = RateLimiter(
        qlara.RateLimit(per_second=1, per_minute=100), clock=clock, sleep=clock.sleep
    )
    await limiter.acquire()
    limiter.finished()
    order: list[int] = []

    async def waiter(number: int) -> None:
        await limiter.acquire()
        limiter.finished()
        order.append(number)

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(waiter, number)
            await anyio.lowlevel.checkpoint()
    assert order == list(range(6))
    assert clock.now == pytest.approx(6 * 1.05)


async def test_pause_holds_every_task() -> None:
    """After a 429 pause nobody starts before it ends, even with budget left."""
    clock = FakeClock()
    limiter = RateLimiter(qlara.RateLimit.production(), clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    limiter.pause(7.5)
    await limiter.acquire()
    assert clock.now == pytest.approx(7.5)


async def test_pause_applies_without_a_budget() -> None:
    """A client with rate_limit=None still honours a 429's pause."""
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        await limiter.acquire()
    assert clock.now == 0.0
    limiter.pause(2.0)
    await limiter.acquire()
    assert clock.now == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("headers", "held"),
    [
        ({"X-RateLimit-Remaining": "0"}, True),
        ({"x-ratelimit-remaining": " 0 "}, True),
        ({"X-RateLimit-Remaining": "-3"}, True),
        ({"X-RateLimit-Remaining": "40"}, False),
        ({"X-RateLimit-Remaining": "soon"}, False),
        ({}, False),
    ],
)
async def test_platform_remaining_near_zero_slows_down(headers: dict[str, str], held: bool) -> None:
    """When the platform says the key's budget is spent, the next request waits out the window."""
    clock = FakeClock()
    limiter = RateLimiter(qlara.RateLimit.production(), clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    limiter.observe(httpx.Headers(headers))
    await limiter.acquire()
    assert (clock.now >= 1.0) is held


async def test_platform_remaining_caps_the_next_requests() -> None:
    """With 3 left by the platform's count, only 3 more start before the window passes."""
    clock = FakeClock()
    limiter = RateLimiter(qlara.RateLimit.production(), clock=clock, sleep=clock.sleep)
    limiter.observe(httpx.Headers({"X-RateLimit-Remaining": "3"}))
    for _ in range(3):
        await limiter.acquire()
    assert clock.now == 0.0
    await limiter.acquire()
    assert clock.now == pytest.approx(1.05)


async def test_own_usage_does_not_trigger_the_cap() -> None:
    """A low remaining that only reflects our own requests costs nothing extra."""
    clock = FakeClock()
    limiter = RateLimiter(
        qlara.RateLimit(per_second=5, per_minute=100), clock=clock, sleep=clock.sleep
    )
    for left in range(4, -1, -1):
        await limiter.acquire()
        limiter.observe(httpx.Headers({"X-RateLimit-Remaining": str(left)}))
    await limiter.acquire()
    assert clock.now == pytest.approx(1.05)


async def test_unreported_requests_are_released_after_a_while() -> None:
    """A request whose task never reports back stops holding the budget after STALE seconds."""
    clock = FakeClock()
    limiter = RateLimiter(
        qlara.RateLimit(per_second=1, per_minute=100), clock=clock, sleep=clock.sleep
    )

    async def vanish() -> None:
        await limiter.acquire()  # and never report: the task raised, say

    async with anyio.create_task_group() as group:
        group.start_soon(vanish)
    await limiter.acquire()
    assert clock.now == pytest.approx(STALE + 1.05, abs=0.01)


async def test_reservation_makes_the_next_acquire_free() -> None:
    """A reserved slot is used by the task's next acquire, and only by that one."""
    clock = FakeClock()
    limiter = RateLimiter(
        qlara.RateLimit(per_second=2, per_minute=100), clock=clock, sleep=clock.sleep
    )
    token = await limiter.reserve()
    await limiter.acquire()  # the reserved one
    await limiter.acquire()  # the second of the budget
    RateLimiter.release(token)
    assert clock.now == 0.0
    await limiter.acquire()
    assert clock.now == pytest.approx(1.05)


@pytest.mark.parametrize(
    "options",
    [
        {"per_second": 0},
        {"per_minute": -1},
        {"per_second": True},
        {"margin": 2.0},
        {"margin": -0.1},
    ],
)
def test_bad_limits_are_rejected(options: dict[str, Any]) -> None:
    """A budget that cannot work is a ValidationError naming the field."""
    with pytest.raises(qlara.ValidationError, match=next(iter(options))):
        qlara.RateLimit(**options)


def test_plans() -> None:
    """The documented plans: production 50/s and 1,000/min, trial 10/s and 100/min."""
    assert (qlara.RateLimit.production().per_second, qlara.RateLimit.production().per_minute) == (
        50,
        1000,
    )
    assert (qlara.RateLimit.trial().per_second, qlara.RateLimit.trial().per_minute) == (10, 100)


async def test_copies_share_one_limiter(make_client: Callable[..., qlara.AsyncQlara]) -> None:
    """with_options copies draw on the same budget as the original client."""
    client = make_client(accepted(), rate_limit=qlara.RateLimit.trial())
    copy = client.with_options(timeout=5)
    assert copy._http.limiter is client._http.limiter


async def test_a_429_pauses_other_tasks(make_client: Callable[..., qlara.AsyncQlara]) -> None:
    """One task's 429 holds every other task of the client for the advised time."""
    answered: list[tuple[str, float]] = []
    first = True

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal first
        body = json.loads(request.content)
        answered.append((body["body"], anyio.current_time()))
        if first:
            first = False
            return httpx.Response(429, json={"status": 429, "retryAfter": 0.02})
        return accepted()(request)

    client = make_client(handler)
    began = anyio.current_time()

    async def send(text: str) -> None:
        await client.sms.send(destination=DESTINATION, body=text, sender="Shop")

    limiter = client._http.limiter
    assert isinstance(limiter, RateLimiter)
    async with anyio.create_task_group() as group:
        group.start_soon(send, "first")
        while limiter.next_start() <= anyio.current_time():  # until the 429 paused it
            await anyio.lowlevel.checkpoint()
        group.start_soon(send, "second")
    later = [at for text, at in answered[1:]]
    assert len(answered) == 3
    assert all(at - began >= 0.019 for at in later)
