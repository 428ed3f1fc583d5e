"""The client-side rate limiter, shared by every task of a client.

The platform counts requests per key: 50 in any second and 1,000 in any
minute on production, 10 and 100 on trial. It documents the budget, not the
algorithm (fixed windows, sliding windows and sliding logs all fit those
words), so the limiter enforces the strictest reading, a sliding log: no span
of one second may hold more than ``per_second`` requests, nor a span of sixty
seconds more than ``per_minute``. A schedule that passes a sliding log passes
every fixed-window or sliding-window counter with the same budget.

The platform counts *arrivals*, and we only know when a request left and
when its answer came back; the arrival lies between the two, and a request
delayed by a slow new connection can arrive after one sent later. So the log
keeps, per finished request, the time its answer came back (an upper bound of
its arrival) and counts requests still in flight as arriving at any moment. A
new request may start once the ``budget``-th latest of those bounds is a full
window (plus ``margin``) ago: then any ``budget + 1`` requests arrive at least
a window apart, whatever the network did. Measured on loopback, a log of send
times with a 50 ms margin still drew 429s from the simulator; this one draws
none, and costs one round trip per window.

The bookkeeping (``Schedule``) is pure: times in, times out, property-tested
on a fake clock with random latencies. ``RateLimiter`` adds waiting: an anyio
lock (first come, first served on asyncio and trio, so no task starves) held
by the one task sleeping until its slot, a pause that a 429 applies to every
task at once, and a cap taken from ``X-RateLimit-Remaining`` when the platform
counts more requests than we do (another process sharing the key).
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextvars
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from qlara._models.ratelimit import MAX_REQUESTS, RateLimit

__all__ = ["MAX_REQUESTS", "RateLimit", "RateLimiter", "Schedule"]


class Schedule:
    """Pure bookkeeping: when may the next request start?

    ``start(at)`` counts a request as in flight, ``finish(at)`` records that
    one of them has certainly arrived by ``at``. ``ends`` keeps the largest
    ``max(per_second, per_minute)`` of those bounds, sorted, so memory is fixed.
    Callers pass non-decreasing times (a monotonic clock).
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.windows = (
            (1.0 + limit.margin, limit.per_second),
            (60.0 + limit.margin, limit.per_minute),
        )
        self.keep = max(limit.per_second, limit.per_minute)
        self.ends: list[float] = []
        self.open = 0
        self.paused_until = -math.inf
        self.cap_until = -math.inf
        self.cap_left = 0

    def next_slot(self, now: float) -> float:
        """The earliest time, not before ``now``, at which a request may start.

        ``math.inf`` when requests in flight already fill a window's budget:
        the next one must wait for an answer.
        """
        slot = max(now, self.paused_until)
        ends = self.ends
        count = len(ends)
        for length, budget in self.windows:
            # The budget-th latest arrival bound, in-flight requests counting as latest.
            rank = budget - self.open
            if rank <= 0:
                return math.inf
            if count >= rank:
                slot = max(slot, ends[count - rank] + length)
        if self.cap_left <= 0 and slot < self.cap_until:
            slot = self.cap_until
        return slot

    def start(self, at: float) -> None:
        """Count a request as started at ``at`` (which ``next_slot`` allowed)."""
        self.open += 1
        if at < self.cap_until:
            self.cap_left -= 1

    def finish(self, at: float) -> None:
        """A started request has arrived (or failed) by ``at``."""
        self.open = max(0, self.open - 1)
        ends = self.ends
        if not ends or at >= ends[-1]:
            ends.append(at)
        else:
            bisect.insort(ends, at)
        if len(ends) > self.keep + 256:  # trim in batches: one memmove per 256 requests
            del ends[: len(ends) - self.keep]

    def pause(self, now: float, seconds: float) -> None:
        self.paused_until = max(self.paused_until, now + seconds)

    def remaining(self, now: float) -> int:
        """How many more requests our own log allows right now, over both windows."""
        ends = self.ends
        return min(
            budget - self.open - (len(ends) - bisect.bisect_right(ends, now - length))
            for length, budget in self.windows
        )

    def observe_remaining(self, now: float, remaining: int) -> None:
        """Fold in the platform's count of what is left.

        Normally the platform counts no more than we do, and the log alone
        keeps us within budget. When it reports fewer left than our log
        allows, someone else is spending this key's budget, so for one short
        window we allow only what the platform says is left; at zero that
        holds every request until the window has passed.
        """
        if remaining >= self.limit.per_second or remaining >= self.remaining(now):
            return
        remaining = max(0, remaining)
        if now < self.cap_until:
            self.cap_left = min(self.cap_left, remaining)
        else:
            self.cap_left = remaining
        self.cap_until = now + 1.0 + self.limit.margin


class _Flight:
    """One request admitted by the limiter and not yet known to have arrived."""

    __slots__ = ("done", "limiter", "started")

    def __init__(self, limiter: RateLimiter, started: float) -> None:
        self.limiter = limiter
        self.started = started
        self.done = False


_PREPAID: contextvars.ContextVar[RateLimiter | None] = contextvars.ContextVar(
    "qlara_prepaid_request", default=None
)
_FLIGHT: contextvars.ContextVar[_Flight | None] = contextvars.ContextVar(
    "qlara_request_in_flight", default=None
)

STALE = 30.0
"""Seconds after which a request nobody reported on is assumed to have arrived.

A task reports its request's end through ``observe`` (an answer), its next
``acquire`` (a retry, after a failure) or ``finished``. One whose task raised
and ended would otherwise hold a budget slot forever. Short, because a burst
of failures must not starve the client for long; a request that reaches the
platform more than 30 s after it was admitted is rare, and its worst effect
is a 429, which is retried.
"""
ANSWER_POLL = 0.005


