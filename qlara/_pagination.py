"""Every list endpoint, walked the same way: ``AsyncPager[T]`` and the page shapes, once.

The platform pages with a 0-based ``page`` and a ``limit`` per page, and
answers in several shapes depending on the endpoint: a bare array,
``{"data": [...]}``, ``{"messages": [...]}``, ``{"phoneNumbers": [...]}``,
Spring's ``{"content": [...], "last": true, ...}`` and others with one list
field. ``read_page`` finds the items in any of them, and the end when the
answer says so (``last``, ``hasMore``, ``totalPages``, ``total``; past the
first page a ``total`` is trusted from a full page, and the walk compares it
with the items it has read, so a server capping ``limit`` loses nothing).

Where an answer says nothing (a bare array, the documented shape of most
listings), a page with fewer items than ``limit`` reports ``has_more=False``,
yet a walk still asks for the next page (a server may cap ``limit`` below what
was asked, and stopping there would drop the rest silently); the walk stops at
the first empty page. A page that gives a ``total`` is compared with the items
read instead. A server that ignores ``page`` answers the same
items again; if that page was short, everything has been seen and the pager
stops; if it was full, the pager raises ``MalformedResponseError`` rather than
loop forever.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from qlara._errors import MalformedResponseError, ValidationError

__all__ = ["AsyncPager", "Page", "read_page"]

T = TypeVar("T")

# Where the items of a page are, in the order they are looked for.
ITEM_KEYS = (
    "data",
    "content",
    "items",
    "results",
    "messages",
    "phoneNumbers",
    "records",
    "elements",
)


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: what this page holds, in the platform's order.
        page: its 0-based number.
        has_more: whether another page holds more: ``False`` once the
            platform says this is the last, or the page is empty, or it holds
            fewer items than asked for and the answer says nothing more.
        total: how many items the whole listing holds, when the platform says.
        raw: the decoded answer, so nothing the platform said is lost.
        ended_short: ``has_more`` is ``False`` only because the page was short.
            A walk over the listing still asks for the next page once, so a
            server that caps ``limit`` below what was asked loses nothing.
    """

    items: tuple[T, ...]
    page: int
    has_more: bool
    total: int | None = None
    raw: Any = attrs.field(default=None, repr=False, eq=False)
    ended_short: bool = attrs.field(default=False, repr=False, eq=False)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _items_of(data: Mapping[str, Any], where: str = "$") -> tuple[Sequence[Any], str] | None:
    """The items of a page object, and their path in the answer (for errors)."""
    for key in ITEM_KEYS:
        value = data.get(key)
        if isinstance(value, list):
            return value, f"{where}.{key}"
        if isinstance(value, Mapping):  # {"data": {"content": [...]}}
            inner = _items_of(value, f"{where}.{key}")
            if inner is not None:
                return inner
    lists = [(key, value) for key, value in data.items() if isinstance(value, list)]
    if len(lists) == 1:
        key, value = lists[0]
        return value, f"{where}.{key}"
    return None


def _end_signal(data: Mapping[str, Any], page: int, limit: int, count: int) -> bool | None:
    """True when the answer says this is the last page, False when it says more follow."""
    last = data.get("last")
    if isinstance(last, bool):
        return last
    more = data.get("hasMore", data.get("hasNext"))
    if isinstance(more, bool):
        return not more
    pages = _count(data.get("totalPages"))
    if pages is not None:
        return page + 1 >= pages
    total = _count(data.get("total", data.get("totalElements", data.get("totalCount"))))
    if total is not None and limit > 0 and (page == 0 or count >= limit):
        # Past the first page, only a full page tells where it ends: a short one
        # may come from a server capping `limit` (the walk counts what it read).
        return page * limit + count >= total
    return None


def _total(data: Any) -> int | None:
    if not isinstance(data, Mapping):
        return None
    return _count(data.get("total", data.get("totalElements", data.get("totalCount"))))


def _read_item(item: Callable[[Any], T], raw: Any, where: str, page: int, what: str) -> T:
    try:
        return item(raw)
    except MalformedResponseError as exc:
        text = str(exc).replace("@ $", f"@ {where}")
        raise MalformedResponseError(f"{text} (page {page})") from exc
    except Exception as exc:  # a reader's every failure means the same thing
        raise MalformedResponseError(
            f"malformed {what}: {type(exc).__name__}: {exc} @ {where} (page {page})"
        ) from exc


