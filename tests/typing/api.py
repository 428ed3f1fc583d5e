"""Type-checked by mypy --strict, never run: the public API's types as users see them."""

from __future__ import annotations

from typing_extensions import assert_type

import qlara
import qlara.redis


async def async_usage() -> None:
    async with qlara.AsyncQlara() as client:
        result = await client.sms.send(destination="+393401234567", body="Hi", sender="Shop")
        assert_type(result, qlara.SendResult)
        assert_type(result.accepted, bool)
        assert_type(result.message_id, str)
        channel = result.results[qlara.Channel.SMS]
        assert_type(channel.parts, int | None)
        card = qlara.RcsCard(
            title="Sale", media=qlara.RcsMedia(file_url="https://cdn.example/a.png")
        )
        await client.rcs.send(destination="+393401234567", agent_id=10, body=card)
        await client.send(qlara.SmsMessage(destination="+393401234567", body="x", sender="S"))
        patient = client.with_options(max_retries=5, timeout=60.0)
        assert_type(patient, qlara.AsyncQlara)


def sync_usage() -> None:
    with qlara.Qlara() as client:
        result = client.whatsapp.send(
            destination="+393401234567",
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=42),
            placeholders={"name": "Ada"},
        )
        assert_type(result, qlara.SendResult)
        sent = client.sms.send_message(
            qlara.SmsMessage(destination="+393401234567", body="x", sender="S")
        )
        assert_type(sent, qlara.SendResult)


def errors() -> None:
    try:
        sync_usage()
    except qlara.OutcomeUnknownError as exc:
        assert_type(exc.message_id, str | None)
    except qlara.RateLimitError as exc:
        assert_type(exc.retry_after, float | None)


async def tracking(client: qlara.AsyncQlara) -> None:
    from qlara import webhooks

    status = await client.messages.status("order-1", channel=qlara.Channel.SMS)
    assert_type(status, qlara.MessageStatus)
    assert_type(status.status, qlara.DeliveryStatus)
    statuses = await client.messages.statuses(["a", "b"], channel="SMS")
    assert_type(statuses, list[qlara.MessageStatus])
    tracker = webhooks.DeliveryTracker()
    event = webhooks.parse(b'{"eventType": "DELIVERY"}')
    tracker.feed(event)
    assert_type(tracker.status("order-1"), qlara.DeliveryStatus | None)
    config = await client.webhooks.set("https://hooks.example.com/qlara")
    assert_type(config, qlara.WebhookConfig)


async def fleet_usage() -> None:
    shared = qlara.redis.SharedRateLimit("redis://localhost:6379/0", name="shop")
    async with qlara.AsyncQlara(rate_limit=shared) as client:
        await client.sms.send(destination="+393401234567", body="Hi", sender="Shop")
    with qlara.Qlara(rate_limit=qlara.redis.SharedRateLimit("redis://localhost/1")) as blocking:
        blocking.sms.send(destination="+393401234567", body="Hi", sender="Shop")
