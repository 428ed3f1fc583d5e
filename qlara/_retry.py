"""What is safe to retry, how long to wait, and how to read ``Retry-After``.

Pure functions over data, no I/O, so every rule is property-tested. The rules
(design §4) put duplicates first: a send is retried only when nothing can have
reached the platform. Anything that may have landed is *ambiguous*: an
idempotent request (GET, PUT, DELETE) may repeat it, a POST may not unless the
caller opted into at-least-once with ``retry_ambiguous_sends=True``.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

from qlara._errors import ValidationError
from qlara._models._validate import show

__all__ = [
    "Action",
    "Decision",
    "RetryPolicy",
    "Safety",
    "classify_status",
    "decide",
    "parse_retry_after",
]


class Safety(enum.Enum):
    """How a failed attempt bears on retrying it."""

    SAFE = "safe"
    """Nothing reached the platform (no connection, pool timeout, 408, 429, 503)."""
    AMBIGUOUS = "ambiguous"
    """The request may have been processed (read timeout, dropped, 500/502/504)."""
    FINAL = "final"
    """Retrying cannot help (400, 401, 403, 404, 409, ...)."""


SAFE_STATUSES = frozenset({408, 429, 503})
AMBIGUOUS_STATUSES = frozenset({500, 502, 504})


def classify_status(status_code: int) -> Safety:
    if status_code in SAFE_STATUSES:
        return Safety.SAFE
    if status_code in AMBIGUOUS_STATUSES:
        return Safety.AMBIGUOUS
    return Safety.FINAL


def _finite(value: float) -> bool:
    """``value >= 0`` and finite as a float (an int too big for a float is not)."""
    try:
        seconds = float(value)
    except OverflowError:
        return False
    return math.isfinite(seconds) and seconds >= 0


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        raise ValidationError(
            attribute.name, f"must be a finite number of seconds >= 0, got {show(value)}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How the client retries, beyond how many times (that is ``max_retries``).

    Attributes:
        initial_backoff: the first wait, in seconds; doubles on each retry.
        max_backoff: the longest wait between attempts.
        max_retry_after: the longest ``Retry-After`` the client will sleep
            through; a longer one raises ``RateLimitError`` at once so a job
            queue can reschedule instead of holding a worker.
        retry_ambiguous_sends: retry sends whose outcome is unknown (read
            timeout, 500/502/504), accepting that a message may arrive twice.
    """

    initial_backoff: float = attrs.field(default=0.5, validator=_non_negative)
    max_backoff: float = attrs.field(default=8.0, validator=_non_negative)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)
    retry_ambiguous_sends: bool = False

    def __attrs_post_init__(self) -> None:
        if self.max_backoff < self.initial_backoff:
            raise ValidationError("max_backoff", "must be at least initial_backoff")

    def backoff(self, retry_number: int, jitter: float) -> float:
        """The wait before retry ``retry_number`` (0-based), ``jitter`` in [0, 1).

        The step doubles from ``initial_backoff`` to ``max_backoff``; jitter
        spreads each wait over the upper half of the gap to the next step (below
        the cap once it is reached), so tasks that failed together retry apart.
        """
        step = min(self.max_backoff, self.initial_backoff * 2.0 ** min(retry_number, 62))
        if step < self.max_backoff:
            wait = step + (min(self.max_backoff, 2 * step) - step) * jitter / 2
        else:
            wait = step - step / 4 * jitter
        return min(self.max_backoff, max(self.initial_backoff, wait))


class Action(enum.Enum):
    RETRY = "retry"
    FAIL = "fail"
    """Raise the failure as it is."""
    FAIL_UNKNOWN = "fail_unknown"
    """Raise ``OutcomeUnknownError``: the request may have landed."""


@attrs.frozen
class Decision:
    action: Action
    delay: float = 0.0


def decide(
    safety: Safety,
    *,
    idempotent: bool,
    retries_done: int,
    max_retries: int,
    policy: RetryPolicy,
    retry_after: float | None = None,
    jitter: float = 0.5,
) -> Decision:
    """Decide what follows a failed attempt.

    Args:
        safety: how the failure bears on retrying (``classify_status`` or the
            connection error's kind).
        idempotent: whether repeating the request is harmless (GET, PUT, DELETE).
        retries_done: how many retries already happened (0 after the first attempt).
        max_retries: the retry budget shared by every cause.
        policy: backoff bounds and opt-ins.
        retry_after: the wait the platform asked for, if any.
        jitter: a random number in [0, 1).
    """
    unknown = safety is Safety.AMBIGUOUS and not idempotent
    give_up = Decision(Action.FAIL_UNKNOWN if unknown else Action.FAIL)
    if safety is Safety.FINAL:
        return give_up
    if unknown and not policy.retry_ambiguous_sends:
        return give_up
    if retry_after is not None and retry_after > policy.max_retry_after:
        return Decision(Action.FAIL)
    if retries_done >= max_retries:
        return give_up
    delay = retry_after if retry_after is not None else policy.backoff(retries_done, jitter)
    return Decision(Action.RETRY, delay)


def parse_retry_after(
    header: str | None, body_value: Any, now: datetime | None = None
) -> float | None:
    """Seconds to wait, from the body's ``retryAfter`` or the ``Retry-After`` header.

    The body field is what the platform documents; the header is standard HTTP
    and may be seconds or an HTTP date. Garbage in either is ignored (``None``),
    never an error: a bad hint must not turn a retryable 429 into a crash.
    """
    is_number = isinstance(body_value, (int, float)) and not isinstance(body_value, bool)
    if is_number and math.isfinite(body_value) and body_value >= 0:
        return float(body_value)
    if isinstance(body_value, str):
        seconds = _seconds(body_value)
        if seconds is not None:
            return seconds
    if header is None:
        return None
    seconds = _seconds(header)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(header.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())


def _seconds(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
