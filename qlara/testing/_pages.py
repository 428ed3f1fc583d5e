"""The simulator's paging of list endpoints: 0-based ``page``, ``limit`` per page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from qlara.testing._wire import SimRequest

__all__ = ["BadPageError", "page_of"]

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


class BadPageError(ValueError):
    """A ``limit`` or ``page`` the platform answers with 400."""


def _number(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadPageError(f"{name} must be an integer, got {text!r}") from None
    if not low <= value <= high:
        raise BadPageError(f"{name} must be from {low} to {high}, got {value}")
    return value


def page_of(request: SimRequest, items: Sequence[T]) -> list[T]:
    """The requested page of ``items`` (``BadPageError`` for an invalid limit or page)."""
    params = request.params
    limit = _number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    page = _number(params, "page", 0, 0, 10**9)
    return list(items[page * limit : (page + 1) * limit])


def wanted(value: Any) -> set[str]:
    """A comma-joined query value as a set of strings."""
    return {part for part in str(value).split(",") if part} if value else set()


def as_id(value: object) -> int | None:
    """An id the simulator made (ASCII digits), or ``None`` (``"²"`` is no id)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
