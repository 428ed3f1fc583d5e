"""The design's public contract (design.md §2-§14), called exactly as written, on doc-shaped fakes.

Each fake answers as the platform's documentation shows (api/qlara-api.md:
paths, methods, query names, status codes with their empty bodies, the UC
example JSON), never as our simulator does. Every scenario runs on the async
client (asyncio and trio, driven through a blocking portal so one scenario
body serves both clients) and on the sync client.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

import qlara
import qlara.webhooks
from tests.conftest import KEY

GW = "/api/partner-gateway/v1"
MS = "/api/message-server"
Handler = Callable[[httpx.Request], httpx.Response]
Answer = "tuple[int, Any] | Handler"


class Fake:
    """A doc-shaped platform: exact (method, path) routes; anything else is a 404."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str, dict[str, str], Any, httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: Any = None
        content = request.read()
        if request.headers.get("content-type", "").startswith("application/json") and content:
            body = json.loads(content)
        elif content:
            body = content
        query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        self.calls.append((request.method, request.url.path, query, body, request))
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            answer = self.routes.get((request.method, f"{request.url.host}{request.url.path}"))
        if answer is None:
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "x"})
        if callable(answer):
            return answer(request)  # type: ignore[no-any-return]
        status, payload = answer
        if payload is None:
            return httpx.Response(status)
        if isinstance(payload, bytes):
            return httpx.Response(status, content=payload)
        return httpx.Response(status, json=payload)

    def last(self, method: str, path: str) -> tuple[dict[str, str], Any, httpx.Request]:
        for m, p, q, b, r in reversed(self.calls):
            if (m, p) == (method, path):
                return q, b, r
        raise AssertionError(f"{method} {path} was never called: {[c[:2] for c in self.calls]}")


class Drive:
    """The async client made blocking through a portal, so a scenario drives both clients."""

    def __init__(self, target: Any, portal: BlockingPortal) -> None:
        self._target = target
        self._portal = portal

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.ismethod(value) or inspect.isfunction(value):
            return lambda *a, **k: self._wrap(value(*a, **k))
        if type(value).__module__.startswith("qlara._resources"):
            return Drive(value, self._portal)
        return value

    def _wrap(self, value: Any) -> Any:
        if inspect.isawaitable(value):

            async def wait() -> Any:
                return await value

            return self._wrap(self._portal.call(wait))
        if isinstance(value, qlara.AsyncQlara):
            return Drive(value, self._portal)
        if hasattr(value, "__aiter__"):
            return _Iter(value, self._portal)
        return value


class _Iter:
    def __init__(self, pager: Any, portal: BlockingPortal) -> None:
        self._pager = pager
        self._portal = portal

    def first_page(self) -> Any:
        return self._portal.call(self._pager.first_page)

    def __iter__(self) -> Iterator[Any]:
        walk = self._pager.__aiter__()
        done = object()

        async def step() -> Any:
            try:
                return await walk.__anext__()
            except StopAsyncIteration:
                return done

        while (item := self._portal.call(step)) is not done:
            yield item


