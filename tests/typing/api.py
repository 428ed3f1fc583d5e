"""Type-checked by mypy --strict, never run: the public API's types as users see them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import redis.asyncio
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


async def know_before_you_send(client: qlara.AsyncQlara, sync_client: qlara.Qlara) -> None:
    from qlara import webhooks

    cost = qlara.segments("Ciao Françoise")
    assert_type(cost, qlara.Segments)
    assert_type(cost.parts, int)
    assert_type(cost.ucs2_characters, Sequence[str])
    assert cost.ucs2_characters == [] or cost.ucs2_characters == ("ç",)
    message = qlara.SmsMessage(destination="+393401234567", body="x", sender="S")
    assert_type(message.segments(), qlara.Segments)
    async for item in client.send_many([message], max_parts=2):
        assert_type(item, qlara.Outcome)
    chain = [message, message]
    outcome = await client.send_with_fallback(chain, deliver_within=60.0)
    assert_type(outcome, qlara.FallbackOutcome)
    assert_type(outcome.delivered_by, qlara.Channel | None)
    assert_type(outcome.steps[0], qlara.FallbackStep)
    assert_type(outcome.steps[0].status, qlara.MessageStatus | None)
    assert_type(outcome.steps[0].channel, qlara.Channel)
    tracker = webhooks.DeliveryTracker()
    blocking = sync_client.send_with_fallback(chain, deliver_within=5, tracker=tracker)
    assert_type(blocking, qlara.FallbackOutcome)
    assert_type(await tracker.wait("id", timeout=1.0), webhooks.TrackedMessage | None)


async def channel_assets_usage() -> None:
    """Issue 10: numbers, templates, media, files and the inbox, as users see their types."""
    async with qlara.AsyncQlara() as client:
        number = (await client.whatsapp.phone_numbers.list().first_page()).items[0]
        assert_type(number, qlara.PhoneNumber)
        template = await client.whatsapp.templates.create(
            phone_number_id=number.id, name="hi", lang="en", category="UTILITY", body="Hi {name}"
        )
        assert_type(template, qlara.WhatsAppTemplateDetails)
        assert_type(template.body, qlara.TemplateComponent | None)
        checked = await client.whatsapp.templates.check(template.id, {"name": "Ada"})
        assert_type(checked.status, str | None)
        stored = await client.rcs.templates.create(
            name="t", description="d", body=qlara.RcsText(text="Hi")
        )
        assert_type(stored, qlara.RcsTemplate)
        image = await client.media.upload(b"\x89PNG...", name="card")
        assert_type(image, qlara.MediaItem)
        assert_type(await client.files.download("mk"), bytes)
        async for chat in client.inbox.list(unread_only=True):
            assert_type(chat, qlara.Conversation)
            reply = await client.inbox.reply(chat.id, "Hello")
            assert_type(reply, qlara.InboxReply)


def sync_channel_assets_usage() -> None:
    with qlara.Qlara() as client:
        assert_type(client.files.download("mk"), bytes)
        assert_type(client.files.download("mk", to="photo.jpg"), str)
        assert_type(client.files.download("mk", to=Path("photo.jpg")), Path)
        for user in client.inbox.assignable_users():
            assert_type(user, qlara.AssignableUser)
        for template in client.whatsapp.templates.list(status="APPROVED"):
            assert_type(template, qlara.WhatsAppTemplateDetails)


async def platform_admin(client: qlara.AsyncQlara, sync: qlara.Qlara) -> None:
    contact = await client.contacts.create(phone_number="+393401234567")
    assert_type(contact, qlara.Contact)
    async for item in client.contacts.lists.contacts(1, search="ada"):
        assert_type(item, qlara.Contact)
    imported = await client.contacts.upload(b"firstName,phoneNumber\n", 1)
    assert_type(imported.summary, qlara.ImportSummary)
    price = await client.campaigns.launch(12, max_price=10.0)
    assert_type(price.amount, float | None)
    campaign = await client.campaigns.get(12)
    assert_type(campaign.status, qlara.CampaignStatus | None)
    moment = datetime.now(timezone.utc)
    job = await client.messages.export_history(start=moment, end=moment)
    assert_type(await client.exports.wait(job), qlara.ExportJob)
    assert_type(await client.exports.download(job), bytes)
    assert_type(await client.exports.download(job, to="report.csv"), str)
    assert_type(sync.exports.download(job), bytes)
    key = await client.api_keys.create("CI")
    assert_type(key.reveal(), str)
    await client.api_keys.delete(key)
    for listed in sync.api_keys.list():
        sync.api_keys.delete(listed)
    assert_type((await client.account.credit()).available_credit, float | None)
    for profile in sync.socials.list():
        assert_type(profile, qlara.SocialProfile)


async def fleet_usage() -> None:
    shared = qlara.redis.SharedRateLimit("redis://localhost:6379/0", name="shop")
    async with qlara.AsyncQlara(rate_limit=shared) as client:
        await client.sms.send(destination="+393401234567", body="Hi", sender="Shop")
    with qlara.Qlara(rate_limit=qlara.redis.SharedRateLimit("redis://localhost/1")) as blocking:
        blocking.sms.send(destination="+393401234567", body="Hi", sender="Shop")


async def readme_channel_assets(client: qlara.AsyncQlara, card: qlara.RcsCard) -> None:
    """The README's WhatsApp/RCS lines as written there: a read model's ids and URL flow on."""
    image = await client.media.upload("autumn-sale.png", name="autumn-sale")
    assert image.url is not None
    qlara.RcsCard(title="Autumn sale", media=qlara.RcsMedia(file_url=image.url))
    stored = await client.rcs.templates.create(name="autumn_sale", description="x", body=card)
    await client.rcs.send(destination="+393401234567", agent_id=10, template_id=stored.id)
    qlara.RcsFallback(agent_id=10, template_id=stored.id)
    template = await client.whatsapp.templates.get(42)
    assert_type(template.placeholders, tuple[str, ...])
    given = redis.asyncio.Redis.from_url("redis://localhost/0", decode_responses=True)
    owned = qlara.redis.SharedRateLimit(given, limit=qlara.RateLimit.production(), name=None)
    async with qlara.AsyncQlara(rate_limit=owned) as client:
        await client.sms.send(destination="+393401234567", body="Hi", sender="Shop")
    await given.aclose()
