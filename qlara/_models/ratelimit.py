"""``RateLimit``: the request budget of one API key, as a value.

A model, not the limiter: the simulator enforces the same budgets, and must
not import the client's limiter to know what one is.
"""

from __future__ import annotations

from typing import Any

import attrs

from qlara._errors import ValidationError
from qlara._models._validate import show

__all__ = ["MAX_REQUESTS", "RateLimit"]


MAX_REQUESTS = 10**9
"""A bound on either budget far past any plan's (and small enough to print)."""


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REQUESTS:
        raise ValidationError(
            attribute.name, f"must be an integer from 1 to {MAX_REQUESTS:,}, got {show(value)}"
        )


def _margin(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    valid = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not valid or not 0 <= value <= 1:  # type: ignore[operator]
        raise ValidationError(attribute.name, f"must be between 0 and 1 second, got {show(value)}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """The request budget of one API key.

    Attributes:
        per_second: most requests arriving in any one-second span.
        per_minute: most requests arriving in any sixty-second span.
        margin: seconds added to each window, for what arrival bounds cannot
            see: the platform's clock and its counting point differ a little
            from ours. It costs 0.1 % of the sustained rate (60.05 s, not 60 s).
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
