"""Audit of delivery tracking (api §3.2.1-§3.2.3, §6; design §6) against doc-shaped fakes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

import qlara
import qlara.webhooks
from qlara.webhooks import DeliveryEvent, InboundEvent, ReadEvent, UnknownEvent
from tests.test_doc_audit_support import GW, Fake, async_client, respond, sync_client

STATUS = f"{GW}/messages/status"
HISTORY = f"{GW}/messages/history"
WEBHOOK = f"{GW}/webhooks/delivery-status"
DEST = "+393401234567"
CET = timezone(timedelta(hours=1))
FROM = datetime(2025, 1, 1, tzinfo=CET)
TO = datetime(2025, 1, 31, 23, 59, 59, tzinfo=CET)
UC008 = {
    "id": "wh-7f8a9b0c",
    "callbackUrl": "https://hooks.example.com/qlara",
    "status": "ACTIVE",
    "createdAt": "2026-04-09T10:30:00Z",
}


# -- §3.2.1 single status -------------------------------------------------------------------------


async def test_status_gets_the_documented_path_with_channel() -> None:
    """messages.status(id, channel=) GETs /messages/status/{id}?channel=SMS and reads it."""
    answer = {
        "customerMessageId": "order-12345",
        "deliveryStatus": "DELIVERED",
        "deliveryStatusDescription": "Message delivered",
    }
    fake = Fake({("GET", f"{STATUS}/order-12345"): respond(200, answer)})
    async with async_client(fake) as client:
        status = await client.messages.status("order-12345", channel="SMS")
    assert fake.only().query == {"channel": "SMS"}
    assert isinstance(status, qlara.MessageStatus)
    assert status.customer_message_id == "order-12345"
    assert status.status is qlara.DeliveryStatus.DELIVERED
    assert status.description == "Message delivered"
    assert status.raw == answer


async def test_status_reads_the_overview_example_without_an_id() -> None:
    """The overview's ``200 {"deliveryStatus": "DELIVERED"}`` reads, keyed by the id asked for."""
    fake = Fake({("GET", f"{STATUS}/m-1"): respond(200, {"deliveryStatus": "DELIVERED"})})
    async with async_client(fake) as client:
        status = await client.messages.status("m-1", channel=qlara.Channel.WHATSAPP)
    assert fake.only().query == {"channel": "WHATSAPP"}
    assert status.customer_message_id == "m-1"
    assert status.status is qlara.DeliveryStatus.DELIVERED


@pytest.mark.parametrize("value", ["SENT", "DELIVERED", "RECEIVED", "ERROR", "EXPIRED", "UNKNOWN"])
async def test_status_reads_every_documented_enum_value(value: str) -> None:
    """Each documented deliveryStatus value maps onto the DeliveryStatus member of that name."""
    fake = Fake(
        {("GET", f"{STATUS}/m"): respond(200, {"customerMessageId": "m", "deliveryStatus": value})}
    )
    async with async_client(fake) as client:
        status = await client.messages.status("m", channel="RCS")
    assert status.status is qlara.DeliveryStatus[value]


async def test_status_reads_a_new_enum_value_as_unknown() -> None:
    """A status value the SDK does not know is UNKNOWN, never a crash (§6)."""
    fake = Fake(
        {
            ("GET", f"{STATUS}/m"): respond(
                200, {"customerMessageId": "m", "deliveryStatus": "QUEUED"}
            )
        }
    )
    async with async_client(fake) as client:
        status = await client.messages.status("m", channel="SMS")
    assert status.status is qlara.DeliveryStatus.UNKNOWN


async def test_status_wrong_channel_404_is_not_found() -> None:
    """A channel mismatch answers 404 (documented): NotFoundError."""
    fake = Fake({("GET", f"{STATUS}/m"): respond(404, {"status": 404, "message": "not found"})})
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.messages.status("m", channel="SMS")


# -- §3.2.1 batch status --------------------------------------------------------------------------


