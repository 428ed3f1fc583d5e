"""What the platform knows about a message after it was accepted, and the webhook setting.

Status answers come from two endpoints with two spellings: the status endpoint
says ``deliveryStatus`` / ``deliveryStatusDescription``, history items say
``status`` (and carry send and delivery dates, cost and parts). Both become a
``MessageStatus``. A status value the SDK does not know yet becomes
``DeliveryStatus.UNKNOWN`` and the platform's own word stays in ``raw_status``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._models.channel import Channel
from qlara._redact import mask_url

__all__ = ["FINAL_STATUSES", "DeliveryStatus", "MessageStatus", "WebhookConfig"]


class DeliveryStatus(str, enum.Enum):
    """Where a message is on its way to the handset.

    ``SENT`` (handed to the carrier) < ``RECEIVED`` (downstream, handset not yet
    confirmed) < one of the final states ``DELIVERED``, ``ERROR``, ``EXPIRED``.
    ``UNKNOWN`` means the platform knows nothing yet, or said something new:
    lookup is case-insensitive and any other string maps to ``UNKNOWN`` instead
    of raising, so a new value on the platform never breaks a caller.
    """

    SENT = "SENT"
    DELIVERED = "DELIVERED"
    RECEIVED = "RECEIVED"
    ERROR = "ERROR"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def _missing_(cls, value: object) -> DeliveryStatus | None:
        if isinstance(value, str):
            return cls.__members__.get(value.strip().upper(), cls.UNKNOWN)
        return None

    @property
    def is_final(self) -> bool:
        """True for ``DELIVERED``, ``ERROR`` and ``EXPIRED``: nothing will change any more."""
        return self in FINAL_STATUSES

    def __str__(self) -> str:
        return self.value


FINAL_STATUSES = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ERROR, DeliveryStatus.EXPIRED})


@attrs.frozen
class MessageStatus:
    """The platform's answer about one message, polled or listed in the history.

    Attributes:
        customer_message_id: the ``messageId`` the SDK sent (yours or the UUID4 it
            made), under which the platform files the message for polling.
        status: the delivery state; ``UNKNOWN`` for values the SDK does not know.
        description: the platform's explanation (why it failed, for instance).
        raw: the decoded item, so nothing the platform said is lost.
        message_id: the platform's own ``messageId`` when the answer has one.
        channel: the channel it went out on, when the answer says.
        destination: the recipient, when the answer says.
        sent_at: when it was sent (history items).
        delivered_at: when it was delivered (history items).
        cost: what it cost, in the account's currency (history items).
        parts: how many SMS parts it took (history items).
    """

    # The first four may be given by position, in the order of the design document.
    customer_message_id: str
    status: DeliveryStatus
    description: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
    message_id: str | None = attrs.field(default=None, kw_only=True)
    channel: Channel | None = attrs.field(default=None, kw_only=True)
    destination: str | None = attrs.field(default=None, kw_only=True)
    sent_at: datetime | None = attrs.field(default=None, kw_only=True)
    delivered_at: datetime | None = attrs.field(default=None, kw_only=True)
    cost: float | None = attrs.field(default=None, kw_only=True)
    parts: int | None = attrs.field(default=None, kw_only=True)

    @property
    def raw_status(self) -> str | None:
        """The status exactly as the platform spelled it (useful when ``status`` is UNKNOWN)."""
        value = self.raw.get("deliveryStatus", self.raw.get("status"))
        return value if isinstance(value, str) else None

    @property
    def is_final(self) -> bool:
        """True when the status will not change any more."""
        return self.status.is_final


@attrs.frozen(kw_only=True)
class WebhookConfig:
    """The account's delivery-status webhook (one URL for every channel and event).

    Attributes:
        callback_url: where the platform POSTs events (the real URL; the repr
            masks its query values, which often hold a secret token).
        id: the configuration's id (``"wh-7f8a9b0c"``), when the platform gave one.
        status: ``"ACTIVE"`` or whatever the platform reports.
        created_at: when it was configured, when the platform says.
        raw: the decoded answer.
    """

    callback_url: str = attrs.field(repr=lambda url: repr(mask_url(url)))
    id: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
