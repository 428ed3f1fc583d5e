"""Lenient field readers for the account, contact, campaign and export answers.

The platform documents few of these answers completely, so every field is
read leniently (an odd optional value is ``None``, never an error) from the
first of several spellings that is present. Only the shape itself is strict:
an answer that is not an object is not the thing asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from qlara._errors import MalformedResponseError
from qlara._models._time import parse_timestamp
from qlara._wire import count as _count
from qlara._wire import number as _number
from qlara._wire import text as _text

__all__ = ["Fields", "ident", "obj", "read_update", "unwrap"]


T = TypeVar("T")


def read_update(
    parse: Callable[[Any], T], data: Any, sent: Mapping[str, Any], identifier: int | str
) -> T:
    """An update's answer as the object; an empty or id-less ack (``{"message": "updated"}``)
    reads as what was sent, under the id it was sent to (the update did happen)."""
    if data is None:
        return parse({**sent, "id": identifier})
    try:
        return parse(data)
    except MalformedResponseError:
        if not isinstance(data, Mapping):
            raise
        return parse({**sent, **data, "id": identifier})


def obj(data: Any, what: str) -> Mapping[str, Any]:
    """The answer as an object, or ``MalformedResponseError`` naming what was expected."""
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed {what} answer: expected an object, got {type(data).__name__} @ $"
        )
    return data


def unwrap(data: Any, *keys: str) -> Any:
    """``{"data": {...}}`` and similar envelopes around one object, opened."""
    if isinstance(data, Mapping):
        for key in (*keys, "data"):
            inner = data.get(key)
            if isinstance(inner, Mapping):
                return inner
    return data


def ident(value: Any) -> int | str | None:
    """An id as the platform gave it: an integer, or a non-empty string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        return value
    return None


class Fields:
    """One answer object, read field by field (the first present spelling wins)."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def _first(self, keys: Sequence[str]) -> Any:
        for key in keys:
            value = self.data.get(key)
            if value is not None:
                return value
        return None

    def text(self, *keys: str) -> str | None:
        return _text(self._first(keys))

    def number(self, *keys: str) -> float | None:
        return _number(self._first(keys))

    def count(self, *keys: str) -> int | None:
        return _count(self._first(keys))

    def flag(self, *keys: str) -> bool | None:
        value = self._first(keys)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return None

    def ident(self, *keys: str) -> int | str | None:
        return ident(self._first(keys))

    def when(self, *keys: str) -> datetime | None:
        return parse_timestamp(self._first(keys))

    def texts(self, *keys: str) -> tuple[str, ...]:
        """A list of strings, or a comma-separated string, as a tuple."""
        value = self._first(keys)
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        if isinstance(value, list):
            return tuple(t for t in (_text(item) for item in value) if t is not None)
        return ()

    def ids(self, *keys: str) -> tuple[int | str, ...]:
        value = self._first(keys)
        if not isinstance(value, list):
            return ()
        return tuple(i for i in (ident(item) for item in value) if i is not None)

    def mapping(self, *keys: str) -> Mapping[str, Any] | None:
        value = self._first(keys)
        return value if isinstance(value, Mapping) else None
