"""The platform's rate limit, per key, on the simulator's clock.

Sliding windows: a request is admitted when fewer than ``per_second`` requests
of the same key started in the last second and fewer than ``per_minute`` in
the last minute. A refused request does not count.
"""

from __future__ import annotations

import collections
import math

import attrs

from qlara._models.ratelimit import RateLimit

__all__ = ["KeyLimiter", "Verdict"]


@attrs.frozen
class Verdict:
    """The outcome of one request against a key's budget.

    Attributes:
        admitted: the request may go on.
        limit: the per-minute budget (``X-RateLimit-Limit``).
        remaining: requests left in the current minute (``X-RateLimit-Remaining``).
        retry_after: whole seconds until a refused request would be admitted.
    """

    admitted: bool
    limit: int
    remaining: int
    retry_after: int = 0


class KeyLimiter:
    """Per-key windows of request start times."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._starts: dict[str, collections.deque[float]] = {}

    def check(self, key: str, now: float) -> Verdict:
        limit = self.limit
        starts = self._starts.setdefault(key, collections.deque())
        while starts and starts[0] <= now - 60.0:
            starts.popleft()
        wait = 0.0
        if len(starts) >= limit.per_minute:
            wait = max(wait, starts[-limit.per_minute] + 60.0 - now)
        if len(starts) >= limit.per_second:
            wait = max(wait, starts[-limit.per_second] + 1.0 - now)
        if wait > 0:
            remaining = max(0, limit.per_minute - len(starts))
            return Verdict(False, limit.per_minute, remaining, max(1, math.ceil(wait)))
        starts.append(now)
        return Verdict(True, limit.per_minute, limit.per_minute - len(starts))

    def reset(self) -> None:
        self._starts.clear()
