"""Every endpoint the SDK reaches, as one call each: the table the answer fuzzing walks.

A new resource adds one line per method here (``"contacts.get": lambda c:
c.contacts.get(7)``; the issue 10 and 11 areas are in already), and
tests/test_fuzz_answers.py feeds it arbitrary
answers: status codes, JSON of any shape, bytes, HTML. A case takes a client
and returns the awaitable of one call; listings are consumed, at most a few
hundred items, so a server that repeats itself cannot hold a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import qlara

__all__ = ["ENDPOINTS", "SEND_ENDPOINTS", "EndpointCase"]

EndpointCase = Callable[[qlara.AsyncQlara], Awaitable[object]]

DESTINATION = "+393401234567"
URL = "https://hooks.example.com/qlara/events/?token=fuzz-token"
END = datetime(2025, 1, 2, tzinfo=timezone.utc)
START = END - timedelta(days=1)
MAX_ITEMS = 300


async def _drain(items: AsyncIterable[Any]) -> int:
    """Consume a listing, at most ``MAX_ITEMS`` items."""
    seen = 0
    async for _ in items:
        seen += 1
        if seen >= MAX_ITEMS:
            break
    return seen


SEND_ENDPOINTS: dict[str, EndpointCase] = {
    "sms.send": lambda c: c.sms.send(destination=DESTINATION, body="Hi", sender="Shop"),
    "rcs.send": lambda c: c.rcs.send(
        destination=DESTINATION, agent_id=10, body=qlara.RcsText(text="Hi")
    ),
    "rcs.send(template)": lambda c: c.rcs.send(destination=DESTINATION, agent_id=10, template_id=7),
    "whatsapp.send": lambda c: c.whatsapp.send(
        destination=DESTINATION, phone_number_id=5, template=qlara.WhatsAppTemplate(id=42)
    ),
}
"""The sends: a 2xx whose verdict cannot be read must be ``OutcomeUnknownError`` (issue 9 #2)."""

SMS = qlara.SmsMessage(destination=DESTINATION, body="Hi", sender="Shop")
RCS = qlara.RcsMessage(destination=DESTINATION, agent_id=10, body=qlara.RcsText(text="Hi"))
DAY = END.date()

ENDPOINTS: dict[str, EndpointCase] = {
    **SEND_ENDPOINTS,
    "send_many": lambda c: _drain(c.send_many([SMS, RCS, SMS])),
    "send_with_fallback": lambda c: c.send_with_fallback(
        [RCS, SMS], deliver_within=0.01, poll_interval=0.001, max_poll_interval=0.002
    ),
    "messages.status": lambda c: c.messages.status("m1", channel="SMS"),
    "messages.statuses": lambda c: c.messages.statuses(["m1", "m2"], channel="RCS"),
    "messages.wait_for_final": lambda c: c.messages.wait_for_final(
        ["m1"], channel="SMS", timeout=0.01, initial_interval=0.001, max_interval=0.002
    ),
    "messages.history": lambda c: _drain(c.messages.history(channel="SMS", from_=START, to=END)),
    "messages.export_history": lambda c: c.messages.export_history(start=START, end=END),
    "webhooks.get": lambda c: c.webhooks.get(),
    "webhooks.create": lambda c: c.webhooks.create(URL),
    "webhooks.update": lambda c: c.webhooks.update(URL),
    "webhooks.set": lambda c: c.webhooks.set(URL),
    "webhooks.delete": lambda c: c.webhooks.delete(),
    # issue 10: WhatsApp and RCS assets, media, files, inbox
    "whatsapp.phone_numbers.list": lambda c: _drain(c.whatsapp.phone_numbers.list()),
    "whatsapp.phone_numbers.get": lambda c: c.whatsapp.phone_numbers.get(5),
    "whatsapp.templates.list": lambda c: _drain(c.whatsapp.templates.list(status="APPROVED")),
    "whatsapp.templates.get": lambda c: c.whatsapp.templates.get(42),
    "whatsapp.templates.check": lambda c: c.whatsapp.templates.check(42, {"name": "Ada"}),
    "whatsapp.templates.create": lambda c: c.whatsapp.templates.create(
        phone_number_id=5, name="order_shipped", lang="en", category="UTILITY", body="Hi {{1}}"
    ),
    "whatsapp.templates.update": lambda c: c.whatsapp.templates.update(42, body="Hello {{1}}"),
    "whatsapp.templates.delete": lambda c: c.whatsapp.templates.delete(42),
    "rcs.templates.list": lambda c: _drain(c.rcs.templates.list()),
    "rcs.templates.get": lambda c: c.rcs.templates.get(7),
    "rcs.templates.create": lambda c: c.rcs.templates.create(
        name="promo", description="d", body=qlara.RcsText(text="Hi")
    ),
    "rcs.templates.update": lambda c: c.rcs.templates.update(
        7, name="promo", description="d", body=qlara.RcsText(text="Hi")
    ),
    "rcs.templates.delete": lambda c: c.rcs.templates.delete(7),
    "media.list": lambda c: _drain(c.media.list()),
    "media.upload": lambda c: c.media.upload(b"\x89PNG\r\n\x1a\n", name="x.png"),
    "media.delete": lambda c: c.media.delete(3),
    "files.download": lambda c: c.files.download("media-key-1"),
    "inbox.list": lambda c: _drain(c.inbox.list(unread_only=True)),
    "inbox.get": lambda c: c.inbox.get("chat-1"),
    "inbox.messages": lambda c: _drain(c.inbox.messages("chat-1")),
    "inbox.reply": lambda c: c.inbox.reply("chat-1", text="Thanks"),
    "inbox.mark_read": lambda c: c.inbox.mark_read("chat-1"),
    "inbox.archive": lambda c: c.inbox.archive("chat-1"),
    "inbox.unarchive": lambda c: c.inbox.unarchive("chat-1"),
    "inbox.assign": lambda c: c.inbox.assign("chat-1", 9),
    "inbox.unassign": lambda c: c.inbox.unassign("chat-1"),
    "inbox.assignable_users": lambda c: _drain(c.inbox.assignable_users()),
    # issue 11: contacts, lists, campaigns, exports, account, socials, API keys
    "contacts.create": lambda c: c.contacts.create(phone_number=DESTINATION, first_name="Ada"),
    "contacts.list": lambda c: _drain(c.contacts.list(search="Ada")),
    "contacts.get": lambda c: c.contacts.get(1),
    "contacts.update": lambda c: c.contacts.update(1, first_name="Ada"),
    "contacts.delete": lambda c: c.contacts.delete(ids=[1, 2]),
    "contacts.upload": lambda c: c.contacts.upload(b"phoneNumber\n+393401234567\n"),
    "contacts.upload_vcard": lambda c: c.contacts.upload_vcard(
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:+393401234567\nEND:VCARD\n"
    ),
    "contacts.lists.create": lambda c: c.contacts.lists.create("VIP"),
    "contacts.lists.list": lambda c: _drain(c.contacts.lists.list()),
    "contacts.lists.contacts": lambda c: _drain(c.contacts.lists.contacts(87)),
    "contacts.lists.add": lambda c: c.contacts.lists.add([87], contact_ids=[1]),
    "campaigns.list": lambda c: _drain(c.campaigns.list(is_draft=True)),
    "campaigns.create": lambda c: c.campaigns.create(
        name="Spring", sending_mode="SMS", sms_sender="Shop", sms_body="Hi"
    ),
    "campaigns.get": lambda c: c.campaigns.get(12),
    "campaigns.update": lambda c: c.campaigns.update(12, name="Spring sale"),
    "campaigns.delete": lambda c: c.campaigns.delete(12),
    "campaigns.calculate_goal": lambda c: c.campaigns.calculate_goal(12),
    "campaigns.price": lambda c: c.campaigns.price(12),
    "campaigns.confirm": lambda c: c.campaigns.confirm(12),
    "campaigns.launch": lambda c: c.campaigns.launch(12, max_price=10.0),
    "campaigns.stats": lambda c: _drain(c.campaigns.stats(start_date=DAY, end_date=DAY)),
    "exports.list": lambda c: _drain(c.exports.list()),
    "exports.get": lambda c: c.exports.get(5),
    "exports.regenerate": lambda c: c.exports.regenerate(5),
    "exports.contacts": lambda c: c.exports.contacts(list_ids=[87]),
    "exports.delivery_reports": lambda c: c.exports.delivery_reports(campaign_id=12),
    "exports.wait": lambda c: c.exports.wait(5, interval=0.001, timeout=0.02),
    "exports.download": lambda c: c.exports.download(5),
    "account.subscription": lambda c: c.account.subscription(),
    "account.contacts_quota": lambda c: c.account.contacts_quota(),
    "account.credit": lambda c: c.account.credit(),
    "socials.list": lambda c: _drain(c.socials.list()),
    "socials.get": lambda c: c.socials.get("facebook"),
    "api_keys.list": lambda c: _drain(c.api_keys.list(user_id=7621)),
    "api_keys.get": lambda c: c.api_keys.get("ak_live_fuzz"),
    "api_keys.create": lambda c: c.api_keys.create("ci", operations=["SMS"]),
    "api_keys.delete": lambda c: c.api_keys.delete(3),
    "request": lambda c: c.request("GET", "/partner-gateway/v1/contacts"),
}
