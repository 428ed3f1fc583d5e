"""Campaigns: their status and sending mode, their goal, price and statistics.

A campaign's life: ``create`` makes a draft (status 0); ``update`` changes it
while it is a draft or scheduled; ``calculate_goal`` counts the recipients
and the cost (the platform requires it before confirming); ``price`` reads
that cost; ``confirm`` commits the spend, irreversibly, and the campaign is
scheduled (1) or sending (2), then completed (3) or failed (4).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "Campaign",
    "CampaignGoal",
    "CampaignPrice",
    "CampaignStats",
    "CampaignStatus",
    "SendingMode",
]

Raw = Mapping[str, Any]


# Other names the platform's doc sets give the same states (``isProgrammed``, the
# older lifecycle's "Confirmed"...).
_STATUS_ALIASES = {
    "PROGRAMMED": "SCHEDULED",
    "CONFIRMED": "SCHEDULED",
    "RUNNING": "SENDING",
    "IN_PROGRESS": "SENDING",
    "COMPLETE": "COMPLETED",
    "DONE": "COMPLETED",
    "SENT": "COMPLETED",
    "ERROR": "FAILED",
}


class CampaignStatus(enum.IntEnum):
    """Where a campaign is in its life; the platform sends the number (0-4), or sometimes the name.

    ``CampaignStatus(0)`` and ``CampaignStatus("DRAFT")`` (any case) are the same member.
    """

    DRAFT = 0
    SCHEDULED = 1
    SENDING = 2
    COMPLETED = 3
    FAILED = 4

    @classmethod
    def _missing_(cls, value: object) -> CampaignStatus | None:
        if isinstance(value, str):
            text = value.strip().upper()
            if text.isdigit():
                return cls._value2member_map_.get(int(text))  # type: ignore[return-value]
            text = text.replace(" ", "_").replace("-", "_")
            return cls.__members__.get(_STATUS_ALIASES.get(text, text))
        return None

    @property
    def is_editable(self) -> bool:
        """Whether ``update`` and ``delete`` are allowed (drafts and scheduled campaigns)."""
        return self in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class SendingMode(str, enum.Enum):
    """The channel, or the fallback chain, a campaign sends on (the first that reaches wins)."""

    SMS = "SMS"
    RCS = "RCS"
    WHATSAPP = "WHATSAPP"
    RCS_SMS = "RCS_SMS"
    WHATSAPP_SMS = "WHATSAPP_SMS"
    WHATSAPP_RCS = "WHATSAPP_RCS"
    WHATSAPP_RCS_SMS = "WHATSAPP_RCS_SMS"

    @classmethod
    def _missing_(cls, value: object) -> SendingMode | None:
        if isinstance(value, str):
            return cls.__members__.get(value.strip().upper())
        return None

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class Campaign:
    """One campaign.

    Attributes:
        id: the campaign's id; ``None`` only on a ``create`` whose answer gave none.
        name: its name.
        description: its description.
        status: a ``CampaignStatus``, or ``None`` for a value the SDK does not know
            (``raw["status"]`` has it).
        sending_mode: a ``SendingMode``, or ``None`` when absent or unknown.
        ready_to_send: whether it may be confirmed.
        sms_sender: the SMS sender.
        sms_body: the SMS text (with ``{{placeholders}}``).
        rcs_agent_id: the RCS agent.
        rcs_template_id: the RCS template.
        whatsapp_phone_number_id: the WhatsApp sender number.
        whatsapp_template_id: the WhatsApp template.
        contact_list_ids: the recipient lists (``destinationType`` 1).
        destinations: explicit recipients (``destinationType`` 2).
        scheduled_date: when it is due to send.
        total_destinations: recipients counted.
        total_success: messages delivered.
        total_failed: messages that failed.
        created_at: when it was created.
        raw: the decoded object.
    """

    id: int | str | None
    name: str | None = None
    description: str | None = None
    status: CampaignStatus | None = None
    sending_mode: SendingMode | None = None
    ready_to_send: bool | None = None
    sms_sender: str | None = None
    sms_body: str | None = None
    rcs_agent_id: int | str | None = None
    rcs_template_id: int | str | None = None
    whatsapp_phone_number_id: int | str | None = None
    whatsapp_template_id: int | str | None = None
    contact_list_ids: tuple[int | str, ...] = ()
    destinations: tuple[str, ...] = ()
    scheduled_date: datetime | None = None
    total_destinations: int | None = None
    total_success: int | None = None
    total_failed: int | None = None
    created_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class CampaignGoal:
    """The answer of ``calculate_goal``: recipients and cost (its shape is undocumented).

    Attributes:
        total_contacts: the recipients counted, when the answer says.
        estimated_cost: the cost, when the answer says.
        cost_per_message: the unit cost, when the answer says.
        currency: e.g. ``"EUR"``.
        raw: the decoded answer (empty when the platform sent none).
    """

    total_contacts: int | None = None
    estimated_cost: float | None = None
    cost_per_message: float | None = None
    currency: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class CampaignPrice:
    """The price of a campaign, as ``GET /campaigns/{id}/price`` gives it.

    Attributes:
        amount: the price, or ``None`` when the answer holds no readable number.
        currency: e.g. ``"EUR"``, when the answer says.
        total_contacts: the recipients it covers, when the answer says.
        raw: the decoded answer (``{"value": n}`` when it was a bare number).
    """

    amount: float | None
    currency: str | None = None
    total_contacts: int | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class CampaignStats:
    """One row of the aggregate statistics (one hour, day, week or month).

    Attributes:
        period: the bucket as the platform labels it (a date, or a date and hour).
        campaigns: campaigns in the bucket.
        destinations: recipients.
        success: messages delivered.
        failed: messages that failed.
        cost: what they cost.
        raw: the decoded row (every other figure the platform gives).
    """

    period: str | None = None
    campaigns: int | None = None
    destinations: int | None = None
    success: int | None = None
    failed: int | None = None
    cost: float | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)
