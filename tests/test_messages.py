"""Polling delivery status, paging the history, and waiting for final states."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, unquote

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qlara
from qlara._resources._status_wire import chunk_ids
from tests.conftest import FAST_RETRIES, KEY

S = qlara.DeliveryStatus
FROM = datetime(2026, 4, 1, tzinfo=timezone.utc)
TO = datetime(2026, 4, 2, tzinfo=timezone(timedelta(hours=2)))
Make = Callable[..., qlara.AsyncQlara]


class Platform:
    """A little fake of the status endpoints: statuses per channel, requests recorded."""

    def __init__(self, statuses: dict[str, str] | None = None, channel: str = "SMS") -> None:
        self.channel = channel
        self.statuses = dict(statuses or {})
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.max_ids: int | None = None

    def item(self, identifier: str) -> dict[str, Any]:
        return {
            "customerMessageId": identifier,
            "deliveryStatus": self.statuses[identifier],
            "deliveryStatusDescription": f"about {identifier}",
        }

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await anyio.sleep(0.002)
            return self.answer(request)
        finally:
            self.in_flight -= 1

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        channel = request.url.params.get("channel")
        prefix = "/api/partner-gateway/v1/messages/status"
        if path == prefix:
            ids = request.url.params["ids"].split(",")
            if self.max_ids is not None and len(ids) > self.max_ids:
                return httpx.Response(414, text="URI Too Long")
            if channel != self.channel:
                return httpx.Response(200, json=[])
            return httpx.Response(200, json=[self.item(i) for i in ids if i in self.statuses])
        identifier = unquote(path.removeprefix(prefix + "/"))
        if channel != self.channel or identifier not in self.statuses:
            return httpx.Response(404, json={"status": 404, "message": "Message not found"})
        return httpx.Response(200, json=self.item(identifier))


def make_async(platform: Callable[[httpx.Request], Any], **options: Any) -> qlara.AsyncQlara:
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("rate_limit", None)
    return qlara.AsyncQlara(KEY, transport=httpx.MockTransport(platform), **options)


async def test_status_of_one_message() -> None:
    """status() asks for the id on its channel and reads the answer into a MessageStatus."""
    platform = Platform({"order/1": "DELIVERED"})
    async with make_async(platform) as client:
        status = await client.messages.status("order/1", channel="sms")
    assert status == qlara.MessageStatus(
        customer_message_id="order/1", status=S.DELIVERED, description="about order/1"
    )
    assert status.is_final
    [request] = platform.requests
    assert request.url.raw_path == b"/api/partner-gateway/v1/messages/status/order%2F1?channel=SMS"
    assert request.headers["x-api-key"] == KEY


async def test_the_overview_example_without_id(make_client: Make) -> None:
    """The overview's bare {"deliveryStatus": ...} answer gets the id that was asked for."""
    client = make_client(lambda r: httpx.Response(200, json={"deliveryStatus": "delivered"}))
    status = await client.messages.status("m1", channel=qlara.Channel.RCS)
    assert (status.customer_message_id, status.status) == ("m1", S.DELIVERED)


async def test_unknown_status_value_is_kept(make_client: Make) -> None:
    """A status value the SDK does not know is UNKNOWN, with the platform's word kept."""
    body = {"customerMessageId": "m1", "deliveryStatus": "QUEUED_ON_MARS"}
    client = make_client(lambda r: httpx.Response(200, json=body))
    status = await client.messages.status("m1", channel="SMS")
    assert status.status is S.UNKNOWN
    assert status.raw_status == "QUEUED_ON_MARS"
    assert not status.is_final


