"""Every endpoint the SDK reaches, as one call each: the table the answer fuzzing walks.

A new resource adds one line per method here (``"contacts.get": lambda c:
c.contacts.get(7)``), and tests/test_fuzz_answers.py feeds it arbitrary
answers: status codes, JSON of any shape, bytes, HTML. A case takes a client
and returns the awaitable of one call; listings are consumed, at most a few
hundred items, so a server that repeats itself cannot hold a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
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


async def _drain(items: AsyncIterator[Any]) -> int:
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

ENDPOINTS: dict[str, EndpointCase] = {
    **SEND_ENDPOINTS,
    "messages.status": lambda c: c.messages.status("m1", channel="SMS"),
    "messages.statuses": lambda c: c.messages.statuses(["m1", "m2"], channel="RCS"),
    "messages.history": lambda c: _drain(c.messages.history(channel="SMS", from_=START, to=END)),
    "messages.export_history": lambda c: c.messages.export_history(start=START, end=END),
    "webhooks.get": lambda c: c.webhooks.get(),
    "webhooks.create": lambda c: c.webhooks.create(URL),
    "webhooks.update": lambda c: c.webhooks.update(URL),
    "webhooks.set": lambda c: c.webhooks.set(URL),
    "webhooks.delete": lambda c: c.webhooks.delete(),
}
