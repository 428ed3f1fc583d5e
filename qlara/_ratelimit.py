"""The client-side rate limiter, shared by every task of a client.

The platform counts requests per key: 50 in any second and 1,000 in any
minute on production, 10 and 100 on trial. The limiter keeps the start times of
recent requests and lets a request start only when both windows have room, so
the platform never has a reason to answer 429. It works on asyncio and trio.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from typing import Any

import anyio
import attrs

from qlara._errors import ValidationError

__all__ = ["RateLimit", "RateLimiter"]


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"must be a positive integer, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """The request budget of one API key.

    Attributes:
        per_second: most requests started in any one-second span.
        per_minute: most requests started in any sixty-second span.
        margin: seconds added to each window, because the platform sees arrival
            times, not send times, and network jitter can bunch requests up.
    """

    per_second: int = attrs.field(default=50, validator=_positive_int)
    per_minute: int = attrs.field(default=1000, validator=_positive_int)
    margin: float = 0.02

    @classmethod
    def production(cls) -> RateLimit:
        """The production plan: 50 requests/s in bursts, 1,000 per minute."""
        return cls(per_second=50, per_minute=1000)

    @classmethod
    def trial(cls) -> RateLimit:
        """The trial plan: 10 requests/s in bursts, 100 per minute."""
        return cls(per_second=10, per_minute=100)


class RateLimiter:
    """Admits requests within a ``RateLimit``; ``None`` admits everything.

    One instance belongs to a client and every ``with_options`` copy of it, so
    all their tasks draw on one budget. Waiters are served first come, first
    served (the lock is fair), so no task starves.
    """

    def __init__(self, limit: RateLimit | None, clock: Callable[[], float] | None = None) -> None:
        self.limit = limit
        self._clock = clock or anyio.current_time
        self._starts: collections.deque[float] = collections.deque()
        self._paused_until = -math.inf
        self._lock: anyio.Lock | None = None

    def _next_slot(self, now: float) -> float:
        """The earliest time a new request may start, given the recent starts."""
        earliest = max(now, self._paused_until)
        limit = self.limit
        if limit is None:
            return earliest
        starts = self._starts
        while starts and starts[0] <= now - 60.0 - limit.margin:
            starts.popleft()
        if len(starts) >= limit.per_minute:
            earliest = max(earliest, starts[-limit.per_minute] + 60.0 + limit.margin)
        if len(starts) >= limit.per_second:
            earliest = max(earliest, starts[-limit.per_second] + 1.0 + limit.margin)
        return earliest

    async def acquire(self) -> None:
        """Wait until a request may start, then count it as started."""
        if self.limit is None and self._paused_until == -math.inf:
            return
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                slot = self._next_slot(now)
                if slot <= now:
                    break
                await anyio.sleep(slot - now)
            if self.limit is not None:
                self._starts.append(now)

    def pause(self, seconds: float) -> None:
        """Hold every request of the client for ``seconds`` (after a 429)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Any) -> None:
        """Read the platform's ``X-RateLimit-Remaining``: at zero, wait out the second."""
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip() == "0":
            self.pause(1.0)