async def test_statuses_sends_ids_comma_separated_and_reads_the_array() -> None:
    """messages.statuses(ids, channel=) GETs ?ids=a,b,c&channel=...; unknown ids are left out."""
    answer = [
        {"customerMessageId": "c", "deliveryStatus": "SENT"},
        {"customerMessageId": "a", "deliveryStatus": "DELIVERED"},
    ]
    fake = Fake({("GET", STATUS): respond(200, answer)})
    async with async_client(fake) as client:
        found = await client.messages.statuses(["a", "b", "c"], channel="SMS")
    call = fake.only()
    assert call.query == {"ids": "a,b,c", "channel": "SMS"}
    assert sorted((s.customer_message_id, s.status.value) for s in found) == [
        ("a", "DELIVERED"),
        ("c", "SENT"),
    ]
    assert all(isinstance(s, qlara.MessageStatus) for s in found)


async def test_statuses_none_matching_is_an_empty_list() -> None:
    """``200 []`` when no id matches (not 404): an empty list."""
    fake = Fake({("GET", STATUS): respond(200, [])})
    async with async_client(fake) as client:
        assert await client.messages.statuses(["x"], channel="RCS") == []


async def test_statuses_chunks_long_id_lists() -> None:
    """A long id list is split into several requests of at most a few hundred ids each."""

    def route(request: httpx.Request) -> httpx.Response:
        ids = dict(httpx.QueryParams(request.url.query))["ids"].split(",")
        return httpx.Response(
            200, json=[{"customerMessageId": i, "deliveryStatus": "SENT"} for i in ids]
        )

    fake = Fake({("GET", STATUS): route})
    wanted = [f"id-{n:04d}" for n in range(1000)]
    async with async_client(fake) as client:
        found = await client.messages.statuses(wanted, channel="SMS")
    assert len(fake.calls) > 1
    sizes = [len(c.query["ids"].split(",")) for c in fake.calls]
    assert max(sizes) <= 300
    assert sum(sizes) == 1000
    assert sorted(s.customer_message_id for s in found) == wanted


async def test_statuses_splits_a_batch_answered_414() -> None:
    """A proxy's 414 (query too long) splits the batch rather than failing it."""

    def route(request: httpx.Request) -> httpx.Response:
        ids = dict(httpx.QueryParams(request.url.query))["ids"].split(",")
        if len(ids) > 2:
            return httpx.Response(414, text="URI Too Long")
        return httpx.Response(
            200, json=[{"customerMessageId": i, "deliveryStatus": "SENT"} for i in ids]
        )

    fake = Fake({("GET", STATUS): route})
    async with async_client(fake) as client:
        found = await client.messages.statuses(["a", "b", "c", "d", "e"], channel="SMS")
    assert [s.customer_message_id for s in found] == ["a", "b", "c", "d", "e"]


# -- §3.2.2 history and export --------------------------------------------------------------------


async def test_history_query_names_and_reference_array_shape() -> None:
    """history sends channel, from, to (with offsets), status, 0-based page, limit; reads arrays."""
    item = {"customerMessageId": "m1", "deliveryStatus": "DELIVERED", "channel": "SMS"}

    def route(request: httpx.Request) -> httpx.Response:
        page = int(dict(httpx.QueryParams(request.url.query))["page"])
        return httpx.Response(200, json=[item] if page == 0 else [])

    fake = Fake({("GET", HISTORY): route})
    async with async_client(fake) as client:
        items = [
            m
            async for m in client.messages.history(
                channel="SMS", from_=FROM, to=TO, status="DELIVERED", limit=50
            )
        ]
    first = fake.calls[0].query
    assert first["channel"] == "SMS"
    assert datetime.fromisoformat(first["from"]) == FROM
    assert datetime.fromisoformat(first["to"]) == TO
    assert first["from"].endswith("+01:00")
    assert first["status"] == "DELIVERED"
    assert first["page"] == "0"
    assert first["limit"] == "50"
    assert [m.customer_message_id for m in items] == ["m1"]
    assert items[0].status is qlara.DeliveryStatus.DELIVERED


async def test_history_accepts_uc019_date_only_bounds() -> None:
    """UC-019 queries ``from=2026-04-01`` (a date, no time): D22 says to accept both forms."""
    from datetime import date

    fake = Fake({("GET", HISTORY): respond(200, {"messages": []})})
    async with async_client(fake) as client:
        page = await client.messages.history(
            channel="SMS",
            from_=date(2026, 4, 1),
            to=date(2026, 4, 30),
        ).first_page()
    assert page.items == ()
    assert fake.only().query["from"].startswith("2026-04-01")