def event_loop_time() -> float:
    """``anyio.current_time()`` at a tenth of its cost on asyncio (it asks sniffio each time).

    The limiter reads the clock two or three times per request.
    """
    loop = asyncio._get_running_loop()
    return loop.time() if loop is not None else anyio.current_time()


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


class RateLimiter:
    """Admits requests within a ``RateLimit``; ``None`` admits everything.

    One instance belongs to a client and every ``with_options`` copy of it, so
    all their tasks draw on one budget. Waiters are served first come, first
    served, so no task starves.

    Args:
        limit: the budget, or ``None`` to admit every request at once (a 429
            still pauses everyone).
        clock: seconds on a monotonic clock; defaults to the event loop's.
        sleep: how to wait; defaults to ``anyio.sleep``. Tests inject both.
    """

    def __init__(
        self,
        limit: RateLimit | None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.limit = limit
        self._clock = clock or event_loop_time
        self._sleep = sleep or anyio.sleep
        self._schedule = Schedule(limit) if limit is not None else None
        self._flights: collections.deque[_Flight] = collections.deque()
        self._paused_until = -math.inf
        self._lock: anyio.Lock | None = None
        self._queued = 0

    def _slot(self, now: float) -> float:
        schedule = self._schedule
        if schedule is None:
            return max(now, self._paused_until)
        return schedule.next_slot(now)

    def next_start(self) -> float:
        """The earliest time (on the limiter's clock) a new request could start."""
        return self._slot(self._clock())

    def _land(self, now: float) -> None:
        """This task's request (if any) has arrived by ``now``; drop stale flights."""
        schedule = self._schedule
        assert schedule is not None
        flight = _FLIGHT.get()
        if flight is not None and not flight.done and flight.limiter is self:
            flight.done = True
            schedule.finish(now)
        flights = self._flights
        while flights and (flights[0].done or flights[0].started <= now - STALE):
            oldest = flights.popleft()
            if not oldest.done:
                oldest.done = True
                schedule.finish(oldest.started + STALE)

    def _admit(self, now: float) -> None:
        assert self._schedule is not None
        self._schedule.start(now)
        flight = _Flight(self, now)
        self._flights.append(flight)
        _FLIGHT.set(flight)

    async def acquire(self) -> None:
        """Wait until a request may start, then count it as in flight.

        A task's previous request, if it was not reported yet, counts as
        arrived by now: it ended before the task could ask again.
        """
        if _PREPAID.get() is self:
            _PREPAID.set(None)
            return
        schedule = self._schedule
        if schedule is None:
            if self._paused_until == -math.inf:
                return
        else:
            now = self._clock()
            self._land(now)
            if not self._queued and schedule.next_slot(now) <= now:
                # Nobody is waiting: take a free slot without touching the lock.
                self._admit(now)
                return
        if self._lock is None:
            self._lock = anyio.Lock()
        self._queued += 1
        try:
            async with self._lock:
                while True:
                    now = self._clock()
                    if schedule is not None:
                        self._land(now)
                    slot = self._slot(now)
                    if slot <= now:
                        break
                    # An infinite slot waits for answers, which arrive without us.
                    await self._sleep(slot - now if slot < math.inf else ANSWER_POLL)
                if schedule is not None:
                    self._admit(now)
        finally:
            self._queued -= 1

    def finished(self) -> None:
        """Report that this task's request ended (answered or failed). Idempotent."""
        if self._schedule is not None:
            self._land(self._clock())

    async def reserve(self) -> contextvars.Token[RateLimiter | None]:
        """Acquire now for a request this task is about to make.

        The next ``acquire`` in the same task returns at once. ``send_many``
        uses this to journal a message only once it is really about to go out,
        not while it waits for its turn. Hand the token to ``release``.
        """
        await self.acquire()
        return _PREPAID.set(self)

    @staticmethod
    def release(token: contextvars.Token[RateLimiter | None]) -> None:
        """Forget a reservation, used or not (the slot stays counted)."""
        _PREPAID.reset(token)

    def admit_now(self) -> None:
        """Count a request admitted elsewhere (a shared budget) as starting now.

        The shared limiter keeps its local fallback's log current this way, so
        that falling back starts from this process's own recent history.
        """
        if self._schedule is not None:
            now = self._clock()
            self._land(now)
            self._admit(now)

    def count_elsewhere(self, count: int, at: float) -> None:
        """Count ``count`` requests sent by others as having arrived by ``at``."""
        if self._schedule is not None:
            for _ in range(count):
                bisect.insort(self._schedule.ends, at)

    def recent(self, now: float, window: float) -> list[float]:
        """Ages (seconds before ``now``) of the requests of the last ``window``, in flight as 0."""
        schedule = self._schedule
        if schedule is None:
            return []
        ages = [max(0.0, now - end) for end in schedule.ends if end > now - window]
        return ages + [0.0] * schedule.open

    async def aclose(self) -> None:
        """Called when the client closes; a local limiter holds nothing to release."""

    def pause(self, seconds: float) -> None:
        """Hold every request of the client for ``seconds`` (after a 429)."""
        until = self._clock() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._schedule is not None:
            self._schedule.paused_until = self._paused_until

    def observe(self, headers: Any) -> None:
        """Note a response: its request has arrived; read ``X-RateLimit-Remaining``.

        When the platform counts fewer requests left than our own log does,
        the next requests are capped to what it says is left (see
        ``Schedule.observe_remaining``); with no budget configured, a zero
        waits out the shortest window.
        """
        schedule = self._schedule
        if schedule is not None:
            now = self._clock()
            self._land(now)  # the answer is here, so the request has arrived
        remaining = _header_int(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        if schedule is not None:
            schedule.observe_remaining(now, remaining)
        elif remaining <= 0:
            self.pause(1.0)
