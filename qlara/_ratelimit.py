"""The client-side rate limiter, shared by every task of a client.

The platform counts requests per key: 50 in any second and 1,000 in any
minute on production, 10 and 100 on trial. It documents the budget, not the
algorithm (fixed windows, sliding windows and sliding logs all fit those
words), so the limiter enforces the strictest reading: a *sliding log* per
window, where no span of ``1 s + margin`` holds more than ``per_second``
starts and no span of ``60 s + margin`` more than ``per_minute``. A schedule
that passes a sliding log passes every fixed-window or sliding-window counter
with the same budget; the margin covers network jitter, because the platform
counts arrival times and we can only control send times.

The bookkeeping (``Schedule``) is pure: times in, times out, property-tested
on a fake clock. ``RateLimiter`` adds waiting: an anyio lock (first come, first
served on asyncio and trio, so no task starves) held by the one task sleeping
until its slot, a pause that a 429 applies to every task at once, and a cap
taken from ``X-RateLimit-Remaining`` when the platform counts more requests
than we do (another process sharing the key, or a clock of its own).
"""

from __future__ import annotations

import collections
import contextvars
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import attrs

from qlara._errors import ValidationError

__all__ = ["RateLimit", "RateLimiter", "Schedule"]


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"must be a positive integer, got {value!r}")


def _margin(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    valid = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not valid or not 0 <= value <= 1:  # type: ignore[operator]
        raise ValidationError(attribute.name, f"must be between 0 and 1 second, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """The request budget of one API key.

    Attributes:
        per_second: most requests started in any one-second span.
        per_minute: most requests started in any sixty-second span.
        margin: seconds added to each window, because the platform sees arrival
            times, not send times, and network jitter can bunch requests up.
            It costs 0.1 % of the sustained rate (60.05 s instead of 60 s).
    """

    per_second: int = attrs.field(default=50, validator=_positive_int)
    per_minute: int = attrs.field(default=1000, validator=_positive_int)
    margin: float = attrs.field(default=0.05, validator=_margin)

    @classmethod
    def production(cls) -> RateLimit:
        """The production plan: 50 requests/s in bursts, 1,000 per minute."""
        return cls(per_second=50, per_minute=1000)

    @classmethod
    def trial(cls) -> RateLimit:
        """The trial plan: 10 requests/s in bursts, 100 per minute."""
        return cls(per_second=10, per_minute=100)


class Schedule:
    """Pure bookkeeping of recent starts: when may the next request start?

    Each window keeps the times of its last ``budget`` starts (a bounded deque,
    so memory is fixed). A request may start at ``t`` when the oldest of those
    is at least one window length before ``t``; then any ``budget + 1``
    consecutive starts span at least the window, which is the invariant.
    Callers must pass non-decreasing times (a monotonic clock).
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.windows: tuple[tuple[float, collections.deque[float]], ...] = (
            (1.0 + limit.margin, collections.deque(maxlen=limit.per_second)),
            (60.0 + limit.margin, collections.deque(maxlen=limit.per_minute)),
        )
        self.paused_until = -math.inf
        self.cap_until = -math.inf
        self.cap_left = 0

    def next_slot(self, now: float) -> float:
        """The earliest time, not before ``now``, at which a request may start."""
        slot = max(now, self.paused_until)
        for length, starts in self.windows:
            if len(starts) == starts.maxlen:
                slot = max(slot, starts[0] + length)
        if self.cap_left <= 0 and slot < self.cap_until:
            slot = self.cap_until
        return slot

    def record(self, at: float) -> None:
        """Count a request as started at ``at`` (which ``next_slot`` allowed)."""
        for _, starts in self.windows:
            starts.append(at)
        if at < self.cap_until:
            self.cap_left -= 1

    def pause(self, now: float, seconds: float) -> None:
        self.paused_until = max(self.paused_until, now + seconds)

    def remaining(self, now: float) -> int:
        """How many more requests our own log allows right now, over both windows."""
        left = math.inf
        for length, starts in self.windows:
            assert starts.maxlen is not None
            recent = 0
            for started in reversed(starts):
                if started <= now - length:
                    break
                recent += 1
            left = min(left, starts.maxlen - recent)
        return int(left)

    def observe_remaining(self, now: float, remaining: int) -> None:
        """Fold in the platform's count of what is left.

        Normally the platform counts no more than we do (it sees a subset of
        our starts), and the log alone keeps us within budget. When it reports
        fewer left than our log allows, someone else is spending this key's
        budget, so for one short window we allow only what the platform says
        is left; at zero that holds every request until the window has passed.
        """
        if remaining >= self.limit.per_second or remaining >= self.remaining(now):
            return
        remaining = max(0, remaining)
        if now < self.cap_until:
            self.cap_left = min(self.cap_left, remaining)
        else:
            self.cap_left = remaining
        self.cap_until = now + 1.0 + self.limit.margin


_PREPAID: contextvars.ContextVar[RateLimiter | None] = contextvars.ContextVar(
    "qlara_prepaid_request", default=None
)


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
        self._clock = clock or anyio.current_time
        self._sleep = sleep or anyio.sleep
        self._schedule = Schedule(limit) if limit is not None else None
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

    async def acquire(self) -> None:
        """Wait until a request may start, then count it as started."""
        if _PREPAID.get() is self:
            _PREPAID.set(None)
            return
        schedule = self._schedule
        if schedule is None and self._paused_until == -math.inf:
            return
        if not self._queued:
            # Nobody is waiting: take a free slot without touching the lock.
            now = self._clock()
            if self._slot(now) <= now:
                if schedule is not None:
                    schedule.record(now)
                return
        if self._lock is None:
            self._lock = anyio.Lock()
        self._queued += 1
        try:
            async with self._lock:
                while True:
                    now = self._clock()
                    slot = self._slot(now)
                    if slot <= now:
                        break
                    await self._sleep(slot - now)
                if schedule is not None:
                    schedule.record(now)
        finally:
            self._queued -= 1

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

    def pause(self, seconds: float) -> None:
        """Hold every request of the client for ``seconds`` (after a 429)."""
        until = self._clock() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._schedule is not None:
            self._schedule.paused_until = self._paused_until

    def observe(self, headers: Any) -> None:
        """Read the platform's ``X-RateLimit-Remaining`` from a response.

        When the platform counts fewer requests left than our own log does,
        the next requests are capped to what it says is left (see
        ``Schedule.observe_remaining``); with no budget configured, a zero
        waits out the shortest window.
        """
        remaining = _header_int(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        if self._schedule is not None:
            self._schedule.observe_remaining(self._clock(), remaining)
        elif remaining <= 0:
            self.pause(1.0)