async def test_history_from_after_to_is_an_empty_listing() -> None:
    """The reference: ``from > to`` returns an empty list (not an error)."""
    fake = Fake({("GET", HISTORY): respond(200, [])})
    async with async_client(fake) as client:
        items = [m async for m in client.messages.history(channel="SMS", from_=TO, to=FROM)]
    assert items == []


async def test_history_reads_the_uc019_messages_wrapper() -> None:
    """UC-019's ``{"messages": [...]}`` page (status, sendDate, cost, parts) reads as statuses."""
    uc019 = {
        "messages": [
            {
                "messageId": "msg-1",
                "channel": "SMS",
                "direction": "OUTBOUND",
                "destination": DEST,
                "sender": "Qlara",
                "body": "Hi",
                "status": "DELIVERED",
                "sendDate": "2026-04-01T10:00:00Z",
                "deliveryDate": "2026-04-01T10:00:05Z",
                "cost": 0.035,
                "parts": 1,
            }
        ]
    }
    fake = Fake({("GET", HISTORY): [respond(200, uc019), respond(200, {"messages": []})]})
    async with async_client(fake) as client:
        page = await client.messages.history(channel="SMS", from_=FROM, to=TO).first_page()
    assert isinstance(page, qlara.Page)
    assert page.page == 0
    (item,) = page.items
    assert item.status is qlara.DeliveryStatus.DELIVERED
    assert item.raw["messageId"] == "msg-1"
    assert item.raw["cost"] == 0.035


async def test_history_walks_pages_until_the_platform_runs_out() -> None:
    """``async for`` fetches page 0, 1, 2... lazily and stops at the empty page."""
    pages = {
        0: [
            {"customerMessageId": "a", "deliveryStatus": "SENT"},
            {"customerMessageId": "b", "deliveryStatus": "SENT"},
        ],
        1: [{"customerMessageId": "c", "deliveryStatus": "SENT"}],
    }

    def route(request: httpx.Request) -> httpx.Response:
        page = int(dict(httpx.QueryParams(request.url.query))["page"])
        return httpx.Response(200, json=pages.get(page, []))

    fake = Fake({("GET", HISTORY): route})
    async with async_client(fake) as client:
        ids = [
            m.customer_message_id
            async for m in client.messages.history(channel="RCS", from_=FROM, to=TO, limit=2)
        ]
    assert ids == ["a", "b", "c"]
    assert [c.query["page"] for c in fake.calls][:2] == ["0", "1"]


async def test_history_reads_a_spring_page() -> None:
    """A Spring page (``content``, ``totalElements``, ``last``) is read, and ``last`` ends it."""
    spring = {
        "content": [{"customerMessageId": "a", "deliveryStatus": "SENT"}],
        "totalElements": 1,
        "last": True,
    }
    fake = Fake({("GET", HISTORY): respond(200, spring)})
    async with async_client(fake) as client:
        page = await client.messages.history(channel="SMS", from_=FROM, to=TO).first_page()
        items = [m async for m in client.messages.history(channel="SMS", from_=FROM, to=TO)]
    assert page.has_more is False
    assert [m.customer_message_id for m in items] == ["a"]
    assert len(fake.calls) == 2


async def test_export_history_posts_the_documented_body_and_accepts_202() -> None:
    """POST /messages/history/export: startDateTime, endDateTime, sender, recipient; a bare 202."""
    fake = Fake({("POST", f"{HISTORY}/export"): respond(202)})
    async with async_client(fake) as client:
        job = await client.messages.export_history(
            start=FROM, end=TO, sender="Qlara", recipient=DEST
        )
    body = fake.only().json
    assert datetime.fromisoformat(body["startDateTime"]) == FROM
    assert datetime.fromisoformat(body["endDateTime"]) == TO
    assert body["sender"] == "Qlara"
    assert body["recipient"] == DEST
    assert isinstance(job, qlara.ExportJob)


# -- §3.2.3 webhook configuration -----------------------------------------------------------------


async def test_webhook_create_posts_callback_url_and_reads_uc008() -> None:
    """webhooks.create(url) POSTs {callbackUrl} and reads UC-008's 201 answer."""
    fake = Fake({("POST", WEBHOOK): respond(201, UC008)})
    async with async_client(fake) as client:
        config = await client.webhooks.create("https://hooks.example.com/qlara")
    assert fake.only().json == {"callbackUrl": "https://hooks.example.com/qlara"}
    assert isinstance(config, qlara.WebhookConfig)
    assert config.callback_url == "https://hooks.example.com/qlara"
    assert config.id == "wh-7f8a9b0c"
    assert config.status == "ACTIVE"
    assert config.created_at == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)


