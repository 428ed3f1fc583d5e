"""Delivery callbacks: typed events, a forward-only tracker, and an ASGI receiver.

``parse(body)`` turns any documented callback payload into a
``DeliveryEvent``, ``ReadEvent``, ``InboundEvent`` or ``UnknownEvent``;
``DeliveryTracker`` folds events and polled statuses into one state per
message; ``asgi_app(handler)`` receives callbacks under any ASGI server::

    from qlara import webhooks

    tracker = webhooks.DeliveryTracker()
    app = webhooks.asgi_app(tracker.feed, token="a-long-random-secret")

Event ids: ``event.sent_message_id`` is the id the SDK sent
(``SendResult.message_id``): the payload's ``customerMessageId`` when it has
one, else its ``messageId``. Timestamps are aware ``datetime`` objects; a
payload time without an offset is read as UTC.
"""

# ruff: noqa: PLC0414 - explicit "X as X" re-exports mark the public surface

from qlara._models.status import DeliveryStatus as DeliveryStatus
from qlara._models.status import MessageStatus as MessageStatus
from qlara._webhooks._asgi import WebhookReceiver as WebhookReceiver
from qlara._webhooks._asgi import asgi_app as asgi_app
from qlara._webhooks._events import DeliveryEvent as DeliveryEvent
from qlara._webhooks._events import InboundEvent as InboundEvent
from qlara._webhooks._events import ReadEvent as ReadEvent
from qlara._webhooks._events import UnknownEvent as UnknownEvent
from qlara._webhooks._events import WebhookEvent as WebhookEvent
from qlara._webhooks._parse import parse as parse
from qlara._webhooks._tracker import DeliveryTracker as DeliveryTracker
from qlara._webhooks._tracker import TrackedMessage as TrackedMessage

__all__ = [
    "DeliveryEvent",
    "DeliveryStatus",
    "DeliveryTracker",
    "InboundEvent",
    "MessageStatus",
    "ReadEvent",
    "TrackedMessage",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookReceiver",
    "asgi_app",
    "parse",
]
