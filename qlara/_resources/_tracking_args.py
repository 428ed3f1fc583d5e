"""Checking the arguments of the tracking calls, before anything is sent.

Pure functions, each raising ``ValidationError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timezone

from qlara._errors import ValidationError
from qlara._models.channel import Channel
from qlara._models.status import DeliveryStatus

__all__ = [
    "aware",
    "bound",
    "channel_of",
    "history_status",
    "id_list",
    "instant",
    "one_id",
    "reversed_period",
    "seconds",
]


def channel_of(value: object) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError("channel", f"must be SMS, RCS or WHATSAPP, got {value!r}") from None


def one_id(value: object, field: str = "customer_message_id") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    return value


def id_list(ids: Iterable[str]) -> list[str]:
    """The ids, validated and without duplicates, in their first order."""
    if isinstance(ids, (str, bytes)):
        raise ValidationError("ids", "must be a list of ids, not a single string")
    if not isinstance(ids, Iterable):
        raise ValidationError("ids", f"must be an iterable of ids, got {type(ids).__name__}")
    wanted: dict[str, None] = {}
    for value in ids:
        identifier = one_id(value, "ids")
        if "," in identifier:
            raise ValidationError(
                "ids", f"{identifier!r} contains a comma, which the batch query cannot carry"
            )
        wanted[identifier] = None
    return list(wanted)


def seconds(field: str, value: object) -> float:
    """A number of seconds >= 0 as a float (infinity allowed: no limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"must be a number of seconds >= 0, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValidationError(field, "is too large for a number of seconds") from None
    if math.isnan(number) or number < 0:
        raise ValidationError(field, f"must be a number of seconds >= 0, got {value!r}")
    return number


def aware(field: str, value: object) -> None:
    """A naive time would be read in the platform's zone, not the caller's."""
    if not isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            field, "must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))"
        )


def bound(field: str, value: object) -> str:
    """One end of a period: an aware ``datetime`` in ISO 8601, or a ``date`` as ``yyyy-MM-dd``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    aware(field, value)
    assert isinstance(value, datetime)
    return instant(value)


def reversed_period(start: date, end: date) -> bool:
    """Whether a period ends before it starts (a date counts as its first instant, UTC)."""
    return _as_instant(start) > _as_instant(end)


def _as_instant(value: date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def instant(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def history_status(value: DeliveryStatus | str) -> str:
    if isinstance(value, DeliveryStatus):
        return value.value
    member = DeliveryStatus.__members__.get(value.upper()) if isinstance(value, str) else None
    if member is None:
        names = ", ".join(DeliveryStatus.__members__)
        raise ValidationError("status", f"must be one of {names}, got {value!r}")
    return member.value