async def test_webhook_create_409_is_conflict() -> None:
    """A second POST answers 409 (documented): ConflictError."""
    fake = Fake({("POST", WEBHOOK): respond(409, {"status": 409, "message": "already configured"})})
    async with async_client(fake) as client:
        with pytest.raises(qlara.ConflictError):
            await client.webhooks.create("https://hooks.example.com/qlara")


async def test_webhook_set_creates_or_updates_on_409() -> None:
    """webhooks.set(url): POST, and on 409 a PUT with the same body (D12)."""
    fake = Fake(
        {
            ("POST", WEBHOOK): respond(409, {"status": 409, "message": "already configured"}),
            ("PUT", WEBHOOK): respond(
                200, {**UC008, "callbackUrl": "https://hooks.example.com/new"}
            ),
        }
    )
    async with async_client(fake) as client:
        config = await client.webhooks.set("https://hooks.example.com/new")
    assert [(c.method, c.json) for c in fake.calls] == [
        ("POST", {"callbackUrl": "https://hooks.example.com/new"}),
        ("PUT", {"callbackUrl": "https://hooks.example.com/new"}),
    ]
    assert config.callback_url == "https://hooks.example.com/new"


async def test_webhook_set_creates_when_none_exists() -> None:
    """webhooks.set(url) with no webhook yet: one POST, answered 201."""
    fake = Fake({("POST", WEBHOOK): respond(201, UC008)})
    async with async_client(fake) as client:
        config = await client.webhooks.set("https://hooks.example.com/qlara")
    assert len(fake.calls) == 1
    assert config.id == "wh-7f8a9b0c"


async def test_webhook_get_update_delete() -> None:
    """GET reads the config; PUT {callbackUrl} with an empty 200; DELETE answered 204."""
    fake = Fake(
        {
            ("GET", WEBHOOK): respond(200, {"callbackUrl": "https://hooks.example.com/qlara"}),
            ("PUT", WEBHOOK): respond(200),
            ("DELETE", WEBHOOK): respond(204),
        }
    )
    async with async_client(fake) as client:
        current = await client.webhooks.get()
        updated = await client.webhooks.update("https://hooks.example.com/v2")
        await client.webhooks.delete()
    assert current is not None
    assert current.callback_url == "https://hooks.example.com/qlara"
    assert updated.callback_url == "https://hooks.example.com/v2"
    assert [c.method for c in fake.calls] == ["GET", "PUT", "DELETE"]
    assert fake.calls[1].json == {"callbackUrl": "https://hooks.example.com/v2"}


async def test_webhook_update_and_delete_404_when_none() -> None:
    """PUT and DELETE answer 404 when no webhook exists: NotFoundError."""
    gone = respond(404, {"status": 404, "message": "no webhook"})
    fake = Fake({("PUT", WEBHOOK): gone, ("DELETE", WEBHOOK): gone})
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.webhooks.update("https://hooks.example.com/v2")
        with pytest.raises(qlara.NotFoundError):
            await client.webhooks.delete()


def test_sync_webhooks_and_status() -> None:
    """The blocking client offers the same webhook and status calls."""
    fake = Fake(
        {
            ("POST", WEBHOOK): respond(201, UC008),
            ("GET", f"{STATUS}/m"): respond(
                200, {"customerMessageId": "m", "deliveryStatus": "SENT"}
            ),
        }
    )
    with sync_client(fake) as client:
        assert client.webhooks.create("https://hooks.example.com/qlara").id == "wh-7f8a9b0c"
        assert client.messages.status("m", channel="SMS").status is qlara.DeliveryStatus.SENT


# -- §6 webhooks.parse on every documented payload ------------------------------------------------


def test_parse_guide_delivery_payload() -> None:
    """The guide's DELIVERY payload: ids, DELIVERED from statusCode 3, description, destination."""
    payload = {
        "eventType": "DELIVERY",
        "messageId": "e76614d1-aaaa",
        "customerMessageId": "order-12345",
        "destination": DEST,
        "statusCode": 3,
        "description": "Message delivered",
        "channel": "SMS",
        "timestamp": "2026-04-09T10:30:00Z",
    }
    event = qlara.webhooks.parse(json.dumps(payload).encode())
    assert isinstance(event, DeliveryEvent)
    assert event.message_id == "e76614d1-aaaa"
    assert event.customer_message_id == "order-12345"
    assert event.channel is qlara.Channel.SMS
    assert event.timestamp == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert event.status_code == 3
    assert event.description == "Message delivered"
    assert event.destination == DEST
    assert event.raw == payload