def read_page(
    data: Any, item: Callable[[Any], T], *, page: int, limit: int, what: str = "page"
) -> Page[T]:
    """A decoded list answer as a ``Page``; ``MalformedResponseError`` naming where it broke."""
    where = "$"
    if isinstance(data, list):
        raw_items: Sequence[Any] = data
        last = None
    elif isinstance(data, Mapping):
        found = _items_of(data)
        if found is None:
            if data and any(value is not None for value in data.values()):
                keys = ", ".join(sorted(str(k) for k in data)[:8])
                raise MalformedResponseError(
                    f"malformed {what}: no list of items in an object with keys {keys} @ $"
                )
            found = ([], "$")  # {} or {"data": null}: nothing to list
        raw_items, where = found
        last = _end_signal(data, page, limit, len(raw_items))
    elif data is None:
        raw_items, last = [], True
    else:
        raise MalformedResponseError(
            f"malformed {what}: expected a list or an object, got {type(data).__name__} @ $"
        )
    total = _total(data)
    short = last is None and total is None and len(raw_items) < limit
    items = [_read_item(item, raw, f"{where}[{i}]", page, what) for i, raw in enumerate(raw_items)]
    has_more = bool(items) and last is not True and not short
    return Page(
        items=tuple(items),
        page=page,
        has_more=has_more,
        total=total,
        raw=data,
        ended_short=short and bool(items),
    )


def _identity(item: object) -> object:
    """What tells two items apart: what the platform sent, else the item itself (an empty
    ``raw`` would make every item look the same)."""
    raw = getattr(item, "raw", None)
    return raw if raw else item


class AsyncPager(Generic[T]):
    """Every item of a listing, fetched a page at a time as you iterate.

    ``async for item in pager`` walks all pages lazily (a ``break`` fetches
    nothing further); ``await pager.first_page()`` gives just the first
    ``Page``. Arguments were checked when the pager was made, so a mistake
    raises at the call, not on the first iteration. A pager may be iterated
    more than once; each walk starts again from its first page.
    """

    def __init__(
        self, fetch: Callable[[int], Awaitable[Page[T]]], *, limit: int, start: int = 0
    ) -> None:
        self._fetch = fetch
        self._limit = limit
        self._start = start

    async def first_page(self) -> Page[T]:
        """The first page only (one request)."""
        return await self._fetch(self._start)

    async def page(self, number: int) -> Page[T]:
        """Page ``number`` (0-based) only (one request).

        Raises:
            ValidationError: ``number`` is not an integer >= 0 (nothing is sent).
        """
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValidationError("number", f"must be a page number >= 0, got {number!r}")
        return await self._fetch(number)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._walk()

    def _walk(self) -> _Walk[T]:
        return _Walk(self._fetch, self._limit, self._start)

    async def to_list(self) -> list[T]:
        """Every item, in one list (for small listings: it holds them all in memory)."""
        return [item async for item in self]


class _Walk(AsyncIterator[T]):
    """One walk over a listing's pages.

    A plain class, not an async generator: a ``break`` leaves nothing to
    finalize (an abandoned async generator is closed by the garbage
    collector, outside any task, which trio reports as an error).
    """

    def __init__(self, fetch: Callable[[int], Awaitable[Page[T]]], limit: int, start: int) -> None:
        self._fetch = fetch
        self._limit = limit
        self._number = start
        self._items: list[T] = []
        self._previous: list[object] | None = None
        self._previous_short = False
        self._done = False
        self._read = 0  # items received so far, to compare with a page's total

    async def __anext__(self) -> T:
        while not self._items:
            if self._done:
                raise StopAsyncIteration
            await self._next_page()
        return self._items.pop()

    def take_fetched(self) -> list[T]:
        """The items already fetched and not yet handed out, in order (no request)."""
        items, self._items = self._items, []
        items.reverse()
        return items

    async def _next_page(self) -> None:
        number = self._number
        page = await self._fetch(number)
        if not page.items:
            self._done = True
            return
        seen = [_identity(item) for item in page.items]
        if self._previous is not None and seen == self._previous:
            self._done = True
            if self._previous_short:
                return  # the server ignores `page`, and its one page was all there is
            raise MalformedResponseError(
                f"malformed listing: page {number} repeats page {number - 1} (the "
                "server seems to ignore 'page'), so the rest cannot be reached"
            )
        self._items = list(reversed(page.items))
        self._read += len(page.items)
        short = len(page.items) < self._limit
        reached = short and page.total is not None and self._read >= page.total
        self._done = (not page.has_more and not page.ended_short) or reached
        self._previous = seen
        self._previous_short = short
        self._number = number + 1
