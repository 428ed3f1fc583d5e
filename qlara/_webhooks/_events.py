"""The typed events a callback body becomes.

Which id is which: the platform's pages disagree. The guide's payload carries
the platform's ``messageId`` *and* ``customerMessageId`` (the id the sender
chose, which is the ``messageId`` the SDK sent); the SMS and RCS references
carry only ``messageId``, which is then the id the SDK sent (the platform
echoes it). ``sent_message_id`` resolves that once: ``customer_message_id``
when present, else ``message_id``. It is what the ``DeliveryTracker`` keys on
and what to match against ``SendResult.message_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Union

import attrs

from qlara._models.channel import Channel
from qlara._models.status import DeliveryStatus

__all__ = ["DeliveryEvent", "InboundEvent", "ReadEvent", "UnknownEvent", "WebhookEvent"]


@attrs.frozen(kw_only=True)
class _Event:
    """Fields every event has (each ``None`` when the payload lacks it).

    Attributes:
        message_id: the payload's ``messageId``.
        customer_message_id: the payload's ``customerMessageId`` (guide and old dialects).
        channel: the channel, read in any case; ``None`` when absent or unknown.
        timestamp: when it happened, an aware ``datetime`` (a time without an
            offset is read as UTC); from ``timestamp``, ``eventDate`` or ``receivedDate``.
        raw: the decoded payload, untouched.
    """

    message_id: str | None = None
    customer_message_id: str | None = None
    channel: Channel | None = None
    timestamp: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def sent_message_id(self) -> str | None:
        """The id the SDK sent (``SendResult.message_id``): see the module docstring."""
        return self.customer_message_id or self.message_id


@attrs.frozen(kw_only=True)
class DeliveryEvent(_Event):
    """A delivery receipt (``eventType: DELIVERY``, or the old ``status`` payload).

    Attributes:
        status: ``statusCode`` 3 is DELIVERED and 6 is ERROR; a ``status`` string is
            read as is; anything else is UNKNOWN, with the original in ``raw``.
        status_code: the numeric ``statusCode``, when given.
        description: ``description``, ``statusDescription`` or the old ``error``.
        destination: the recipient (``destination`` or the old ``phoneNumber``).
        price: what this (part of the) message cost (SMS reference).
        part: which SMS part this receipt is for (``numPart``), 1-based.
        total_parts: how many parts the SMS has (``totalParts``).
    """

    status: DeliveryStatus = DeliveryStatus.UNKNOWN
    status_code: int | None = None
    description: str | None = None
    destination: str | None = None
    price: float | None = None
    part: int | None = None
    total_parts: int | None = None


@attrs.frozen(kw_only=True)
class ReadEvent(_Event):
    """The recipient read the message (WhatsApp and RCS only).

    Attributes:
        destination: the recipient.
    """

    destination: str | None = None


@attrs.frozen(kw_only=True)
class InboundEvent(_Event):
    """A message a user sent to you (WhatsApp and RCS).

    Attributes:
        source: who sent it.
        destination: your number or agent it was sent to.
        text: its text, for TEXT messages.
        message_type: ``TEXT``, ``IMAGE``, ``AUDIO``, ``VIDEO`` or a newer type.
        media_key: for media, the key to download it (``/api/files/{mediaKey}``).
    """

    source: str | None = None
    destination: str | None = None
    text: str | None = None
    message_type: str | None = None
    media_key: str | None = None


@attrs.frozen(kw_only=True)
class UnknownEvent(_Event):
    """An event type the SDK does not know yet; everything is in ``raw``.

    Attributes:
        event_type: the payload's ``eventType``, when it had one.
    """

    event_type: str | None = None


WebhookEvent = Union[DeliveryEvent, ReadEvent, InboundEvent, UnknownEvent]  # noqa: UP007
"""What ``qlara.webhooks.parse`` returns."""