def test_parse_guide_read_and_inbound_payloads() -> None:
    """The guide's READ and INBOUND payloads become ReadEvent and InboundEvent."""
    read = qlara.webhooks.parse(
        {
            "eventType": "READ",
            "messageId": "m1",
            "destination": DEST,
            "channel": "WHATSAPP",
            "timestamp": "2026-04-09T10:31:00Z",
        }
    )
    assert isinstance(read, ReadEvent)
    assert read.channel is qlara.Channel.WHATSAPP
    assert read.message_id == "m1"
    assert read.timestamp is not None
    assert read.timestamp.tzinfo is not None
    inbound = qlara.webhooks.parse(
        json.dumps(
            {
                "eventType": "INBOUND",
                "source": DEST,
                "destination": "+390212345678",
                "text": "STOP",
                "channel": "WHATSAPP",
                "messageType": "TEXT",
                "timestamp": "2026-04-09T10:32:00Z",
            }
        )
    )
    assert isinstance(inbound, InboundEvent)
    assert (inbound.source, inbound.destination, inbound.text, inbound.message_type) == (
        DEST,
        "+390212345678",
        "STOP",
        "TEXT",
    )
    assert inbound.message_id is None
    assert inbound.media_key is None


def test_parse_sms_reference_delivery_payload() -> None:
    """The SMS reference: statusCode 6 is ERROR; statusDescription, price, numPart, totalParts."""
    payload = {
        "channel": "SMS",
        "eventType": "DELIVERY",
        "messageId": "5f1c2d3e-0000-4000-8000-000000000000",
        "statusCode": 6,
        "statusDescription": "Undeliverable",
        "price": 0.045,
        "numPart": 2,
        "totalParts": 3,
        "timestamp": "2026-04-09T10:30:00.123+02:00",
    }
    event = qlara.webhooks.parse(payload)
    assert isinstance(event, DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.ERROR
    assert event.status_code == 6
    assert event.description == "Undeliverable"
    assert event.price == 0.045
    assert (event.part, event.total_parts) == (2, 3)
    assert event.customer_message_id is None
    assert event.timestamp == datetime(2026, 4, 9, 8, 30, 0, 123000, tzinfo=timezone.utc)


def test_parse_rcs_reference_payloads() -> None:
    """The RCS reference: eventDate / receivedDate as the timestamp, mediaKey on inbound media."""
    delivery = qlara.webhooks.parse(
        {
            "channel": "RCS",
            "eventType": "DELIVERY",
            "messageId": "r1",
            "destination": DEST,
            "statusCode": 3,
            "description": "Delivered",
            "eventDate": "2026-04-09T10:30:00Z",
        }
    )
    assert isinstance(delivery, DeliveryEvent)
    assert delivery.status is qlara.DeliveryStatus.DELIVERED
    assert delivery.timestamp == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)
    read = qlara.webhooks.parse(
        {
            "channel": "RCS",
            "eventType": "READ",
            "messageId": "r1",
            "destination": DEST,
            "eventDate": "2026-04-09T10:31:00Z",
        }
    )
    assert isinstance(read, ReadEvent)
    assert read.timestamp is not None
    inbound = qlara.webhooks.parse(
        {
            "channel": "RCS",
            "eventType": "INBOUND",
            "messageId": "r2",
            "source": DEST,
            "destination": "agent-10",
            "receivedDate": "2026-04-09T10:32:00Z",
            "messageType": "IMAGE",
            "mediaKey": "mk-123",
        }
    )
    assert isinstance(inbound, InboundEvent)
    assert inbound.message_type == "IMAGE"
    assert inbound.media_key == "mk-123"
    assert inbound.timestamp == datetime(2026, 4, 9, 10, 32, tzinfo=timezone.utc)
    assert inbound.text is None


