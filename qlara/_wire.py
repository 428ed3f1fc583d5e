"""The lenient readers of the platform's answers, once, for every resource.

The platform's documentation is loose about types (an id may come as a number,
a price as a string, an error as an object), so descriptive fields are read
with these: each returns ``None`` for what it cannot read, never raises.
Strictness belongs where a wrong type means the answer is not what was asked
for at all (the id a caller polls with, a verdict); there a reader raises
``MalformedResponseError`` on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from qlara._models._time import parse_timestamp as timestamp
from qlara._models.channel import channel_or_none as channel

__all__ = ["boolean", "channel", "count", "first_text", "number", "text", "timestamp"]

MESSAGE_KEYS = ("message", "description", "text")


def number(value: Any) -> float | None:
    """A finite float from a number or a numeric string; an amount too large for a float is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        result = float(value.strip() if isinstance(value, str) else value)
    except (OverflowError, ValueError):
        return None
    return result if math.isfinite(result) else None


def count(value: Any) -> int | None:
    """A whole number; an int is kept exactly, however large (float() would round it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    result = number(value)
    return int(result) if result is not None and result.is_integer() else None


def text(value: Any) -> str | None:
    """A non-empty string, a number kept as its digits, or an error object's message."""
    if isinstance(value, Mapping):
        value = next((value[k] for k in MESSAGE_KEYS if isinstance(value.get(k), str)), None)
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than int->str conversion allows
            return None
    return None


def first_text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` that reads as ``text`` (documents disagree on field names)."""
    for key in keys:
        found = text(data.get(key))
        if found is not None:
            return found
    return None


def boolean(value: Any) -> bool | None:
    """A bool, or the strings ``"true"``/``"false"``; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
