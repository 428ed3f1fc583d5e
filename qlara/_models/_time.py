"""Reading the platform's timestamps, whichever way a page spells them.

Callbacks and history items carry ISO 8601 text (``2026-04-09T10:30:00Z``,
``...+01:00``, ``...+0100``, a space instead of ``T``, any number of fraction
digits), sometimes epoch numbers. Python 3.10's ``fromisoformat`` accepts
none of ``Z``, ``+0100`` or 2-digit fractions, so we normalise first. A
timestamp without an offset is read as UTC: the platform documents UTC (``Z``)
in every example, and an aware value is what every caller compares against.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

__all__ = ["parse_timestamp"]

_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<fraction>\d+))?)?"
    r"\s*(?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?"
)

# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
_MILLISECONDS = 1e11


def _zone(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(value: object) -> datetime | None:
    """An aware ``datetime`` from the platform's value, or ``None`` when unreadable.

    Never raises: a callback with an odd date must still be delivered to the
    handler, with the original value kept in the event's ``raw``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            # Inside the try: an integer too large for a float overflows in the division.
            seconds = value / 1000 if abs(value) >= _MILLISECONDS else value
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    match = _ISO.fullmatch(value.strip())
    if match is None:
        return None
    time = match["time"] or "00:00:00"
    if len(time) == 5:
        time += ":00"
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    try:
        naive = datetime.fromisoformat(f"{match['date']}T{time}.{fraction}")
        return naive.replace(tzinfo=_zone(match["zone"]))
    except ValueError:
        return None