def test_parse_older_status_string_payload() -> None:
    """The OLD payload (status string, phoneNumber, lower-case channel, error): DeliveryEvent."""
    for status in ("SENT", "DELIVERED", "ERROR", "EXPIRED"):
        event = qlara.webhooks.parse(
            {
                "messageId": "m",
                "customerMessageId": "c",
                "phoneNumber": DEST,
                "status": status,
                "timestamp": "2026-04-09T10:30:00Z",
                "channel": "whatsapp",
                "error": None,
            }
        )
        assert isinstance(event, DeliveryEvent)
        assert event.status is qlara.DeliveryStatus[status]
        assert event.channel is qlara.Channel.WHATSAPP
        assert event.destination == DEST
    failed = qlara.webhooks.parse(
        {
            "messageId": "m",
            "phoneNumber": DEST,
            "status": "ERROR",
            "channel": "sms",
            "error": "Invalid number",
            "timestamp": "2026-04-09T10:30:00Z",
        }
    )
    assert isinstance(failed, DeliveryEvent)
    assert failed.description == "Invalid number"


def test_parse_uc009_inbound_with_event_key() -> None:
    """UC-009's inbound (``channel`` first, cut off at ``event...``) still reads as INBOUND."""
    event = qlara.webhooks.parse(
        {"channel": "WHATSAPP", "eventType": "INBOUND", "source": DEST, "text": "hi"}
    )
    assert isinstance(event, InboundEvent)
    assert event.text == "hi"


def test_parse_unknown_event_and_no_timestamp() -> None:
    """A new event type is UnknownEvent (never a crash); a payload without a time has None."""
    event = qlara.webhooks.parse(b'{"eventType": "CLICK", "messageId": "m", "channel": "SMS"}')
    assert isinstance(event, UnknownEvent)
    assert event.message_id == "m"
    assert event.timestamp is None
    assert event.raw["eventType"] == "CLICK"


def test_parse_unknown_status_code_is_unknown_status() -> None:
    """A statusCode outside the documented 3/6 is DeliveryStatus.UNKNOWN with the code kept."""
    event = qlara.webhooks.parse(
        {"eventType": "DELIVERY", "messageId": "m", "statusCode": 99, "channel": "SMS"}
    )
    assert isinstance(event, DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.UNKNOWN
    assert event.status_code == 99


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", '"text"'])
def test_parse_refuses_non_objects_with_webhook_error(body: bytes | str) -> None:
    """A body that is not a JSON object raises WebhookError."""
    with pytest.raises(qlara.WebhookError):
        qlara.webhooks.parse(body)


def test_delivery_tracker_keeps_terminal_states() -> None:
    """DeliveryTracker folds events monotonically: a late SENT never undoes DELIVERED."""
    tracker = qlara.webhooks.DeliveryTracker()
    for payload in (
        {"eventType": "DELIVERY", "messageId": "m1", "statusCode": 3, "channel": "SMS"},
        {"messageId": "m1", "status": "SENT", "channel": "sms"},
    ):
        tracker.feed(qlara.webhooks.parse(payload))
    assert tracker.status("m1") is qlara.DeliveryStatus.DELIVERED
    tracker.feed(qlara.MessageStatus("m2", qlara.DeliveryStatus.SENT))
    tracker.feed(qlara.MessageStatus("m2", qlara.DeliveryStatus.ERROR))
    tracker.feed(qlara.MessageStatus("m2", qlara.DeliveryStatus.DELIVERED))
    assert tracker.status("m2") is qlara.DeliveryStatus.ERROR


async def test_asgi_app_answers_2xx_and_checks_the_token() -> None:
    """asgi_app(handler, token=) answers 2xx to a valid POST, 401 without the token."""
    received: list[object] = []

    async def handler(event: object) -> None:
        received.append(event)

    app = qlara.webhooks.asgi_app(handler, token="s3cret-token")
    payload = {"eventType": "DELIVERY", "messageId": "m", "statusCode": 3, "channel": "SMS"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://me.test"
    ) as http:
        refused = await http.post("/hook", json=payload)
        by_query = await http.post("/hook?token=s3cret-token", json=payload)
        by_header = await http.post(
            "/hook", json=payload, headers={"X-Webhook-Token": "s3cret-token"}
        )
    assert refused.status_code == 401
    assert 200 <= by_query.status_code < 300
    assert 200 <= by_header.status_code < 300
    assert len(received) == 2
    assert all(isinstance(e, DeliveryEvent) for e in received)
