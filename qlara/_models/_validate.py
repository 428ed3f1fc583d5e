"""Field validators shared by the models.

Each raises ``ValidationError`` naming the field, so a bad value is caught at
construction, before anything is sent, with words a user can act on. They are
plain functions over one value; attrs calls them with ``(instance, attribute, value)``.
"""

from __future__ import annotations

import math
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
# Ids travel in a status path segment and in a comma-separated batch query:
# these characters would split, end or re-encode them (Tomcat refuses ``%2F``).
ID_BREAKERS = re.compile(r"[\s,/?#%\\]")
MAX_ID_LENGTH = 255
# The platform's integers are Java longs.
MAX_LONG = 2**63 - 1

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


# Past ~4,300 digits Python refuses to turn an int into text (so into JSON);
# no platform field is anywhere near this, so such an int is refused, not sent.
MAX_INT_BITS = 14_000
MAX_JSON_DEPTH = 64


def _show(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still named by its type
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def show(value: object) -> str:
    """A short, always printable description of a bad value for an error message."""
    return _show(value)


def json_value(name: str, value: object, depth: int = 0) -> None:
    """Check that ``value`` is plain JSON: what the platform can read and the SDK can hash.

    Objects need string keys; numbers are ints (of sane size) or finite floats;
    lists and tuples hold plain JSON too. Anything else (a set, bytes, an
    arbitrary object) would fail only when sent, or crash a journal's digest.
    """
    if depth > MAX_JSON_DEPTH:
        raise ValidationError(name, f"is nested deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if not value.isascii():
            _sendable(name, value)
        return
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise ValidationError(name, f"is too large to send, got {_show(value)}")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(name, f"must be a finite number (JSON has no {value!r})")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(
                    name, f"keys must be strings (JSON objects), got key {_show(key)}"
                )
            json_value(f"{name}.{key}", item, depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            json_value(f"{name}[{index}]", item, depth + 1)
        return
    raise ValidationError(
        name,
        "must hold only JSON values (objects with string keys, lists, text, numbers, "
        f"True/False/None), got {type(value).__name__} {_show(value)}",
    )


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
    if not isinstance(value, str) or not value or value.isspace():
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
    if not value or value.isspace():
        raise ValidationError(attribute.name, "must not be empty")
    if not value.isascii():
        _sendable(attribute.name, value)


def _sendable(name: str, value: str) -> None:
    """Unpaired surrogates cannot be encoded, so they cannot go into a JSON body."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            name, "holds characters that cannot be sent (unpaired surrogates)"
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
            raise ValidationError(attribute.name, f"must be at least {minimum}, got {_show(value)}")
        if value > MAX_LONG:
            raise ValidationError(attribute.name, f"must be at most {MAX_LONG}, got {_show(value)}")

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
        result[key] = number_or_text(f"placeholders.{key}", item)
    return result


def number_or_text(name: str, item: object) -> str:
    """``item`` as text, when it is text or a (finite, sane) number."""
    if isinstance(item, bool) or not isinstance(item, (str, int, float)):
        raise ValidationError(name, f"must be text or a number, got {_show(item)}")
    if isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
        raise ValidationError(name, f"is too large to send, got {_show(item)}")
    return item if isinstance(item, str) else str(item)


def one_of(choices: frozenset[str], *, optional: bool = True) -> Validator:
    """One of ``choices`` (``None`` too when ``optional``); any other type is refused."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or value not in choices:
            raise ValidationError(
                attribute.name, f"must be one of {', '.join(sorted(choices))}, got {_show(value)}"
            )

    return check


def message_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An id that can be sent, then polled by path and in a batch query, unchanged."""
    if value is None:
        return
    non_empty_text(_, attribute, value)
    assert isinstance(value, str)
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(
            attribute.name, f"must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
        )
    found = ID_BREAKERS.search(value)
    if found is not None:
        shown = repr(found.group())
        raise ValidationError(
            attribute.name,
            f"must not contain whitespace or any of , / ? # % \\ (they break the status "
            f"lookups), got {shown} in {_show(value)}",
        )


def optional_instance(kind: type[Any], described: str) -> Validator:
    """``None`` or an instance of ``kind``."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            raise ValidationError(
                attribute.name, f"must be a {described} or None, got {type(value).__name__}"
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
