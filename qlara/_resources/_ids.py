"""The one check every id argument gets: an int or a non-empty string, named in the error."""

from __future__ import annotations

from qlara._errors import ValidationError

__all__ = ["check_id", "optional_id"]


def check_id(field: str, value: object) -> int | str:
    """``value`` when it can be an id; ``ValidationError`` naming ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise ValidationError(field, f"must be an integer or a non-empty string, got {value!r}")
    return value


def optional_id(field: str, value: object) -> int | str | None:
    return None if value is None else check_id(field, value)
