"""Field validators shared by the models.

Each raises ``ValidationError`` naming the field, so a bad value is caught at
construction, before anything is sent, with words a user can act on. They are
plain functions over one value; attrs calls them with ``(instance, attribute, value)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._errors import ValidationError

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
NUMERIC_SENDER = re.compile(r"\+?[0-9]{1,16}")
ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9 .\-_&]{1,11}")
HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def e164(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The platform wants international numbers; a local one would go to the wrong country."""
    if not isinstance(value, str) or not E164.fullmatch(value):
        raise ValidationError(
            attribute.name,
            f"must be an E.164 number: '+', country code and number, 7 to 15 digits "
            f"with no spaces (e.g. '+393401234567'), got {_show(value)}",
        )


def sender(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Carriers accept up to 11 alphanumeric characters or up to 16 digits."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, f"must be a non-empty string, got {_show(value)}")
    if NUMERIC_SENDER.fullmatch(value):
        return
    if not ALPHANUMERIC_SENDER.fullmatch(value):
        raise ValidationError(
            attribute.name,
            "must be up to 11 letters, digits, spaces or '.-_&', or up to 16 digits, "
            f"got {_show(value)} ({len(value)} characters)",
        )


def non_empty_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(attribute.name, "must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            attribute.name, "holds characters that cannot be sent (unpaired surrogates)"
        ) from None


def optional_mapping(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError(attribute.name, f"must be a mapping, got {type(value).__name__}")


def optional_text(max_length: int | None = None) -> Validator:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        non_empty_text(_, attribute, value)
        assert isinstance(value, str)
        if max_length is not None and len(value) > max_length:
            raise ValidationError(
                attribute.name, f"must be at most {max_length} characters, got {len(value)}"
            )

    return check


def text_up_to(max_length: int) -> Validator:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        non_empty_text(_, attribute, value)
        assert isinstance(value, str)
        if len(value) > max_length:
            raise ValidationError(
                attribute.name, f"must be at most {max_length} characters, got {len(value)}"
            )

    return check


def integer(minimum: int | None = None) -> Validator:
    """An int, never a bool or a numeric string: the platform types these as integer."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(attribute.name, f"must be an integer, got {_show(value)}")
        if minimum is not None and value < minimum:
            raise ValidationError(attribute.name, f"must be at least {minimum}, got {value}")

    return check


def optional_integer(minimum: int | None = None) -> Validator:
    check = integer(minimum)

    def optional(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return optional


def boolean(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(attribute.name, f"must be True or False, got {_show(value)}")


def aware_datetime(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A naive time would be read in the platform's zone, not the caller's."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValidationError(attribute.name, f"must be a datetime, got {_show(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            attribute.name,
            "must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc)); "
            "a naive time is ambiguous",
        )


def https_url(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Media must be fetchable by the platform for the whole send window."""
    if not isinstance(value, str) or not value.startswith("https://") or len(value) <= 8:
        raise ValidationError(attribute.name, f"must be a public https:// URL, got {_show(value)}")


def optional_hex(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not HEX.fullmatch(value)):
        raise ValidationError(
            attribute.name, f"must be an even-length hexadecimal string, got {_show(value)}"
        )


def placeholder_values(value: Mapping[str, object] | None) -> dict[str, str] | None:
    """Converter: numbers are welcome as placeholder values and sent as text."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(
            "placeholders", f"must be a mapping of names to text, got {_show(value)}"
        )
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(
                "placeholders", f"names must be non-empty strings, got {_show(key)}"
            )
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValidationError(
                f"placeholders.{key}", f"must be text or a number, got {_show(item)}"
            )
        result[key] = item if isinstance(item, str) else str(item)
    return result


def one_of(choices: frozenset[str]) -> Validator:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value not in choices:
            raise ValidationError(
                attribute.name, f"must be one of {', '.join(sorted(choices))}, got {_show(value)}"
            )

    return check


def upper(value: object) -> object:
    """Converter for enum-like strings: the platform spells them in upper case."""
    return value.upper() if isinstance(value, str) else value


def exactly_one(names: tuple[str, str], first: object, second: object) -> None:
    if (first is None) == (second is None):
        raise ValidationError(
            f"{names[0]}/{names[1]}", f"give exactly one of {names[0]} or {names[1]}"
        )
