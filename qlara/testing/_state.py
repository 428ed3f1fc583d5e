"""What the simulator remembers about a message, and how it moves on.

The lifecycle is a pure function of the clock: a message accepted at ``t``
reports ``UNKNOWN`` (accepted, not forwarded yet) until ``t + sent_after``,
``SENT`` until ``t + final_after``, then its final status: ``DELIVERED``, or
what the destination was marked with (``ERROR``, ``EXPIRED``; ``SENT`` keeps
it stuck in SENT forever). The simulator keeps due transitions in a heap and
turns each into callback events when the clock passes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._models import Channel

__all__ = ["DESCRIPTIONS", "FINAL", "MARKS", "Lifecycle", "SentMessage"]

FINAL = frozenset({"DELIVERED", "ERROR", "EXPIRED"})
MARKS = frozenset({"DELIVERED", "RECEIVED", "ERROR", "EXPIRED", "SENT", "UNKNOWN", "REJECTED"})
DESCRIPTIONS: Mapping[str, str] = {
    "UNKNOWN": "Accepted, no status known yet",
    "SENT": "Forwarded to the carrier",
    "RECEIVED": "Received downstream, handset delivery not confirmed",
    "DELIVERED": "Message delivered",
    "ERROR": "Message not delivered: destination unreachable (simulated)",
    "EXPIRED": "Message expired: validity period elapsed (simulated)",
}


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen(kw_only=True)
class Lifecycle:
    """How fast messages move, in seconds of the simulator's clock.

    Attributes:
        sent_after: from acceptance to ``SENT``.
        final_after: from acceptance to the final status (and its DELIVERY callback).
        read_after: from the final ``DELIVERED`` to a READ callback, for RCS and
            WhatsApp; ``None`` sends no READ events.
        per_part_receipts: one DELIVERY callback per SMS part (with ``numPart`` and
            ``totalParts``, as the SMS reference documents) instead of one per message.
    """

    sent_after: float = attrs.field(default=0.5, validator=_non_negative)
    final_after: float = attrs.field(default=2.0, validator=_non_negative)
    read_after: float | None = attrs.field(default=None, validator=_non_negative)
    per_part_receipts: bool = False

    def __attrs_post_init__(self) -> None:
        if self.final_after < self.sent_after:
            raise ValueError("final_after must not come before sent_after")

    @classmethod
    def instant(cls) -> Lifecycle:
        """Every message is final the moment it is accepted (tests without clocks)."""
        return cls(sent_after=0.0, final_after=0.0)


@attrs.define(kw_only=True)
class SentMessage:
    """One message the simulator accepted.

    Attributes:
        message_id: the id the client gave (``messageId``, or ``customerMessageId``
            in the Quick Start dialect): the id polled by the status endpoint.
        platform_id: the id in the send answer and in callbacks' ``messageId``.
        channel: the channel it was sent on.
        destination: the E.164 recipient.
        sender: the SMS sender, when there is one.
        text: the SMS text after placeholders, when there is one.
        body: the request body as received.
        dialect: ``"current"``, ``"quickstart"`` (the older field names) or
            ``"legacy"`` (one message of an SMS Legacy request; ``body`` is its item).
        parts: SMS parts; 1 for rich channels.
        unicode: whether the SMS needs UCS-2.
        accepted_at: the simulator's clock at acceptance.
        sent_date: the wall-clock time of acceptance.
        status: the current delivery status.
        final: the status it will end in.
        notify: whether callbacks are sent for it.
        delivered_date: the wall-clock time of its final status.
    """

    message_id: str
    platform_id: str
    channel: Channel
    destination: str
    sender: str | None
    text: str | None
    body: Mapping[str, Any]
    dialect: str
    parts: int
    unicode: bool
    accepted_at: float
    sent_date: datetime
    status: str = "UNKNOWN"
    final: str = "DELIVERED"
    notify: bool = True
    delivered_date: datetime | None = None

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.status, self.status)
