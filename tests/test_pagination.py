"""``AsyncPager`` and ``Pager``: page shapes, stop rules, laziness, and the sync twin."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import qlara
from qlara._pagination import read_page
from tests.conftest import KEY

MakeClient = Callable[..., qlara.AsyncQlara]
FROM = datetime(2026, 1, 1, tzinfo=timezone.utc)
TO = datetime(2026, 2, 1, tzinfo=timezone.utc)


def item(n: int) -> dict[str, Any]:
    return {"customerMessageId": f"m{n}", "deliveryStatus": "DELIVERED"}


def identity(raw: Any) -> Any:
    return raw


@pytest.mark.parametrize(
    ("answer", "has_more"),
    [
        ([1, 2], True),
        ({"data": [1, 2]}, True),
        ({"messages": [1, 2]}, True),
        ({"phoneNumbers": [1, 2]}, True),
        ({"content": [1, 2], "last": True}, False),
        ({"content": [1, 2], "last": False}, True),
        ({"data": [1, 2], "totalPages": 1}, False),
        ({"data": [1, 2], "total": 2}, False),
        ({"data": [1, 2], "hasMore": False}, False),
        ({"profiles": [1, 2], "total": 9}, True),
        ({"data": {"content": [1, 2], "last": True}}, True),
    ],
)
def test_page_shapes(answer: Any, has_more: bool) -> None:
    """Every documented page shape yields its items, and its end when it states one."""
    page = read_page(answer, identity, page=0, limit=2)
    assert page.items == (1, 2)
    assert page.has_more is has_more
    assert page.raw == answer


def test_empty_and_malformed_pages() -> None:
    """Empty answers are empty pages; an answer with no list is MalformedResponseError."""
    empties: list[Any] = [None, [], {}, {"data": None}]
    for empty in empties:
        assert read_page(empty, identity, page=0, limit=5).has_more is False
    for broken in ("x", 7, {"a": 1, "b": 2}, {"a": [1], "b": [2]}):
        with pytest.raises(qlara.MalformedResponseError):
            read_page(broken, identity, page=0, limit=5)


def paged(items: list[dict[str, Any]], shape: str = "array") -> Callable[[httpx.Request], Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        chunk = items[page * limit : (page + 1) * limit]
        if shape == "spring":
            last = (page + 1) * limit >= len(items)
            return httpx.Response(200, json={"content": chunk, "last": last, "number": page})
        return httpx.Response(200, json=chunk)

    return handler


async def test_pager_walks_every_page_lazily(make_client: MakeClient) -> None:
    """async for reads all pages; a break fetches nothing further."""
    calls: list[str] = []
    inner = paged([item(n) for n in range(5)])

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["page"])
        response: httpx.Response = inner(request)
        return response

    client = make_client(handler)
    pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
    assert calls == []  # nothing until iterated
    ids = [status.customer_message_id async for status in pager]
    assert ids == [f"m{n}" for n in range(5)]
    assert calls == ["0", "1", "2", "3"]  # stops at the first empty page
    calls.clear()
    async for _ in pager:
        break
    assert calls == ["0"]
    page = await pager.first_page()
    assert isinstance(page, qlara.Page)
    assert (len(page.items), page.page, page.has_more) == (2, 0, True)


async def test_spring_pages_stop_at_last(make_client: MakeClient) -> None:
    """A page that says it is the last ends the walk without another request."""
    calls: list[str] = []
    inner = paged([item(n) for n in range(4)], shape="spring")

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["page"])
        response: httpx.Response = inner(request)
        return response

    client = make_client(handler)
    pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
    assert len([s async for s in pager]) == 4
    assert calls == ["0", "1"]


async def test_a_server_ignoring_page(make_client: MakeClient) -> None:
    """A repeated short page ends the walk; a repeated full page is MalformedResponseError."""
    short = make_client(lambda r: httpx.Response(200, json=[item(1)]))
    pager = short.messages.history(channel="SMS", from_=FROM, to=TO, limit=5)
    assert [s.customer_message_id async for s in pager] == ["m1"]
    full = make_client(lambda r: httpx.Response(200, json=[item(1), item(2)]))
    pager = full.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
    with pytest.raises(qlara.MalformedResponseError, match="repeats"):
        async for _ in pager:
            pass


def test_sync_pager_is_a_plain_iterator() -> None:
    """The blocking pager iterates lazily, stops on close() and offers first_page()."""
    handler = paged([item(n) for n in range(5)])
    with qlara.Qlara(KEY, transport=httpx.MockTransport(handler), rate_limit=None) as client:
        pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        assert isinstance(pager, qlara.Pager)
        assert next(pager).customer_message_id == "m0"
        assert [s.customer_message_id for s in pager] == [f"m{n}" for n in range(1, 5)]
        again = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        first = again.first_page()
        assert [s.customer_message_id for s in first.items] == ["m0", "m1"]
        assert next(again).customer_message_id == "m0"
        again.close()


def test_sync_pager_fetches_only_what_is_read() -> None:
    """The blocking pager fetches a page only when it is read; after close() nothing at all."""
    calls: list[str] = []
    inner = paged([item(n) for n in range(7)])

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["page"])
        if request.url.params["page"] == "2" and calls.count("2") == 1:
            return httpx.Response(400, json={"message": "try again"})
        response: httpx.Response = inner(request)
        return response

    with qlara.Qlara(KEY, transport=httpx.MockTransport(handler), rate_limit=None) as client:
        unread = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        unread.close()
        assert list(unread) == []
        pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        assert [next(pager).customer_message_id, next(pager).customer_message_id] == ["m0", "m1"]
        assert calls == ["0"]  # the second page is not fetched ahead
        assert next(pager).customer_message_id == "m2"
        assert next(pager).customer_message_id == "m3"
        with pytest.raises(qlara.BadRequestError):
            next(pager)  # a later page's error reaches the caller...
        assert next(pager).customer_message_id == "m4"  # ...and the walk goes on from there
        pager.close()
        assert list(pager) == []
        assert calls == ["0", "1", "2", "2"]
        abandoned = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        next(abandoned)
        del abandoned  # dropped unclosed mid-walk: nothing left running, nothing to warn about
        gc.collect()


async def test_a_total_with_a_capped_limit_reads_every_page(make_client: MakeClient) -> None:
    """A server that caps ``limit`` and gives a total is read to its end, not cut at a guess."""
    items = [item(n) for n in range(7)]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        calls.append(str(page))
        return httpx.Response(200, json={"data": items[page * 2 : page * 2 + 2], "total": 7})

    client = make_client(handler)
    pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=5)
    ids = [s.customer_message_id async for s in pager]
    assert ids == [f"m{n}" for n in range(7)]
    assert calls == ["0", "1", "2", "3"]  # no request past the total
    first = await pager.first_page()
    assert (len(first), first.has_more, first.total) == (2, True, 7)
    honest = read_page({"data": [1, 2], "total": 7}, identity, page=1, limit=5)
    assert honest.has_more  # a short page after the first proves nothing by itself
    assert not read_page({"data": [1, 2], "total": 4}, identity, page=1, limit=2).has_more


async def test_a_page_number_is_checked_before_sending(make_client: MakeClient) -> None:
    """pager.page() refuses a negative or non-integer number without a request."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["page"])
        return httpx.Response(200, json=[item(1)])

    client = make_client(handler)
    pager = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
    for bad in (-1, True, 1.0, "2"):
        with pytest.raises(qlara.ValidationError, match="number"):
            await pager.page(bad)  # type: ignore[arg-type]
    assert (await pager.page(3)).page == 3
    assert calls == ["3"]


async def test_items_without_raw_are_compared_by_value() -> None:
    """Pages of different items whose raw is empty are not taken for a repeated page."""
    pages = [[f"m{n}", f"m{n + 1}"] for n in (0, 2)] + [[]]

    async def fetch(number: int) -> qlara.Page[qlara.MessageStatus]:
        items = tuple(
            qlara.MessageStatus(customer_message_id=i, status=qlara.DeliveryStatus.DELIVERED)
            for i in pages[number]
        )
        return qlara.Page(items=items, page=number, has_more=bool(items))

    pager = qlara.AsyncPager(fetch, limit=2)
    assert [s.customer_message_id async for s in pager] == ["m0", "m1", "m2", "m3"]
