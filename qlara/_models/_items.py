"""A tuple that also equals a list holding the same items.

The platform's JSON holds arrays, and users compare what a model holds with
what the documentation shows (``result.reasons == []``). A plain tuple never
equals a list; a list would make the frozen models mutable and unhashable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


class Items(tuple[T, ...]):
    """Immutable and hashable like a tuple; ``==`` a list with the same items too."""

    __slots__ = ()

    def __new__(cls, items: Iterable[T] = ()) -> Items[T]:
        return super().__new__(cls, items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return list(self) == other
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__