MODES = ["async-asyncio", "async-trio", "sync"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(mode: str) -> Iterator[Callable[..., Any]]:
    """Make a client of the mode under test over a fake; closed at the end."""
    closers: list[Callable[[], None]] = []
    portals: list[Any] = []

    def make(fake: Fake, **options: Any) -> Any:
        options.setdefault("rate_limit", None)
        transport = httpx.MockTransport(fake)
        if mode == "sync":
            sync = qlara.Qlara(api_key=KEY, transport=transport, **options)
            closers.append(sync.close)
            return sync
        if not portals:
            cm = start_blocking_portal(mode.split("-")[1])
            portals.append((cm, cm.__enter__()))
        portal = portals[0][1]
        client = qlara.AsyncQlara(api_key=KEY, transport=transport, **options)
        closers.append(lambda: portal.call(client.aclose))
        return Drive(client, portal)

    yield make
    for close in reversed(closers):
        close()
    for cm, _ in portals:
        cm.__exit__(None, None, None)


# ---------------------------------------------------------------- §2-§8 (a quick pass)

SEND_OK = {
    "messageId": "e76614d1-0000",
    "simulation": False,
    "results": {"sms": {"accepted": True, "unicode": False, "parts": 1, "reasons": []}},
}


def test_sms_send_and_older_shape(connect: Callable[..., Any]) -> None:
    """sms.send posts the documented body, reads a 202 and the older shape, keeps messageId."""
    old = {
        "messageId": "m",
        "customerMessageId": "order-1",
        "simulation": False,
        "results": [
            {"phoneNumber": "+393401234567", "accepted": True, "channel": "sms", "statusCode": 200}
        ],
    }
    answers = iter([(202, SEND_OK), (200, old)])
    fake = Fake({("POST", f"{MS}/sms/send"): lambda r: _respond(*next(answers))})
    client = connect(fake)
    result = client.sms.send(destination="+393401234567", body="Hi", sender="Qlara")
    _, body, request = fake.last("POST", f"{MS}/sms/send")
    assert request.headers["x-api-key"] == KEY
    assert {k: body[k] for k in ("destination", "body", "sender")} == {
        "destination": "+393401234567",
        "body": "Hi",
        "sender": "Qlara",
    }
    assert isinstance(result, qlara.SendResult)
    assert result.accepted
    assert result.message_id == body["messageId"]
    channel = result.results[qlara.Channel.SMS]
    assert isinstance(channel, qlara.ChannelResult)
    assert (channel.accepted, channel.unicode, channel.parts, list(channel.reasons)) == (
        True,
        False,
        1,
        [],
    )
    when = datetime(2026, 4, 10, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    again = client.send(
        qlara.SmsMessage(
            destination="+393401234567", body="Hi", sender="Qlara", scheduled_date=when
        )
    )
    assert fake.last("POST", f"{MS}/sms/send")[1]["scheduledDate"] == "2026-04-10 08:00:00.000+0200"
    assert again.accepted
    assert again.results[qlara.Channel.SMS].accepted
    assert KEY not in repr(client)


def _respond(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(status) if payload is None else httpx.Response(status, json=payload)


def test_tracking_and_webhooks(connect: Callable[..., Any]) -> None:
    """Status, batch status, history and the webhook calls use the documented paths and codes."""
    item = {
        "customerMessageId": "a",
        "deliveryStatus": "DELIVERED",
        "deliveryStatusDescription": "ok",
    }
    made = {
        "id": "wh-7f8a9b0c",
        "callbackUrl": "https://h/cb",
        "status": "ACTIVE",
        "createdAt": "2026-04-09T10:30:00Z",
    }
    hook: list[tuple[int, Any]] = [(201, made), (409, {"status": 409, "message": "exists"})]
    fake = Fake(
        {
            ("GET", f"{GW}/messages/status/a"): (200, item),
            ("GET", f"{GW}/messages/status"): (200, [item]),
            ("GET", f"{GW}/messages/history"): (
                200,
                {"messages": [{"messageId": "a", "status": "DELIVERED"}]},
            ),
            ("POST", f"{GW}/webhooks/delivery-status"): lambda r: _respond(*hook.pop(0)),
            ("PUT", f"{GW}/webhooks/delivery-status"): (200, {"callbackUrl": "https://h/cb"}),
            ("GET", f"{GW}/webhooks/delivery-status"): (200, {"callbackUrl": "https://h/cb"}),
            ("DELETE", f"{GW}/webhooks/delivery-status"): (204, None),
        }
    )
    client = connect(fake)
    status = client.messages.status("a", channel="SMS")
    assert isinstance(status, qlara.MessageStatus)
    assert (status.customer_message_id, status.status, status.description) == (
        "a",
        qlara.DeliveryStatus.DELIVERED,
        "ok",
    )
    assert status.raw == item
    assert fake.last("GET", f"{GW}/messages/status/a")[0] == {"channel": "SMS"}
    assert client.messages.status(id="a", channel="SMS").raw == item
    [keyed] = client.messages.statuses(ids=["a"], channel="SMS")
    assert keyed.raw == item
    [many] = client.messages.statuses(["a", "b"], channel=qlara.Channel.SMS)
    assert fake.last("GET", f"{GW}/messages/status")[0] == {"ids": "a,b", "channel": "SMS"}
    assert many.status is qlara.DeliveryStatus.DELIVERED
    start = datetime(2026, 4, 1, tzinfo=timezone.utc)
    history = list(client.messages.history(channel="SMS", from_=start, to=start))
    assert [h.status for h in history] == [qlara.DeliveryStatus.DELIVERED]
    created = client.webhooks.create("https://h/cb")
    assert fake.last("POST", f"{GW}/webhooks/delivery-status")[1] == {"callbackUrl": "https://h/cb"}
    assert (created.id, created.callback_url, created.status) == (
        "wh-7f8a9b0c",
        "https://h/cb",
        "ACTIVE",
    )
    assert client.webhooks.set(url="https://h/cb") is not None
    assert fake.last("PUT", f"{GW}/webhooks/delivery-status")[1] == {"callbackUrl": "https://h/cb"}
    assert client.webhooks.get() is not None
    assert client.webhooks.delete() is None


def test_errors_and_parse(connect: Callable[..., Any]) -> None:
    """Documented error answers map onto the typed tree; every webhook variant parses."""
    fake = Fake(
        {
            ("GET", f"{GW}/contacts/1"): (401, {"status": 401, "message": "bad key"}),
            ("GET", f"{GW}/contacts/2"): (
                429,
                {"status": 429, "error": "Too Many Requests", "message": "m", "retryAfter": 120},
            ),
            ("POST", f"{MS}/sms/send"): (500, {"status": 500}),
        }
    )
    client = connect(fake, max_retries=0)
    with pytest.raises(qlara.AuthenticationError) as auth:
        client.contacts.get(1)
    assert auth.value.status_code == 401
    assert KEY not in str(auth.value)
    with pytest.raises(qlara.RateLimitError) as limited:
        client.contacts.get(2)
    assert limited.value.retry_after == 120
    with pytest.raises(qlara.OutcomeUnknownError) as unknown:
        client.sms.send(destination="+393401234567", body="Hi", sender="Qlara", message_id="mine")
    assert unknown.value.message_id == "mine"
    with pytest.raises(qlara.ValidationError):
        client.sms.send(destination="3401234567", body="Hi", sender="Qlara")
    event = qlara.webhooks.parse(
        {
            "eventType": "DELIVERY",
            "messageId": "e7",
            "customerMessageId": "order-12345",
            "destination": "+39",
            "statusCode": 3,
            "description": "Message delivered",
            "channel": "SMS",
            "timestamp": "2026-04-09T10:30:00Z",
        }
    )
    assert isinstance(event, qlara.webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert event.timestamp is not None
    assert event.timestamp.tzinfo is not None
    inbound = qlara.webhooks.parse(
        b'{"channel":"RCS","eventType":"INBOUND","messageId":"i","source":"+39","destination":"+39",'
        b'"receivedDate":"2026-04-09T10:30:00Z","messageType":"IMAGE","mediaKey":"mk"}'
    )
    assert isinstance(inbound, qlara.webhooks.InboundEvent)
    assert inbound.media_key == "mk"
    assert isinstance(qlara.webhooks.parse('{"eventType":"NEW"}'), qlara.webhooks.UnknownEvent)
    sms_ref = qlara.webhooks.parse(
        {
            "channel": "SMS",
            "eventType": "DELIVERY",
            "messageId": "u",
            "statusCode": 6,
            "statusDescription": "undeliverable",
            "price": 0.04,
            "numPart": 1,
            "totalParts": 2,
            "timestamp": "2026-04-09T10:30:00Z",
        }
    )
    assert isinstance(sms_ref, qlara.webhooks.DeliveryEvent)
    assert (sms_ref.status, sms_ref.price, sms_ref.part, sms_ref.total_parts) == (
        qlara.DeliveryStatus.ERROR,
        0.04,
        1,
        2,
    )
    old = qlara.webhooks.parse(
        {
            "messageId": "o",
            "customerMessageId": "c",
            "phoneNumber": "+39",
            "status": "EXPIRED",
            "timestamp": "2026-04-09T10:30:00Z",
            "channel": "sms",
            "error": None,
        }
    )
    assert isinstance(old, qlara.webhooks.DeliveryEvent)
    assert old.status is qlara.DeliveryStatus.EXPIRED
    assert old.channel is qlara.Channel.SMS
    tracker = qlara.webhooks.DeliveryTracker()
    assert tracker is not None


async def test_construction_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing key is a ConfigurationError; the options are accepted as the design names them."""
    monkeypatch.delenv("QLARA_API_KEY", raising=False)
    with pytest.raises(qlara.ConfigurationError):
        qlara.AsyncQlara()
    client = qlara.AsyncQlara(
        api_key=KEY,
        base_url=None,
        auth=None,
        timeout=30.0,
        max_retries=2,
        retry_policy=None,
        rate_limit=qlara.RateLimit.production(),
        http_client=None,
        transport=None,
    )
    assert KEY not in repr(client)
    assert KEY not in str(client)
    await client.aclose()
    qlara.RetryPolicy(max_retry_after=60, retry_ambiguous_sends=False)
    qlara.BasicAuth("u", "p")
    template = qlara.WhatsAppTemplate(id=42, name=None, language=None, parameters=None)
    assert template.id == 42
    with pytest.raises(qlara.ValidationError):
        qlara.WhatsAppTemplate(id=None, name=None, language=None, parameters=None)


# ---------------------------------------------------------------- §9 one resource layer


def test_request_escape_hatch(connect: Callable[..., Any]) -> None:
    """client.request goes through the pipeline and answers a RawResponse; errors stay typed."""
    fake = Fake(
        {
            ("GET", f"{GW}/contacts"): (200, [{"id": 1}]),
            ("DELETE", f"{GW}/contacts"): (204, None),
            ("GET", f"{GW}/contacts/9"): (404, {"status": 404, "message": "no"}),
        }
    )
    client = connect(fake)
    raw = client.request("GET", "/partner-gateway/v1/contacts", params={"page": 0, "limit": 5})
    assert isinstance(raw, qlara.RawResponse)
    assert (raw.status_code, raw.json(), json.loads(raw.content)) == (200, [{"id": 1}], [{"id": 1}])
    assert raw.headers["content-type"].startswith("application/json")
    query, _, request = fake.last("GET", f"{GW}/contacts")
    assert query == {"page": "0", "limit": "5"}
    assert request.headers["x-api-key"] == KEY
    empty = client.request(
        "DELETE",
        "/partner-gateway/v1/contacts",
        params=None,
        json=None,
        files=None,
        data=None,
        timeout=None,
        extra_headers={"X-Trace": "t"},
    )
    assert (empty.status_code, empty.content) == (204, b"")
    assert fake.last("DELETE", f"{GW}/contacts")[2].headers["x-trace"] == "t"
    with pytest.raises(qlara.NotFoundError):
        client.request("GET", "/partner-gateway/v1/contacts/9")
    assert client.request("GET", "partner-gateway/v1/contacts").json() == [{"id": 1}]
    fake.routes[("POST", f"{GW}/contacts/upload")] = (200, {"imported": 1})
    sent = client.request(
        "POST",
        "/partner-gateway/v1/contacts/upload",
        files={"file": ("a.csv", b"x,y\n")},
        data={"listId": 87},
    )
    assert sent.json() == {"imported": 1}
    _, body, request = fake.last("POST", f"{GW}/contacts/upload")
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="a.csv"' in body
    assert b'name="listId"' in body


def _paged(items: list[dict[str, Any]], limit_key: str = "limit") -> Handler:
    """A 0-based page/limit listing answered as a bare JSON array."""

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        limit = int(request.url.params.get(limit_key, "10"))
        return httpx.Response(200, json=items[page * limit : (page + 1) * limit])

    return answer


def test_pagers_and_pages(connect: Callable[..., Any]) -> None:
    """A list endpoint gives a pager that walks 0-based pages lazily and has first_page()."""
    people = [{"id": n, "phoneNumber": f"+3934012345{n:02}"} for n in range(5)]
    fake = Fake({("GET", f"{GW}/contacts"): _paged(people)})
    client = connect(fake)
    pager = client.contacts.list(limit=2)
    first = pager.first_page()
    assert isinstance(first, qlara.Page)
    assert (first.page, first.has_more, [c.id for c in first.items]) == (0, True, [0, 1])
    assert first.items[0].raw == people[0]
    assert [c.id for c in pager] == [0, 1, 2, 3, 4]
    pages = [q["page"] for m, p, q, _, _ in fake.calls if p == f"{GW}/contacts"]
    assert pages[:4] == ["0", "0", "1", "2"]


def test_pager_types() -> None:
    """The sync client's listings are qlara.Pager, the async client's qlara.AsyncPager."""
    fake = Fake({("GET", f"{GW}/contacts"): (200, [])})
    with qlara.Qlara(api_key=KEY, transport=httpx.MockTransport(fake), rate_limit=None) as client:
        pager = client.contacts.list()
        assert isinstance(pager, qlara.Pager)
        with pytest.raises(StopIteration):
            next(pager)  # a plain iterator
        assert list(pager) == []
        assert pager.first_page().items == ()


async def test_async_pager_type() -> None:
    """The async client's listings are qlara.AsyncPager with first_page() giving a qlara.Page."""
    fake = Fake({("GET", f"{GW}/contacts"): (200, [])})
    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(fake), rate_limit=None
    ) as client:
        pager = client.contacts.list()
        assert isinstance(pager, qlara.AsyncPager)
        assert isinstance(await pager.first_page(), qlara.Page)
        assert [item async for item in pager] == []


# ---------------------------------------------------------------- §10 the rest of the API

PHONE = {
    "phoneNumberId": "waba-num-001",
    "phoneNumber": "+390212345678",
    "displayName": "ShopItalia",
    "qualityRating": "GREEN",
    "status": "ACTIVE",
    "messagingLimit": "TIER_10K",
    "verifiedName": "ShopItalia S.r.l.",
    "platform": "CLOUD_API",
}
WA_TEMPLATE = {
    "id": 42,
    "name": "order_shipped",
    "language": "it",
    "category": "UTILITY",
    "status": "APPROVED",
    "components": [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Ciao {{1}}, ordine {{2}} in arrivo {{3}}"},
        {"type": "FOOTER", "text": "f"},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track"}]},
    ],
}


def test_whatsapp_numbers_and_templates(connect: Callable[..., Any]) -> None:
    """Phone numbers and WhatsApp templates: documented paths, query names, shapes and 204s."""
    fake = Fake(
        {
            ("GET", f"{MS}/whatsapp/phone-numbers"): (200, {"phoneNumbers": [PHONE]}),
            ("GET", f"{MS}/whatsapp/phone-numbers/waba-num-001"): (200, PHONE),
            ("GET", f"{MS}/whatsapp/templates"): (200, {"data": [WA_TEMPLATE]}),
            ("GET", f"{MS}/whatsapp/templates/42"): (200, WA_TEMPLATE),
            ("POST", f"{MS}/whatsapp/templates"): (200, {**WA_TEMPLATE, "status": "PENDING"}),
            ("PATCH", f"{MS}/whatsapp/templates/42"): (200, WA_TEMPLATE),
            ("DELETE", f"{MS}/whatsapp/templates/42"): (204, None),
        }
    )
    client = connect(fake)
    [number] = list(client.whatsapp.phone_numbers.list())
    assert number.raw["displayName"] == "ShopItalia"
    assert client.whatsapp.phone_numbers.get("waba-num-001").raw == PHONE
    assert client.whatsapp.phone_numbers.get(phone_number_id="waba-num-001").raw == PHONE
    [template] = list(client.whatsapp.templates.list(status="APPROVED", phone_number_id=5))
    query = fake.last("GET", f"{MS}/whatsapp/templates")[0]
    assert (query["status"], query["phoneNumberId"]) == ("APPROVED", "5")
    assert template.raw["name"] == "order_shipped"
    assert client.whatsapp.templates.get(42).raw == WA_TEMPLATE
    assert client.whatsapp.templates.get(id=42).raw == WA_TEMPLATE
    client.whatsapp.templates.create(
        phone_number_id=5, name="order_shipped", lang="it", category="UTILITY", body="Ciao {name}"
    )
    query, body, _ = fake.last("POST", f"{MS}/whatsapp/templates")
    assert query == {"phoneNumberId": "5"}
    assert {k: body[k] for k in ("name", "lang", "category", "body")} == {
        "name": "order_shipped",
        "lang": "it",
        "category": "UTILITY",
        "body": "Ciao {name}",
    }
    client.whatsapp.templates.update(42, footer="new")
    assert fake.last("PATCH", f"{MS}/whatsapp/templates/42")[1]["footer"] == "new"
    client.whatsapp.templates.update(id=42, footer="newer")
    assert fake.last("PATCH", f"{MS}/whatsapp/templates/42")[1]["footer"] == "newer"
    assert client.whatsapp.templates.delete(42) is None
    assert client.whatsapp.templates.delete(id=42) is None
    checked = client.whatsapp.templates.check(42, {"1": "Ada", "2": "A1", "3": "oggi"})
    assert checked.raw["id"] == 42
    placeholders = {"1": "Ada", "2": "A1", "3": "oggi"}
    assert client.whatsapp.templates.check(template_id=42, placeholders=placeholders).id == 42
    with pytest.raises(qlara.ValidationError):
        client.whatsapp.templates.check(42, {"1": "Ada"})


def test_rcs_templates(connect: Callable[..., Any]) -> None:
    """RCS templates: GET/POST/PUT/DELETE on the documented paths with the documented body."""
    item = {
        "id": 3,
        "name": "promo",
        "description": "d",
        "type": "TEXT",
        "body": {"text": "Hi {name}"},
    }
    base = f"{MS}/rcs/templates"
    fake = Fake(
        {
            ("GET", base): (200, [item]),
            ("GET", f"{base}/3"): (200, item),
            ("POST", base): (201, item),
            ("PUT", f"{base}/3"): (200, item),
            ("DELETE", f"{base}/3"): (204, None),
        }
    )
    client = connect(fake)
    assert [t.raw for t in client.rcs.templates.list()] == [item]
    assert client.rcs.templates.get(3).raw == item
    assert client.rcs.templates.get(id=3).raw == item
    client.rcs.templates.create(
        name="promo", description="d", type="TEXT", body={"text": "Hi {name}"}
    )
    assert fake.last("POST", base)[1] == {
        "name": "promo",
        "description": "d",
        "type": "TEXT",
        "body": {"text": "Hi {name}"},
    }
    client.rcs.templates.update(
        3, name="promo", description="d2", type="TEXT", body=qlara.RcsText(text="Hi")
    )
    assert fake.last("PUT", f"{base}/3")[1]["description"] == "d2"
    client.rcs.templates.update(
        id=3, name="promo", description="d3", type="TEXT", body=qlara.RcsText(text="Hi")
    )
    assert fake.last("PUT", f"{base}/3")[1]["description"] == "d3"
    assert client.rcs.templates.delete(3) is None
    assert client.rcs.templates.delete(id=3) is None


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
MEDIA = {
    "mediaId": "med_1",
    "name": "logo",
    "description": "d",
    "url": "https://cdn/x.png",
    "mimeType": "image/png",
    "size": 3,
    "width": 1,
    "height": 1,
    "createdAt": "2026-04-01T10:00:00Z",
}


def test_media_and_files(connect: Callable[..., Any], tmp_path: Path) -> None:
    """Uploads take a path, bytes or a file; downloads give bytes or write to= and return it."""
    picture = tmp_path / "logo.png"
    picture.write_bytes(PNG)
    fake = Fake(
        {
            ("POST", f"{GW}/media"): (200, MEDIA),
            ("GET", f"{GW}/media"): (200, [MEDIA]),
            ("DELETE", f"{GW}/media/med_1"): (204, None),
            ("GET", "/api/files/mk1"): (200, b"\x00media"),
        }
    )
    client = connect(fake)
    for source in (picture, str(picture), PNG, io.BytesIO(PNG)):
        uploaded = client.media.upload(source, name="logo", description="d", folder_id=4)
        assert uploaded.raw == MEDIA
        _, body, request = fake.last("POST", f"{GW}/media")
        assert request.headers["content-type"].startswith("multipart/form-data")
        assert b"PNG" in body
        assert b'name="file"' in body
        assert b'name="folderId"' in body
    keyed = client.media.upload(file=PNG, name="logo", description="d", folder_id=4)
    assert keyed.raw == MEDIA
    assert [m.raw for m in client.media.list()] == [MEDIA]
    assert client.media.delete("med_1") is None
    assert client.media.delete(media_id="med_1") is None
    assert client.files.download("mk1") == b"\x00media"
    assert client.files.download(media_key="mk1", to=None) == b"\x00media"
    target = tmp_path / "in.bin"
    assert client.files.download("mk1", to=target) == target
    assert target.read_bytes() == b"\x00media"
    assert client.files.download("mk1", to=str(target)) == str(target)


def test_inbox(connect: Callable[..., Any]) -> None:
    """Inbox calls: documented paths and methods, 202/204 with empty bodies read as success."""
    base = f"{GW}/inbox/conversations"
    chat = {"chatId": "c1", "channel": "WHATSAPP", "unreadCount": 2}
    fake = Fake(
        {
            ("GET", base): (200, [chat]),
            ("GET", f"{base}/c1"): (200, chat),
            ("GET", f"{base}/c1/messages"): (
                200,
                [{"id": 5, "direction": "inbound", "text": "hi"}],
            ),
            ("POST", f"{base}/reply"): (202, None),
            ("PATCH", f"{base}/c1/read"): (200, None),
            ("PATCH", f"{base}/c1/archive"): (200, None),
            ("PATCH", f"{base}/c1/unarchive"): (200, None),
            ("POST", f"{base}/c1/assignee"): (204, None),
            ("DELETE", f"{base}/c1/assignee"): (204, None),
            ("GET", f"{base}/assignable-users"): (200, [{"userId": 7, "displayName": "Ada"}]),
        }
    )
    client = connect(fake)
    assert [c.raw for c in client.inbox.list()] == [chat]
    assert client.inbox.get("c1").raw == chat
    assert client.inbox.get(chat_id="c1").raw == chat
    [message] = list(client.inbox.messages("c1", id_from=1, id_to=9))
    query = fake.last("GET", f"{base}/c1/messages")[0]
    assert (query["idFrom"], query["idTo"]) == ("1", "9")
    assert message.raw["text"] == "hi"
    [keyed] = list(client.inbox.messages(chat_id="c1", id_from=2, id_to=8))
    query = fake.last("GET", f"{base}/c1/messages")[0]
    assert (query["idFrom"], query["idTo"]) == ("2", "8")
    assert keyed.raw["text"] == "hi"
    client.inbox.reply("c1", "Ciao")
    assert "c1" in json.dumps(fake.last("POST", f"{base}/reply")[1])
    for call in (
        client.inbox.mark_read,
        client.inbox.archive,
        client.inbox.unarchive,
        client.inbox.unassign,
    ):
        assert call("c1") is None
    assert client.inbox.assign("c1", 7) is None
    assert fake.last("POST", f"{base}/c1/assignee")[1] == {"userId": 7}
    assert client.inbox.assign(chat_id="c1", user_id=8) is None
    assert fake.last("POST", f"{base}/c1/assignee")[1] == {"userId": 8}
    client.inbox.reply(chat_id="c1", text="Ciao")
    for keyed_call in (
        client.inbox.mark_read,
        client.inbox.archive,
        client.inbox.unarchive,
        client.inbox.unassign,
    ):
        assert keyed_call(chat_id="c1") is None
    [user] = list(client.inbox.assignable_users())
    assert user.raw["displayName"] == "Ada"


def test_contacts_and_lists(connect: Callable[..., Any], tmp_path: Path) -> None:
    """Contacts and lists: the design's calls become the documented requests (201s, ids=1,2)."""
    contact = {"id": 1, "phoneNumber": "+393401234567", "firstName": "Ada"}
    vcard_answer = {
        "importId": "imp_1",
        "listId": 87,
        "status": "COMPLETED",
        "summary": {"total": 2, "imported": 1, "duplicates": 1, "errors": 0, "skipped": 0},
        "errors": [{"line": 3, "name": "x", "reason": "bad"}],
        "completedAt": "2026-04-01T10:00:00Z",
    }
    fake = Fake(
        {
            ("POST", f"{GW}/contacts"): (201, contact),
            ("GET", f"{GW}/contacts"): (200, [contact]),
            ("GET", f"{GW}/contacts/1"): (200, contact),
            ("PUT", f"{GW}/contacts/1"): (200, contact),
            ("DELETE", f"{GW}/contacts"): (200, None),
            ("POST", f"{GW}/contacts/upload"): (200, {"imported": 1}),
            ("POST", f"{GW}/contacts/upload/vcard"): (200, vcard_answer),
            ("POST", f"{GW}/contacts/list"): (
                201,
                {"id": 87, "name": "VIP", "description": None, "contactCount": 0},
            ),
            ("GET", f"{GW}/contacts/list"): (200, [{"id": 87, "name": "VIP"}]),
            ("GET", f"{GW}/contacts/list/87/contacts"): (200, [contact]),
            ("POST", f"{GW}/contacts/list/contacts"): (201, [101, 102]),
        }
    )
    client = connect(fake)
    made = client.contacts.create(phone_number="+393401234567", first_name="Ada")
    assert fake.last("POST", f"{GW}/contacts")[1] == {
        "phoneNumber": "+393401234567",
        "firstName": "Ada",
    }
    assert made.raw == contact
    assert made.id == 1
    assert [c.id for c in client.contacts.list()] == [1]
    assert client.contacts.get(1).raw == contact
    assert client.contacts.get(id=1).raw == contact
    client.contacts.update(1, first_name="Ada")
    assert fake.last("PUT", f"{GW}/contacts/1")[1] == {"firstName": "Ada"}
    client.contacts.update(id=1, last_name="Lovelace")
    assert fake.last("PUT", f"{GW}/contacts/1")[1] == {"lastName": "Lovelace"}
    with pytest.raises(qlara.ValidationError) as bad_id:
        client.contacts.get(id="")
    assert bad_id.value.field == "id"
    assert client.contacts.delete(ids=[1, 2]) is None
    assert client.contacts.delete(ids=[1, 2], all_except=None) is None
    _, _, request = fake.last("DELETE", f"{GW}/contacts")
    assert request.url.query.decode() in ("ids=1,2", "ids=1%2C2")
    client.contacts.delete(all_except=[3])
    assert fake.last("DELETE", f"{GW}/contacts")[0] == {"notIds": "3"}
    with pytest.raises(qlara.ValidationError):
        client.contacts.delete()
    client.contacts.upload(b"firstName,phoneNumber\nAda,+393401234567\n", list_id=87)
    _, body, _ = fake.last("POST", f"{GW}/contacts/upload")
    assert b'name="file"' in body
    assert b'name="listId"' in body
    assert b"87" in body
    card = tmp_path / "people.vcf"
    card.write_bytes(b"BEGIN:VCARD\nEND:VCARD\n")
    imported = client.contacts.upload_vcard(card, list_id=87)
    assert imported.raw == vcard_answer
    client.contacts.upload(file=b"firstName,phoneNumber\n", list_id=None)
    assert client.contacts.upload_vcard(file=card, list_id=None).raw == vcard_answer
    listed = client.contacts.lists.create("VIP", description=None, is_test=None)
    assert fake.last("POST", f"{GW}/contacts/list")[1] == {"name": "VIP"}
    assert (listed.id, listed.raw["contactCount"]) == (87, 0)
    client.contacts.lists.create(name="VIP", description="d", is_test=False)
    assert fake.last("POST", f"{GW}/contacts/list")[1] == {
        "name": "VIP",
        "description": "d",
        "isTest": False,
    }
    assert [c.id for c in client.contacts.lists.contacts(list_id=87)] == [1]
    assert [x.id for x in client.contacts.lists.list()] == [87]
    assert [c.id for c in client.contacts.lists.contacts(87)] == [1]
    added = client.contacts.lists.add([87], contact_ids=[1, 2])
    assert fake.last("POST", f"{GW}/contacts/list/contacts")[1] == {
        "listIds": [87],
        "contactIds": [1, 2],
    }
    assert list(added) == [101, 102]
    client.contacts.lists.add(list_ids=[87], contact_ids=None, all_contacts=True, exclude_ids=[3])
    assert fake.last("POST", f"{GW}/contacts/list/contacts")[1] == {
        "listIds": [87],
        "allContacts": True,
        "excludeIdsAllContacts": [3],
    }


def test_campaigns(connect: Callable[..., Any]) -> None:
    """Campaign calls: documented paths and methods; confirm's bare 202 and delete's 204 succeed."""
    base = f"{GW}/campaigns"
    detail = {"id": 7, "name": "Spring", "status": 0, "sendingMode": "SMS", "totalDestinations": 10}
    goal = {
        "totalContacts": 5000,
        "estimatedCost": 250.0,
        "costPerMessage": 0.05,
        "currency": "EUR",
        "estimatedDuration": "15 minutes",
    }
    fake = Fake(
        {
            ("GET", base): (200, [detail]),
            ("POST", base): (200, {"id": 7, "name": "Spring", "channel": "SMS", "status": "DRAFT"}),
            ("GET", f"{base}/7"): (200, detail),
            ("PUT", f"{base}/7"): (200, detail),
            ("DELETE", f"{base}/7"): (204, None),
            ("POST", f"{base}/7/calculateGoal"): (200, goal),
            ("GET", f"{base}/7/price"): (200, {"price": 8.5, "currency": "EUR"}),
            ("PUT", f"{base}/7/confirm"): (202, None),
            ("GET", f"{base}/stats"): (200, [{"date": "2026-04-01", "sent": 3}]),
        }
    )
    client = connect(fake)
    created = client.campaigns.create(
        name="Spring",
        description="d",
        sending_mode="SMS",
        sms_sender="Qlara",
        sms_body="Hi {{name}}",
        destinations=["+393401234567"],
    )
    body = fake.last("POST", base)[1]
    assert {
        k: body[k] for k in ("name", "sendingMode", "smsSender", "smsBody", "destinations")
    } == {
        "name": "Spring",
        "sendingMode": "SMS",
        "smsSender": "Qlara",
        "smsBody": "Hi {{name}}",
        "destinations": ["+393401234567"],
    }
    assert created.id == 7
    assert created.raw["status"] == "DRAFT"
    assert [c.id for c in client.campaigns.list(search="Spr")] == [7]
    assert fake.last("GET", base)[0]["search"] == "Spr"
    assert client.campaigns.get(7).raw == detail
    assert client.campaigns.get(id=7).raw == detail
    client.campaigns.update(7, name="Spring 2")
    assert fake.last("PUT", f"{base}/7")[1]["name"] == "Spring 2"
    client.campaigns.update(id=7, name="Spring 3")
    assert fake.last("PUT", f"{base}/7")[1]["name"] == "Spring 3"
    assert client.campaigns.delete(7) is None
    assert client.campaigns.delete(id=7) is None
    assert client.campaigns.calculate_goal(7).raw == goal
    assert client.campaigns.calculate_goal(id=7).raw == goal
    price = client.campaigns.price(7)
    assert isinstance(price, qlara.CampaignPrice)
    assert price.amount == 8.5
    assert client.campaigns.price(id=7).amount == 8.5
    assert client.campaigns.confirm(7) is None
    assert client.campaigns.confirm(id=7) is None
    with pytest.raises(qlara.ValidationError) as bad_id:
        client.campaigns.get(id=True)
    assert bad_id.value.field == "id"
    [stats] = list(
        client.campaigns.stats(
            start_date=date(2026, 4, 1), end_date="2026-04-30", aggregate_on="day"
        )
    )
    query = fake.last("GET", f"{base}/stats")[0]
    assert (query["startDate"], query["endDate"], query["aggregateOn"]) == (
        "2026-04-01",
        "2026-04-30",
        "day",
    )
    assert stats.raw["sent"] == 3


def test_campaign_launch_guard(connect: Callable[..., Any]) -> None:
    """launch(id, max_price=) confirms at or under the cap and confirms nothing above it."""
    base = f"{GW}/campaigns"
    price = {"value": {"price": 8.5}}
    fake = Fake(
        {
            ("POST", f"{base}/7/calculateGoal"): (200, {"totalContacts": 10}),
            ("GET", f"{base}/7/price"): lambda r: _respond(200, price["value"]),
            ("PUT", f"{base}/7/confirm"): (202, None),
        }
    )
    client = connect(fake)
    client.campaigns.launch(7, max_price=10)
    calls = [(m, p) for m, p, *_ in fake.calls]
    assert calls == [
        ("POST", f"{base}/7/calculateGoal"),
        ("GET", f"{base}/7/price"),
        ("PUT", f"{base}/7/confirm"),
    ]
    fake.calls.clear()
    assert client.campaigns.launch(id=7, max_price=8.5).amount == 8.5
    assert [(m, p) for m, p, *_ in fake.calls] == calls
    price["value"] = {"price": 12.0}
    fake.calls.clear()
    with pytest.raises(qlara.ValidationError, match="price"):
        client.campaigns.launch(7, max_price=10)
    with pytest.raises(qlara.ValidationError, match="price"):
        client.campaigns.launch(id=7, max_price=10)
    assert ("PUT", f"{base}/7/confirm") not in [(m, p) for m, p, *_ in fake.calls]


LINK = "https://files.example.net/exports/e1.csv?sig=abc"


def test_exports(connect: Callable[..., Any], tmp_path: Path) -> None:
    """Exports: bare 202s start jobs; wait polls until ready; download fetches the link keyless."""
    base = f"{GW}/exports"
    polls = {"n": 0}

    def job(request: httpx.Request) -> httpx.Response:
        polls["n"] += 1
        ready = polls["n"] >= 2
        return _respond(
            200,
            {
                "exportId": "e1",
                "status": "COMPLETED" if ready else "PENDING",
                "isAvailableForDownload": ready,
                "downloadUrl": LINK if ready else None,
            },
        )

    fake = Fake(
        {
            ("GET", base): (
                200,
                [{"exportId": "e1", "status": "PENDING", "isAvailableForDownload": False}],
            ),
            ("GET", f"{base}/e1"): job,
            ("POST", f"{base}/e1"): (202, None),
            ("POST", f"{base}/contacts"): (202, None),
            ("POST", f"{base}/delivery-reports"): (202, None),
            ("GET", "files.example.net/exports/e1.csv"): (200, b"id,channel\n1,SMS\n"),
        }
    )
    client = connect(fake)
    [listed] = list(client.exports.list())
    assert listed.raw["exportId"] == "e1"
    assert listed.status == "PENDING"
    client.exports.contacts(list_ids=[1, 2])
    assert fake.last("POST", f"{base}/contacts")[1] == {"listIds": [1, 2]}
    client.exports.contacts(contact_ids=[5])
    assert fake.last("POST", f"{base}/contacts")[1] == {"contactIds": [5]}
    client.exports.delivery_reports(campaign_id=7)
    assert fake.last("POST", f"{base}/delivery-reports")[1] == {"campaignId": 7}
    start = datetime(2026, 4, 1, tzinfo=timezone.utc)
    client.exports.delivery_reports(start=start, end=start)
    client.exports.delivery_reports(campaign_id=None, start=start, end=start)
    assert set(fake.last("POST", f"{base}/delivery-reports")[1]) == {"startDateTime", "endDateTime"}
    client.exports.regenerate("e1")
    client.exports.regenerate(id="e1")
    done = client.exports.wait(id="e1", timeout=5, interval=0.001)
    assert done.is_available_for_download
    assert polls["n"] == 2
    assert client.exports.download("e1") == b"id,channel\n1,SMS\n"
    assert client.exports.download(id="e1", to=None) == b"id,channel\n1,SMS\n"
    assert client.exports.get(id="e1").download_url == LINK
    with pytest.raises(qlara.ValidationError) as bad_id:
        client.exports.get(id="")
    assert bad_id.value.field == "id"
    _, _, request = fake.last("GET", "/exports/e1.csv")
    assert "x-api-key" not in request.headers
    assert "authorization" not in request.headers
    target = tmp_path / "e1.csv"
    assert client.exports.download("e1", to=target) == target
    assert target.read_bytes().startswith(b"id,channel")
    assert client.exports.get("e1").download_url == LINK


def test_account_and_socials(connect: Callable[..., Any]) -> None:
    """Subscription, quota, credit and socials live under the inverted /api/v1/partner-gateway."""
    inverted = "/api/v1/partner-gateway"
    subscription = {
        "subscriptionId": "sub_1",
        "plan": "Business Pro",
        "status": "ACTIVE",
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "autoRenew": True,
        "features": {"sms": True, "whatsapp": False},
    }
    quota = {"planLimit": 1000, "extraLimit": 0, "totalLimit": 1000, "used": 10, "remaining": 990}
    credit = {"credit": 100.5, "frozenCredit": 0.5, "availableCredit": 100.0}
    profile = {"platform": "facebook", "profileId": "p1", "name": "Shop", "status": "CONNECTED"}
    fake = Fake(
        {
            ("GET", f"{inverted}/subscription"): (200, subscription),
            ("GET", f"{inverted}/subscription/contacts"): (200, quota),
            ("GET", f"{inverted}/subscription/credit"): (200, credit),
            ("GET", f"{inverted}/socials"): (200, {"profiles": [profile], "total": 1}),
            ("GET", f"{inverted}/socials/facebook"): (200, profile),
        }
    )
    client = connect(fake)
    assert client.account.subscription().raw == subscription
    assert client.account.contacts_quota().raw == quota
    assert client.account.credit().raw == credit
    assert [p.raw for p in client.socials.list()] == [profile]
    assert client.socials.get("facebook").raw == profile
    assert client.socials.get(platform="facebook").raw == profile


def test_api_keys(connect: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """API keys: list(user_id=), get(value), create(name, ...) redacting the new key, delete(id)."""
    new_key = "pg_live_s3cr3tvalue123"
    made = {
        "id": "key_a1b2c3d4e5f6",
        "name": "ci",
        "description": None,
        "apiKey": new_key,
        "createdAt": "2026-04-01T10:00:00Z",
        "status": "ACTIVE",
    }
    listed = {
        "id": "key_a1b2c3d4e5f6",
        "username": "ada",
        "operations": ["SMS"],
        "createdAt": "2026-04-01T10:00:00Z",
    }
    fake = Fake(
        {
            ("GET", f"{GW}/authentication"): (200, [listed]),
            ("GET", f"{GW}/authentication/{new_key}"): (200, listed),
            ("POST", f"{GW}/authentication"): (200, made),
            ("DELETE", f"{GW}/authentication/key_a1b2c3d4e5f6"): (204, None),
        }
    )
    client = connect(fake)
    caplog.set_level(logging.DEBUG)
    [key] = list(client.api_keys.list(user_id=7621))
    assert fake.last("GET", f"{GW}/authentication")[0]["userId"] == "7621"
    assert key.raw["username"] == "ada"
    created = client.api_keys.create("ci", description=None, operations=None)
    assert fake.last("POST", f"{GW}/authentication")[1]["name"] == "ci"
    assert isinstance(created, qlara.CreatedApiKey)
    assert created.id == "key_a1b2c3d4e5f6"
    assert new_key not in repr(created)
    assert new_key not in str(created)
    assert new_key not in repr(created.raw)
    assert created.key.reveal() == new_key
    assert client.api_keys.get(new_key).raw == listed
    assert client.api_keys.get(value=new_key).raw == listed
    client.api_keys.create("ci2", description="d", operations=["SMS", qlara.Channel.WHATSAPP])
    assert fake.last("POST", f"{GW}/authentication")[1]["operations"] == ["SMS", "WHATSAPP"]
    assert client.api_keys.delete("key_a1b2c3d4e5f6") is None
    assert client.api_keys.delete(id="key_a1b2c3d4e5f6") is None
    client.api_keys.create(name="ci3", description=None, operations=None)
    assert fake.last("POST", f"{GW}/authentication")[1] == {"name": "ci3"}
    assert new_key not in caplog.text
    assert KEY not in caplog.text


def _legacy_answer(request: httpx.Request) -> httpx.Response:
    """The wholesale analogue of the Legacy answer, one result per id the request carried."""
    body = json.loads(request.content)
    results = [
        {"destination": d, "id": i, "accepted": True, "statusCode": 200}
        for m in body["messages"]
        for d, i in zip(m["destinations"], m["ids"], strict=False)
    ]
    return _respond(200, {"globalId": body.get("globalId"), "accepted": True, "results": results})


def test_sms_legacy_and_send_many(connect: Callable[..., Any]) -> None:
    """Legacy send (messages or mappings) and credit (documented or bare number)."""
    fake = Fake(
        {
            ("POST", "/api/services/sms/send"): _legacy_answer,
            ("GET", "/api/services/sms/credit"): (200, {"credit": 12.5}),
        }
    )
    client = connect(fake)
    sent = client.sms.legacy.send(
        [qlara.LegacySms(destinations=["+393401234567"], sender="Qlara", body="Hi")],
        simulation=True,
    )
    body = fake.last("POST", "/api/services/sms/send")[1]
    assert body["simulation"] is True
    assert body["messages"][0]["destinations"] == ["+393401234567"]
    assert isinstance(sent, qlara.LegacySendResult)
    assert sent.accepted
    assert [r.accepted for r in sent.results] == [True]
    assert client.sms.legacy.credit() == 12.5
    client.sms.legacy.send([{"destinations": ["+393401234567"], "sender": "Qlara", "body": "Hi"}])
    assert fake.last("POST", "/api/services/sms/send")[1]["messages"][0]["body"] == "Hi"
    fake.routes[("GET", "/api/services/sms/credit")] = (200, 7.25)
    assert client.sms.legacy.credit() == 7.25


def test_send_many_packs_sms(connect: Callable[..., Any]) -> None:
    """send_many(messages, sms_per_request=100): 250 SMS in 3 Legacy requests, one Outcome each."""
    fake = Fake({("POST", "/api/services/sms/send"): _legacy_answer})
    client = connect(fake)
    messages = [
        qlara.SmsMessage(destination=f"+39340{n:07}", body="Hi", sender="Qlara") for n in range(250)
    ]
    outcomes = list(client.send_many(messages, sms_per_request=100))
    assert sorted(o.index for o in outcomes) == list(range(250))
    assert all(isinstance(o, qlara.Outcome) and o.ok and o.error is None for o in outcomes)
    ids = [i for *_, body, _ in fake.calls for m in body["messages"] for i in m["ids"]]
    assert sorted(ids) == sorted(str(o.message.message_id) for o in outcomes)
    sizes = sorted(len(m["ids"]) for *_, body, _ in fake.calls for m in body["messages"])
    assert [(m, p) for m, p, *_ in fake.calls] == [("POST", "/api/services/sms/send")] * 3, sizes


def test_send_many_universal(connect: Callable[..., Any]) -> None:
    """send_many(messages, concurrency=, journal=None) yields one Outcome per input, failed too."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["destination"].endswith("99"):
            return _respond(400, {"status": 400, "message": "bad"})
        return _respond(200, {**SEND_OK, "messageId": body["messageId"]})

    fake = Fake({("POST", f"{MS}/sms/send"): answer})
    client = connect(fake)
    messages = [
        qlara.SmsMessage(destination=f"+3934012345{n:02}", body="Hi", sender="Qlara")
        for n in (1, 99)
    ]
    outcomes = sorted(
        client.send_many(messages, concurrency=16, journal=None), key=lambda o: o.index
    )
    assert [o.ok for o in outcomes] == [True, False]
    assert isinstance(outcomes[0].result, qlara.SendResult)
    assert outcomes[0].error is None
    assert isinstance(outcomes[1].error, qlara.BadRequestError)
    assert outcomes[1].result is None


# ---------------------------------------------------------------- §12-§14


def test_segments() -> None:
    """qlara.segments gives encoding, parts, length, per_part, remaining and the UCS-2 culprits."""
    plain = qlara.segments("Hello")
    assert isinstance(plain, qlara.Segments)
    assert (plain.encoding, plain.parts, plain.length, plain.per_part, plain.remaining) == (
        "GSM-7",
        1,
        5,
        160,
        155,
    )
    assert tuple(plain.ucs2_characters) == ()
    wide = qlara.segments("Ciao ж 😀 ж")
    assert (wide.encoding, wide.parts, wide.per_part) == ("UCS-2", 1, 70)
    assert wide.length == 11
    assert wide.remaining == 59
    assert tuple(wide.ucs2_characters) == ("ж", "😀")
    long = qlara.segments("a" * 161)
    assert (long.parts, long.per_part, long.remaining) == (2, 153, 145)


def test_send_with_fallback(connect: Callable[..., Any]) -> None:
    """send_with_fallback sends the next message when one fails and stops at the first delivered."""
    sent: dict[str, str] = {}

    def send(channel: str) -> Handler:
        def answer(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            sent[body["messageId"]] = channel
            return _respond(
                200,
                {
                    "messageId": body["messageId"],
                    "simulation": False,
                    "results": {channel.lower(): {"accepted": True}},
                },
            )

        return answer

    def status(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get("ids", request.url.path.rsplit("/", 1)[-1]).split(",")
        items = [
            {
                "customerMessageId": i,
                "deliveryStatus": "ERROR" if sent.get(i) == "WHATSAPP" else "DELIVERED",
            }
            for i in ids
            if i in sent
        ]
        return _respond(200, items if "ids" in request.url.params else items[0])

    fake = Fake(
        {
            ("POST", f"{MS}/whatsapp/send"): send("WHATSAPP"),
            ("POST", f"{MS}/sms/send"): send("SMS"),
            ("GET", f"{GW}/messages/status"): status,
        }
    )
    for i in range(4):
        fake.routes[("GET", f"{GW}/messages/status/{i}")] = status
    client = connect(fake)
    messages = [
        qlara.WhatsAppMessage(
            destination="+393401234567",
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=42),
            message_id="0",
        ),
        qlara.SmsMessage(destination="+393401234567", body="Hi", sender="Qlara", message_id="1"),
        qlara.SmsMessage(destination="+393401234567", body="never", sender="Qlara", message_id="2"),
    ]
    outcome = client.send_with_fallback(
        messages, deliver_within=30, tracker=None, poll_interval=0.01
    )
    assert isinstance(outcome, qlara.FallbackOutcome)
    assert outcome.delivered_by is qlara.Channel.SMS
    assert len(outcome.steps) == 2
    assert sent == {"0": "WHATSAPP", "1": "SMS"}
    assert isinstance(outcome.steps[0].result, qlara.SendResult)
    last = outcome.steps[1].status
    assert isinstance(last, qlara.MessageStatus)
    assert last.status is qlara.DeliveryStatus.DELIVERED


def test_with_options_other_key(connect: Callable[..., Any]) -> None:
    """with_options(api_key=) or (auth=) sends other credentials; the original keeps its key."""
    fake = Fake({("GET", f"{GW}/contacts/1"): (200, {"id": 1})})
    client = connect(fake)
    other = client.with_options(api_key="second-key-777")
    other.contacts.get(1)
    assert fake.last("GET", f"{GW}/contacts/1")[2].headers["x-api-key"] == "second-key-777"
    client.contacts.get(1)
    assert fake.last("GET", f"{GW}/contacts/1")[2].headers["x-api-key"] == KEY
    basic = client.with_options(auth=qlara.BasicAuth("ada", "pw"))
    basic.contacts.get(1)
    headers = fake.last("GET", f"{GW}/contacts/1")[2].headers
    assert headers["authorization"].startswith("Basic ")
    assert "x-api-key" not in headers
    assert "second-key-777" not in repr(other)
    client.with_options(timeout=5.0, max_retries=0).contacts.get(1)


async def test_shared_rate_limit_construction() -> None:
    """SharedRateLimit(url, limit=..., name=None) builds with no server and fits rate_limit=."""
    redis_module = pytest.importorskip("qlara.redis")
    shared = redis_module.SharedRateLimit(
        "redis://127.0.0.1:6379/0", limit=qlara.RateLimit.production(), name=None
    )
    named = redis_module.SharedRateLimit("redis://127.0.0.1:6379/0", name="fleet")
    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(Fake({})), rate_limit=shared
    ) as client:
        assert KEY not in repr(client)
        assert KEY not in repr(shared)
    assert KEY not in repr(named)


def test_rcs_and_whatsapp_sends(connect: Callable[..., Any]) -> None:
    """rcs.send and whatsapp.send build the documented bodies (inline or template, fallbacks)."""

    def answer(channel: str) -> Handler:
        def reply(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            result = {channel: {"accepted": True}}
            return _respond(
                200, {"messageId": body["messageId"], "simulation": False, "results": result}
            )

        return reply

    fake = Fake(
        {
            ("POST", f"{MS}/rcs/send"): answer("rcs"),
            ("POST", f"{MS}/whatsapp/send"): answer("whatsapp"),
        }
    )
    client = connect(fake)
    to = "+393401234567"
    result = client.rcs.send(destination=to, agent_id=10, body=qlara.RcsText(text="Hi"))
    body = fake.last("POST", f"{MS}/rcs/send")[1]
    assert (body["destination"], body["agentId"]) == (to, 10)
    assert body["body"]["type"] == "TEXT"
    assert "templateId" not in body
    assert result.results[qlara.Channel.RCS].accepted
    client.rcs.send(destination=to, agent_id=10, template_id=7, placeholders={"name": "Ada"})
    body = fake.last("POST", f"{MS}/rcs/send")[1]
    assert (body["templateId"], body["placeholders"], "body" in body) == (7, {"name": "Ada"}, False)
    sent = client.whatsapp.send(
        destination=to,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"1": "Ada"},
        fallback_rcs=qlara.RcsFallback(agent_id=10),
        fallback_sms=qlara.SmsFallback(sender="Qlara", body="Hi"),
    )
    body = fake.last("POST", f"{MS}/whatsapp/send")[1]
    assert (body["phoneNumberId"], body["template"], body["placeholders"]) == (
        5,
        {"id": 42},
        {"1": "Ada"},
    )
    assert body["fallbackRcs"]["agentId"] == 10
    assert body["fallbackSms"]["sender"] == "Qlara"
    assert sent.accepted
    assert sent.message_id == body["messageId"]


async def test_per_key_rate_limit() -> None:
    """with_options(api_key=) has its own budget; with_options(timeout=) shares the original's."""
    fake = Fake({("GET", f"{GW}/contacts/1"): (200, {"id": 1})})
    limit = qlara.RateLimit(per_second=1, per_minute=1)
    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(fake), rate_limit=limit
    ) as client:
        await client.contacts.get(1)
        with anyio.fail_after(5):  # a shared budget would hold this for a minute
            await client.with_options(api_key="second-key-777").contacts.get(1)
        with anyio.move_on_after(0.2) as waited:
            await client.with_options(timeout=5.0).contacts.get(1)
        assert waited.cancelled_caught
    assert len(fake.calls) == 2


async def test_webhook_receiver_token() -> None:
    """asgi_app(handler, token=) refuses callers without the secret and hands parsed events over."""
    events: list[Any] = []
    both = anyio.Event()

    async def handler(event: Any) -> None:
        events.append(event)
        if len(events) == 2:
            both.set()

    app = qlara.webhooks.asgi_app(handler, token="t0k")
    payload = {"eventType": "READ", "messageId": "m", "destination": "+39", "channel": "WHATSAPP"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://receiver"
    ) as http:
        refused = await http.post("/hook", json=payload)
        by_query = await http.post("/hook", params={"token": "t0k"}, json=payload)
        by_header = await http.post("/hook", headers={"X-Webhook-Token": "t0k"}, json=payload)
    assert refused.status_code in (401, 403)
    assert by_query.is_success
    assert by_header.is_success
    with anyio.fail_after(5):
        await both.wait()
    assert all(isinstance(e, qlara.webhooks.ReadEvent) for e in events)


def test_send_many_journal_resume(connect: Callable[..., Any], tmp_path: Path) -> None:
    """send_many(journal=path) run again skips every input whose outcome was handed over."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return _respond(200, {**SEND_OK, "messageId": body["messageId"]})

    fake = Fake({("POST", f"{MS}/sms/send"): answer})
    client = connect(fake)
    messages = [
        qlara.SmsMessage(destination=f"+3934012345{n:02}", body="Hi", sender="Qlara")
        for n in range(3)
    ]
    journal = tmp_path / "batch.journal"
    first = list(client.send_many(messages, journal=journal))
    assert sorted(o.index for o in first if o.ok) == [0, 1, 2]
    assert len(fake.calls) == 3
    again = list(client.send_many(messages, journal=str(journal)))
    assert len(fake.calls) == 3
    assert all(o.ok for o in again)


def test_listing_query_names(connect: Callable[..., Any]) -> None:
    """Listing filters travel under the documented query names (camelCase, lists comma-joined)."""
    fake = Fake(
        {
            ("GET", f"{GW}/campaigns"): (200, []),
            ("GET", f"{GW}/contacts"): (200, []),
            ("GET", f"{GW}/inbox/conversations"): (200, []),
            ("GET", f"{GW}/messages/history"): (200, []),
        }
    )
    client = connect(fake)
    list(
        client.campaigns.list(
            is_draft=True, sending_mode=["SMS", "RCS"], start_date=date(2026, 4, 1), limit=5
        )
    )
    query = fake.last("GET", f"{GW}/campaigns")[0]
    assert query == {
        "isDraft": "true",
        "sendingMode": "SMS,RCS",
        "startDate": "2026-04-01",
        "page": "0",
        "limit": "5",
    }
    list(client.contacts.list(list_ids=[1, 2], communication_supported=["SMS"], sort_order="asc"))
    query = fake.last("GET", f"{GW}/contacts")[0]
    assert (query["listIds"], query["communicationSupported"], query["sortOrder"]) == (
        "1,2",
        "SMS",
        "asc",
    )
    since = datetime(2026, 4, 1, tzinfo=timezone.utc)
    list(
        client.inbox.list(
            date_from=since, channel_ids=[3], unread_only=True, order_by="-lastMessageDate"
        )
    )
    query = fake.last("GET", f"{GW}/inbox/conversations")[0]
    assert (query["channelIds"], query["unreadOnly"], query["orderBy"]) == (
        "3",
        "true",
        "-lastMessageDate",
    )
    assert query["dateFrom"].startswith("2026-04-01")
    list(client.messages.history(channel="SMS", from_=since, to=since, status="DELIVERED"))
    query = fake.last("GET", f"{GW}/messages/history")[0]
    assert (query["channel"], query["status"], query["page"]) == ("SMS", "DELIVERED", "0")
    assert query["from"].startswith("2026-04-01T00:00:00")
    assert query["to"].startswith("2026-04-01")


# Each §10 method called with a bad value for its id argument, by the design's keyword.
BAD_IDS: list[tuple[str, Callable[[Any], Any]]] = [
    ("phone_number_id", lambda c: c.whatsapp.phone_numbers.get(phone_number_id="")),
    ("id", lambda c: c.whatsapp.templates.get(id="")),
    ("id", lambda c: c.whatsapp.templates.update(id=True, footer="f")),
    ("id", lambda c: c.whatsapp.templates.delete(id=None)),
    ("template_id", lambda c: c.whatsapp.templates.check(template_id="", placeholders={})),
    ("id", lambda c: c.rcs.templates.get(id="")),
    (
        "id",
        lambda c: c.rcs.templates.update(id=[], name="n", description="d", body={}, type="TEXT"),
    ),
    ("id", lambda c: c.rcs.templates.delete(id=" ")),
    ("media_id", lambda c: c.media.delete(media_id="")),
    ("media_key", lambda c: c.files.download(media_key="")),
    ("chat_id", lambda c: c.inbox.get(chat_id="")),
    ("chat_id", lambda c: c.inbox.messages(chat_id="")),
    ("chat_id", lambda c: c.inbox.reply(chat_id="", text="x")),
    ("chat_id", lambda c: c.inbox.mark_read(chat_id="")),
    ("user_id", lambda c: c.inbox.assign(chat_id="c1", user_id="")),
    ("id", lambda c: c.contacts.get(id="")),
    ("id", lambda c: c.contacts.update(id=-1, first_name="Ada")),
    ("ids", lambda c: c.contacts.delete(ids=[""])),
    ("all_except", lambda c: c.contacts.delete(all_except=[True])),
    ("list_id", lambda c: c.contacts.upload(file=b"x", list_id="", file_name="a.csv")),
    ("list_id", lambda c: c.contacts.lists.contacts(list_id="")),
    ("list_ids", lambda c: c.contacts.lists.add(list_ids=[], contact_ids=[1])),
    ("contact_ids", lambda c: c.contacts.lists.add(list_ids=[1], contact_ids=[""])),
    ("exclude_ids", lambda c: c.contacts.lists.add(list_ids=[1], all_contacts=True, exclude_ids=7)),
    ("id", lambda c: c.campaigns.get(id="")),
    ("id", lambda c: c.campaigns.update(id="", name="x")),
    ("id", lambda c: c.campaigns.delete(id="")),
    ("id", lambda c: c.campaigns.calculate_goal(id="")),
    ("id", lambda c: c.campaigns.price(id="")),
    ("id", lambda c: c.campaigns.confirm(id="")),
    ("id", lambda c: c.campaigns.launch(id="", max_price=1)),
    ("id", lambda c: c.exports.get(id="")),
    ("id", lambda c: c.exports.regenerate(id="")),
    ("id", lambda c: c.exports.wait(id="", timeout=1)),
    ("id", lambda c: c.exports.download(id="", to=None)),
    ("list_ids", lambda c: c.exports.contacts(list_ids=[])),
    ("campaign_id", lambda c: c.exports.delivery_reports(campaign_id="")),
    ("user_id", lambda c: c.api_keys.list(user_id="")),
    ("value", lambda c: c.api_keys.get(value="")),
    ("id", lambda c: c.api_keys.delete(id="")),
    ("platform", lambda c: c.socials.get(platform="")),
    ("id", lambda c: c.messages.status(id="", channel="SMS")),
]


@pytest.mark.parametrize(
    ("field", "call"), BAD_IDS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_IDS)]
)
def test_bad_ids_name_the_designs_argument(
    connect: Callable[..., Any], field: str, call: Callable[[Any], Any]
) -> None:
    """A bad id, given by the design's keyword, is a ValidationError naming it; nothing is sent."""
    fake = Fake({})
    client = connect(fake)
    with pytest.raises(qlara.ValidationError) as caught:
        call(client)  # a listing too: its arguments are checked at the call
    assert caught.value.field == field
    assert fake.calls == []
