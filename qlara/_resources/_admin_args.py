"""Checking the arguments of the contacts, campaigns, exports and key calls, before sending.

Pure functions, each raising ``ValidationError`` naming the argument.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from qlara._errors import ValidationError
from qlara._models._validate import E164, show
from qlara._models.channel import Channel

__all__ = [
    "day",
    "direction",
    "flag",
    "id_list",
    "member",
    "one_id",
    "operations",
    "phone",
    "text",
]

E = TypeVar("E", bound=enum.Enum)


def one_id(field: str, value: object) -> int | str:
    """An id: a non-negative int or a non-empty string without a comma."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip() and "," not in value:
        return value
    raise ValidationError(
        field, f"must be an id (an integer or a non-empty string), got {show(value)}"
    )


def id_list(field: str, values: object, *, allow_empty: bool = False) -> list[int | str]:
    """A list of ids (a single string or int is refused: it is almost always a mistake)."""
    if values is None or isinstance(values, (str, bytes, int)) or not isinstance(values, Iterable):
        raise ValidationError(field, f"must be a list of ids, got {show(values)}")
    ids = [one_id(field, value) for value in values]
    if not ids and not allow_empty:
        raise ValidationError(field, "must not be empty")
    return ids


def text(field: str, value: object, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a non-empty string, got {show(value)}")
    return value


def flag(field: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(field, f"must be True, False or None, got {show(value)}")


def phone(field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not E164.fullmatch(value):
        raise ValidationError(
            field, f"must be an E.164 number such as '+393401234567', got {show(value)}"
        )
    return value


def member(field: str, kind: type[E], value: object) -> E | None:
    """An enum member from itself or its value/name (any case)."""
    if value is None:
        return None
    try:
        return kind(value)
    except (ValueError, TypeError):
        names = ", ".join(kind.__members__)
        raise ValidationError(field, f"must be one of {names}, got {show(value)}") from None


def day(field: str, value: object) -> str | None:
    """A calendar day as ``yyyy-MM-dd``: a ``date`` (a datetime's date), or such a string."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(field, f"must be a date or a 'yyyy-MM-dd' string, got {show(value)}")


def direction(field: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.upper() in ("ASC", "DESC"):
        return value.upper()
    raise ValidationError(field, f"must be 'ASC' or 'DESC', got {show(value)}")


def channels(field: str, value: object) -> list[str] | None:
    """One channel or several (SMS, RCS, WHATSAPP)."""
    if value is None:
        return None
    items = [value] if isinstance(value, (str, Channel)) else value
    if not isinstance(items, Iterable):
        raise ValidationError(field, f"must be a channel or a list of channels, got {show(value)}")
    found = [member(field, Channel, item) for item in items]
    return [c.value for c in found if c is not None] or None


def operations(value: object) -> list[str] | None:
    return channels("operations", value)


def mapping(field: str, value: object) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise ValidationError(field, f"must be a mapping, got {show(value)}")