async def test_wrong_channel_is_not_found() -> None:
    """Asking on another channel than the send's is the platform's 404: NotFoundError."""
    platform = Platform({"m1": "SENT"}, channel="SMS")
    async with make_async(platform) as client:
        with pytest.raises(qlara.NotFoundError) as caught:
            await client.messages.status("m1", channel="WHATSAPP")
    assert caught.value.message_id == "m1"
    assert caught.value.status_code == 404


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"id": "m", "channel": "FAX"}, "channel"),
        ({"id": "", "channel": "SMS"}, "id"),
        ({"id": 7, "channel": "SMS"}, "id"),
    ],
)
async def test_status_arguments_are_checked(
    make_client: Make, arguments: dict[str, Any], field: str
) -> None:
    """A bad id or channel is a ValidationError, and nothing is sent."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    client = make_client(handler)
    with pytest.raises(qlara.ValidationError) as caught:
        await client.messages.status(**arguments)
    assert caught.value.field == field
    assert calls == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ([], "expected an object"),
        ({"customerMessageId": "m1", "deliveryStatus": 3}, "delivery_?status"),
        ({"customerMessageId": ["m1"], "deliveryStatus": "SENT"}, "customer_?message_?id"),
    ],
)
async def test_malformed_status_answers(make_client: Make, body: Any, where: str) -> None:
    """An answer that is not a status raises MalformedResponseError naming the place."""
    client = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(qlara.MalformedResponseError, match=f"(?i){where}"):
        await client.messages.status("m1", channel="SMS")


async def test_descriptive_fields_of_odd_types_do_not_fail_the_call(make_client: Make) -> None:
    """A numeric destination or id, or a description given as an object, is read leniently."""
    items = [
        {"customerMessageId": "a", "deliveryStatus": "DELIVERED"},
        {
            "customerMessageId": "b",
            "messageId": 77,
            "deliveryStatus": "ERROR",
            "destination": 393401234567,
            "channel": 5,
            "deliveryStatusDescription": {"code": 6, "message": "unreachable"},
        },
    ]
    client = make_client(
        lambda r: httpx.Response(200, json=[] if r.url.params.get("page", "0") != "0" else items)
    )
    first, second = await client.messages.statuses(["a", "b"], channel="SMS")
    assert first.status is S.DELIVERED
    assert second.destination == "393401234567"
    assert second.message_id == "77"
    assert second.channel is None
    assert second.description == "unreachable"
    history = [i async for i in client.messages.history(channel="SMS", from_=FROM, to=TO)]
    assert [i.customer_message_id for i in history[:2]] == ["a", "b"]
    single = make_client(
        lambda r: httpx.Response(
            200, json={"deliveryStatus": "DELIVERED", "deliveryStatusDescription": {"text": "ok"}}
        )
    )
    answer = await single.messages.status("a", channel="SMS")
    assert (answer.customer_message_id, answer.description) == ("a", "ok")


HUGE = int("9" * 400)


async def test_huge_numbers_in_answers_do_not_crash(make_client: Make) -> None:
    """A cost, part count or date too large for a float is left out, not an OverflowError."""
    item = {
        "customerMessageId": "a",
        "status": "DELIVERED",
        "cost": HUGE,
        "price": "1e999",
        "parts": HUGE,
        "sendDate": HUGE,
        "deliveryDate": -HUGE,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if "page" not in request.url.params:
            return httpx.Response(200, json=item)
        return httpx.Response(200, json=[item] if request.url.params["page"] == "0" else [])

    client = make_client(handler)
    single = await client.messages.status("a", channel="SMS")
    [listed] = [i async for i in client.messages.history(channel="SMS", from_=FROM, to=TO)]
    for answer in (single, listed):
        assert answer.status is S.DELIVERED
        assert (answer.cost, answer.sent_at, answer.delivered_at) == (None, None, None)
        assert answer.parts == HUGE
    priced = make_client(
        lambda r: httpx.Response(200, json={"status": "SENT", "price": "1e999", "parts": 2.5})
    )
    answer = await priced.messages.status("a", channel="SMS")
    assert (answer.cost, answer.parts) == (None, None)


async def test_statuses_never_raise_an_exception_group(make_client: Make) -> None:
    """A non-Qlara failure inside a batch comes out as one QlaraError, chained to its cause."""

    def broken(request: httpx.Request) -> httpx.Response:
        raise TypeError("a transport bug")

    client = make_client(broken)
    with pytest.raises(qlara.QlaraError) as caught:
        await client.messages.statuses([f"m{n}" for n in range(300)], channel="SMS")
    assert isinstance(caught.value.__cause__, TypeError)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(10**300, 10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
STATUS_KEYS = st.sampled_from(
    [
        "customerMessageId", "messageId", "deliveryStatus", "status", "description",
        "deliveryStatusDescription", "channel", "destination", "sendDate", "deliveryDate",
        "cost", "price", "parts",
    ]
)  # fmt: skip
ITEM = st.dictionaries(STATUS_KEYS, JSON | st.just("DELIVERED") | st.just("m1"))


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        JSON,
        ITEM,
        st.lists(ITEM, max_size=3),
        st.builds(lambda i: {"messages": i}, st.lists(ITEM, max_size=3)),
    )
)
async def test_any_answer_is_a_status_or_a_malformed_response(answer: Any) -> None:
    """Whatever JSON the platform answers, status calls return or raise MalformedResponseError."""
    async with make_async(
        lambda r: httpx.Response(200, json=[] if r.url.params.get("page", "0") != "0" else answer)
    ) as client:
        for call in (
            lambda: client.messages.status("m1", channel="SMS"),
            lambda: client.messages.statuses(["m1"], channel="SMS"),
        ):
            with contextlib.suppress(qlara.MalformedResponseError):
                await call()
        with contextlib.suppress(qlara.MalformedResponseError):
            async for _ in client.messages.history(channel="SMS", from_=FROM, to=TO):
                pass


@pytest.mark.parametrize("history", [False, True])
async def test_malformed_list_items_name_their_index(make_client: Make, history: bool) -> None:
    """A broken item in a batch or history answer is reported at its index in the array."""
    items = [
        {"customerMessageId": "a", "deliveryStatus": "SENT"},
        {"customerMessageId": "b", "deliveryStatus": ["SENT"]},
    ]
    client = make_client(lambda r: httpx.Response(200, json=items))

    async def ask() -> None:
        if history:
            async for _ in client.messages.history(channel="SMS", from_=FROM, to=TO):
                pass
        else:
            await client.messages.statuses(["a", "b"], channel="SMS")

    with pytest.raises(qlara.MalformedResponseError, match=r"(?i)@ \$\[1\]\.delivery_?status"):
        await ask()


async def test_statuses_chunks_long_lists_concurrently() -> None:
    """250 ids go out as 100+100+50, at most four at once, and come back merged in order."""
    ids = [f"id-{n:04d}" for n in range(250)]
    platform = Platform(dict.fromkeys(ids[::2], "DELIVERED"))
    async with make_async(platform) as client:
        statuses = await client.messages.statuses(reversed(ids), channel="SMS")
    sizes = sorted(len(r.url.params["ids"].split(",")) for r in platform.requests)
    assert sizes == [50, 100, 100]
    assert [s.customer_message_id for s in statuses] == list(reversed(ids[::2]))
    assert 1 < platform.most_in_flight <= 4


async def test_statuses_respect_a_character_budget() -> None:
    """Long custom ids are chunked by query length as well as by count."""
    ids = [f"{n:03d}-" + "x" * 96 for n in range(60)]
    platform = Platform(dict.fromkeys(ids, "SENT"))
    async with make_async(platform) as client:
        statuses = await client.messages.statuses(ids, channel="SMS")
    assert len(statuses) == 60
    assert len(platform.requests) > 1
    assert all(len(r.url.params["ids"]) <= 1500 for r in platform.requests)


async def test_statuses_split_again_on_414() -> None:
    """A 414 from a proxy splits the batch in halves until it fits."""
    ids = [f"m{n}" for n in range(100)]
    platform = Platform(dict.fromkeys(ids, "SENT"))
    platform.max_ids = 30
    async with make_async(platform) as client:
        statuses = await client.messages.statuses(ids, channel="SMS")
    assert [s.customer_message_id for s in statuses] == ids
    assert {r.url.params["ids"].count(",") + 1 for r in platform.requests} >= {100, 50, 25}


async def test_statuses_unknown_ids_are_absent_and_duplicates_merged() -> None:
    """Ids the platform does not know are left out; a repeated id is asked once."""
    platform = Platform({"a": "SENT", "c": "ERROR"})
    async with make_async(platform) as client:
        statuses = await client.messages.statuses(["a", "b", "a", "c"], channel="SMS")
        assert await client.messages.statuses([], channel="SMS") == []
    assert [(s.customer_message_id, s.status) for s in statuses] == [("a", S.SENT), ("c", S.ERROR)]
    assert platform.requests[0].url.params["ids"] == "a,b,c"
    assert len(platform.requests) == 1


async def test_statuses_raise_the_first_error_plainly(make_client: Make) -> None:
    """A failing chunk raises its own error (not an exception group) and stops the rest."""
    client = make_client(lambda r: httpx.Response(401, json={"message": "bad key"}))
    with pytest.raises(qlara.AuthenticationError):
        await client.messages.statuses([f"m{n}" for n in range(500)], channel="SMS")


@pytest.mark.parametrize(
    ("ids", "field"),
    [
        ("abc", "ids"),
        (["a,b"], "ids"),
        ([""], "ids"),
        ([None], "ids"),
        (None, "ids"),
        (5, "ids"),
        ([["a"]], "ids"),
    ],
)
async def test_statuses_arguments_are_checked(make_client: Make, ids: Any, field: str) -> None:
    """A single string, an id with a comma or an empty id is refused before sending."""
    client = make_client(lambda r: httpx.Response(200, json=[]))
    with pytest.raises(qlara.ValidationError) as caught:
        await client.messages.statuses(ids, channel="SMS")
    assert caught.value.field == field


@pytest.mark.parametrize("body", [{"items": []}, "oops", [{"deliveryStatus": "SENT"}]])
async def test_malformed_batch_answers(make_client: Make, body: Any) -> None:
    """A batch answer that is not an array of statuses is a MalformedResponseError."""
    client = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(qlara.MalformedResponseError):
        await client.messages.statuses(["m1"], channel="SMS")


def history_item(n: int) -> dict[str, Any]:
    return {
        "messageId": f"h{n}",
        "channel": "SMS",
        "direction": "OUTBOUND",
        "destination": "+393401234567",
        "status": "DELIVERED",
        "sendDate": "2026-04-01T10:00:00Z",
        "deliveryDate": "2026-04-01T10:00:05.250+02:00",
        "cost": 0.035,
        "parts": 1,
    }


def history_platform(total: int, wrap: bool) -> tuple[list[httpx.Request], Any]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        items = [history_item(n) for n in range(page * limit, min(total, (page + 1) * limit))]
        return httpx.Response(200, json={"messages": items} if wrap else items)

    return requests, handler


@pytest.mark.parametrize("wrap", [False, True])
async def test_history_pages_through_both_shapes(make_client: Make, wrap: bool) -> None:
    """history() follows 0-based pages until an empty page, for the array and the wrapper."""
    requests, handler = history_platform(5, wrap)
    client = make_client(handler)
    items = [
        item
        async for item in client.messages.history(
            channel="sms", from_=FROM, to=TO, status="delivered", limit=2
        )
    ]
    assert [i.customer_message_id for i in items] == ["h0", "h1", "h2", "h3", "h4"]
    assert [r.url.params["page"] for r in requests] == ["0", "1", "2", "3"]
    params = requests[0].url.params
    assert params["from"] == "2026-04-01T00:00:00+00:00"
    assert params["to"] == "2026-04-02T00:00:00+02:00"
    assert (params["channel"], params["status"], params["limit"]) == ("SMS", "DELIVERED", "2")
    first = items[0]
    assert first.status is S.DELIVERED
    assert first.channel is qlara.Channel.SMS
    assert first.cost == pytest.approx(0.035)
    assert first.parts == 1
    assert first.sent_at == datetime(2026, 4, 1, 10, tzinfo=timezone.utc)
    assert first.delivered_at == datetime(2026, 4, 1, 8, 0, 5, 250000, tzinfo=timezone.utc)


async def test_history_stops_on_an_empty_page(make_client: Make) -> None:
    """A total that is a multiple of the limit ends with one empty page."""
    requests, handler = history_platform(4, False)
    client = make_client(handler)
    items = [i async for i in client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)]
    assert len(items) == 4
    assert len(requests) == 3


async def test_history_keeps_paging_when_the_server_caps_the_page_size(make_client: Make) -> None:
    """A server that answers fewer items than asked (a page-size cap) is paged to its end."""
    total, cap = 130, 50
    pages: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        size = min(int(request.url.params["limit"]), cap)
        pages.append(request.url.params["page"])
        items = [history_item(n) for n in range(total)][page * size : (page + 1) * size]
        return httpx.Response(200, json=items)

    client = make_client(handler)
    items = [i async for i in client.messages.history(channel="SMS", from_=FROM, to=TO)]
    assert [i.customer_message_id for i in items] == [f"h{n}" for n in range(total)]
    assert pages == ["0", "1", "2", "3"]


async def test_history_checks_arguments_before_iterating(make_client: Make) -> None:
    """Naive datetimes, a bad status or limit fail at the call."""
    client = make_client(lambda r: httpx.Response(200, json=[]))
    naive = datetime(2026, 4, 1)
    bad: list[dict[str, Any]] = [
        {"from_": naive, "to": TO},
        {"from_": FROM, "to": naive},
        {"from_": "2026-04-01", "to": TO},
        {"from_": FROM, "to": TO, "status": "LOST"},
        {"from_": TO + timedelta(days=1), "to": TO, "limit": 0},
        {"from_": FROM, "to": TO, "limit": 0},
        {"from_": FROM, "to": TO, "limit": 1001},
        {"from_": FROM, "to": TO, "channel": "PIGEON"},
    ]
    for arguments in bad:
        arguments.setdefault("channel", "SMS")
        with pytest.raises(qlara.ValidationError):
            client.messages.history(**arguments)


async def test_history_of_a_reversed_period_is_empty_and_sends_nothing(make_client: Make) -> None:
    """A period ending before it starts holds nothing, as the platform documents: no request."""
    requests: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=[])

    client = make_client(platform)
    pager = client.messages.history(channel="SMS", from_=TO + timedelta(days=1), to=TO)
    assert [item async for item in pager] == []
    assert (await pager.first_page()).has_more is False
    assert requests == []


@pytest.mark.parametrize("body", [{"total": 3}, 7, [1, 2]])
async def test_history_malformed_pages(make_client: Make, body: Any) -> None:
    """A page that is neither shape is a MalformedResponseError."""
    client = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(qlara.MalformedResponseError):
        async for _ in client.messages.history(channel="SMS", from_=FROM, to=TO):
            pass


async def test_history_refuses_a_server_that_ignores_page(make_client: Make) -> None:
    """A server answering the same full page forever is reported, not paged endlessly."""
    client = make_client(lambda r: httpx.Response(200, json=[history_item(0), history_item(1)]))
    seen: list[str] = []

    async def collect() -> None:
        async for item in client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2):
            seen.append(item.customer_message_id)  # noqa: PERF401 - keeps what came before the error

    with pytest.raises(qlara.MalformedResponseError, match="repeats"):
        await collect()
    assert seen == ["h0", "h1"]


async def test_export_history(make_client: Make) -> None:
    """export_history posts the period and returns the export job the 202 names."""
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, json.loads(request.content)))
        if len(seen) == 1:
            return httpx.Response(202, json={"exportId": "exp-1", "status": "PENDING"})
        return httpx.Response(202)

    client = make_client(handler)
    job = await client.messages.export_history(start=FROM, end=TO, sender="Shop")
    assert isinstance(job, qlara.ExportJob)
    assert (job.id, job.status, job.is_available_for_download) == ("exp-1", "PENDING", False)
    assert job.raw == {"exportId": "exp-1", "status": "PENDING"}
    bare = await client.messages.export_history(start=FROM, end=TO)
    assert bare.id is None
    seen.pop()
    assert seen == [
        (
            "POST",
            "/api/partner-gateway/v1/messages/history/export",
            {
                "startDateTime": "2026-04-01T00:00:00+00:00",
                "endDateTime": "2026-04-02T00:00:00+02:00",
                "sender": "Shop",
            },
        )
    ]
    with pytest.raises(qlara.ValidationError):
        await client.messages.export_history(start=datetime(2026, 1, 1), end=TO)


class Progressing(Platform):
    """Each poll moves every asked message one step on (SENT, then its final state)."""

    def __init__(self, finals: dict[str, str]) -> None:
        super().__init__(dict.fromkeys(finals, "SENT"))
        self.finals = finals
        self.asked: list[list[str]] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        self.asked.append(ids)
        response = super().answer(request)
        for identifier in ids:
            self.statuses[identifier] = self.finals[identifier]
        return response


async def test_wait_for_final_polls_only_what_is_open() -> None:
    """wait_for_final re-asks only the messages not final yet, and returns every status."""
    platform = Progressing({"a": "DELIVERED", "b": "ERROR"})
    async with make_async(platform) as client:
        statuses = await client.messages.wait_for_final(
            ["a", "b"], channel="SMS", initial_interval=0.001
        )
    assert [(s.customer_message_id, s.status) for s in statuses] == [
        ("a", S.DELIVERED),
        ("b", S.ERROR),
    ]
    assert platform.asked == [["a", "b"], ["a", "b"]]


async def test_wait_for_final_gives_up_at_the_timeout() -> None:
    """When time runs out it returns the latest statuses, some not final."""
    platform = Platform({"a": "SENT", "b": "DELIVERED"})
    async with make_async(platform) as client:
        statuses = await client.messages.wait_for_final(
            ["a", "b", "zz"],
            channel="SMS",
            timeout=0.02,
            initial_interval=0.001,
            max_interval=0.004,
        )
    assert [(s.customer_message_id, s.status) for s in statuses] == [
        ("a", S.SENT),
        ("b", S.DELIVERED),
    ]
    asked_later = [r.url.params["ids"] for r in platform.requests[1:]]
    assert asked_later
    assert all(ids == "a,zz" for ids in asked_later)


async def test_wait_for_final_checks_its_numbers(make_client: Make) -> None:
    """A negative timeout or interval is refused."""
    client = make_client(lambda r: httpx.Response(200, json=[]))
    with pytest.raises(qlara.ValidationError):
        await client.messages.wait_for_final(["a"], channel="SMS", timeout=-1)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"ids": None}, "ids"),
        ({"ids": 5}, "ids"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": 10**400}, "timeout"),
        ({"initial_interval": float("nan")}, "initial_interval"),
        ({"max_interval": "1"}, "max_interval"),
        ({"extra_body": 5}, "extra_body"),
    ],
)
async def test_wait_for_final_refuses_odd_arguments(
    make_client: Make, arguments: dict[str, Any], field: str
) -> None:
    """Not an id list, a NaN or a number too large for a float is a ValidationError naming it."""
    client = make_client(lambda r: httpx.Response(200, json=[]))
    arguments = {"ids": ["a"], "channel": "SMS", "timeout": 0.01, **arguments}
    with anyio.fail_after(5), pytest.raises(qlara.ValidationError) as caught:
        await client.messages.wait_for_final(**arguments)
    assert caught.value.field == field


@pytest.mark.parametrize("extra_body", [5, "x", ["a"]])
async def test_extra_body_must_be_a_mapping(make_client: Make, extra_body: Any) -> None:
    """extra_body that is not a mapping is refused on status, statuses and history."""
    client = make_client(lambda r: httpx.Response(200, json=[]))
    with pytest.raises(qlara.ValidationError) as one:
        await client.messages.status("a", channel="SMS", extra_body=extra_body)
    with pytest.raises(qlara.ValidationError) as many:
        await client.messages.statuses(["a"], channel="SMS", extra_body=extra_body)
    with pytest.raises(qlara.ValidationError) as listing:
        client.messages.history(channel="SMS", from_=FROM, to=TO, extra_body=extra_body)
    assert {one.value.field, many.value.field, listing.value.field} == {"extra_body"}


def test_sync_facade_history_and_status() -> None:
    """The blocking client polls and pages; breaking out early stops the pump cleanly."""
    _, pages = history_platform(7, True)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/history"):
            response: httpx.Response = pages(request)
            return response
        item = {"customerMessageId": "m1", "deliveryStatus": "SENT"}
        return httpx.Response(200, json=[item] if "ids" in request.url.params else item)

    with qlara.Qlara(
        KEY, transport=httpx.MockTransport(handler), rate_limit=None, retry_policy=FAST_RETRIES
    ) as client:
        assert client.messages.status("m1", channel="SMS").status is S.SENT
        items = list(client.messages.history(channel="SMS", from_=FROM, to=TO, limit=3))
        assert [i.customer_message_id for i in items] == [f"h{n}" for n in range(7)]
        iterator = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        assert next(iter(iterator)).customer_message_id == "h0"
        iterator.close()
        with pytest.raises(qlara.ValidationError):
            client.messages.history(channel="SMS", from_=datetime(2026, 1, 1), to=TO)
        assert client.messages.wait_for_final(["m1"], channel="SMS", timeout=0)[0].status is S.SENT


def test_sync_history_reraises_errors() -> None:
    """An error on a later page reaches the blocking caller as itself."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "0":
            return httpx.Response(200, json=[history_item(0), history_item(1)])
        return httpx.Response(403, json={"message": "not in plan"})

    with qlara.Qlara(
        KEY, transport=httpx.MockTransport(handler), rate_limit=None, retry_policy=FAST_RETRIES
    ) as client:
        iterator = client.messages.history(channel="SMS", from_=FROM, to=TO, limit=2)
        assert next(iterator).customer_message_id == "h0"
        assert next(iterator).customer_message_id == "h1"
        with pytest.raises(qlara.PermissionDeniedError):
            next(iterator)


@given(
    st.lists(st.text(min_size=1, max_size=120), max_size=300, unique=True),
    st.integers(1, 150),
    st.integers(10, 2000),
)
def test_chunks_keep_every_id_once_within_budget(ids: list[str], max_ids: int, budget: int) -> None:
    """Chunking keeps order, loses nothing, and respects both limits (a lone giant id aside)."""
    chunks = list(chunk_ids(ids, max_ids=max_ids, max_chars=budget))
    assert [i for chunk in chunks for i in chunk] == ids
    for chunk in chunks:
        assert 1 <= len(chunk) <= max_ids
        encoded = sum(len(quote(i, safe="")) for i in chunk) + 3 * (len(chunk) - 1)
        assert encoded <= budget or len(chunk) == 1
