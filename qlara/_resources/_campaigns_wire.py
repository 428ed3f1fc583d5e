"""Reading campaigns, goals, prices and statistics (pure functions over decoded JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._errors import MalformedResponseError
from qlara._models.campaigns import (
    Campaign,
    CampaignGoal,
    CampaignPrice,
    CampaignStats,
    CampaignStatus,
    SendingMode,
)
from qlara._resources._read import Fields, obj, unwrap
from qlara._wire import number as _number
from qlara._wire import text as _text

__all__ = [
    "PRICE_KEYS",
    "parse_campaign",
    "parse_goal",
    "parse_price",
    "parse_stats",
    "stats_envelope",
]

# Where the price may be: the shape of GET /price is undocumented (Q9).
PRICE_KEYS = (
    "price",
    "totalPrice",
    "estimatedCost",
    "cost",
    "totalCost",
    "amount",
    "totalAmount",
    "campaignPrice",
    "value",
)


def status_of(value: Any) -> CampaignStatus | None:
    """A wire status (0-4, or a name such as ``"DRAFT"``), ``None`` when unknown."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return CampaignStatus(value)
    except (ValueError, TypeError):
        return None


def mode_of(value: Any) -> SendingMode | None:
    try:
        return SendingMode(value) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_campaign(data: Any, *, require_id: bool = True) -> Campaign:
    """A campaign object (also inside ``{"data": {...}}``); ``require_id=False`` for a
    campaign built from what a create sent (its answer gave no id)."""
    fields = Fields(obj(unwrap(data, "campaign"), "campaign"))
    found = fields.ident("id", "campaignId")
    if found is None and require_id:
        raise MalformedResponseError("malformed campaign answer: no id @ $.id")
    raw_destinations = fields.data.get("destinations")
    destinations: tuple[str, ...] = ()
    if isinstance(raw_destinations, list):
        texts = (
            _text(d.get("destination", d.get("phoneNumber")))
            if isinstance(d, Mapping)
            else _text(d)
            for d in raw_destinations
        )
        destinations = tuple(t for t in texts if t is not None)
    return Campaign(
        id=found,
        name=fields.text("name"),
        description=fields.text("description"),
        status=status_of(fields.data.get("status")),
        sending_mode=mode_of(fields.data.get("sendingMode", fields.data.get("channel"))),
        ready_to_send=fields.flag("readyToSend"),
        sms_sender=fields.text("smsSender"),
        sms_body=fields.text("smsBody"),
        rcs_agent_id=fields.ident("rcsAgentId"),
        rcs_template_id=fields.ident("rcsTemplateId"),
        whatsapp_phone_number_id=fields.ident("whatsappPhoneNumberId"),
        whatsapp_template_id=fields.ident("whatsappTemplateId"),
        contact_list_ids=fields.ids("contactListIds"),
        destinations=destinations,
        scheduled_date=fields.when("scheduledDate"),
        total_destinations=fields.count("totalDestinations"),
        total_success=fields.count("totalSuccess"),
        total_failed=fields.count("totalFailed"),
        created_at=fields.when("createdAt", "creationDate"),
        raw=dict(fields.data),
    )


def _opened(data: Any) -> Any:
    """``{"data": {...}}`` (or ``{"data": 12.5}``) opened; anything else as it is."""
    if isinstance(data, Mapping) and "data" in data and set(data) <= {"data", "currency"}:
        inner = data["data"]
        extra = {"currency": data["currency"]} if "currency" in data else {}
        if isinstance(inner, Mapping):
            return {**extra, **inner}
        if inner is not None:
            return {"price": inner, **extra}
    return unwrap(data, "goal")


def parse_goal(data: Any) -> CampaignGoal:
    """``calculateGoal``'s answer: the older documented shape is read, anything else kept."""
    if data is None:
        return CampaignGoal()
    data = _opened(data)
    if not isinstance(data, Mapping):
        number = _number(data)
        return CampaignGoal(estimated_cost=number, raw={"value": data})
    fields = Fields(data)
    return CampaignGoal(
        total_contacts=fields.count("totalContacts", "totalDestinations", "recipients"),
        estimated_cost=fields.number("estimatedCost", *PRICE_KEYS),
        cost_per_message=fields.number("costPerMessage", "unitPrice"),
        currency=fields.text("currency"),
        raw=dict(data),
    )


def parse_price(data: Any) -> CampaignPrice:
    """The price: a bare number, or an object with one of ``PRICE_KEYS`` (nested once is fine).

    An empty answer gives an empty ``raw``: ``launch`` then falls back to the
    goal's estimate, never when the platform answered something unreadable.
    """
    if data is None:
        return CampaignPrice(amount=None)
    data = _opened(data)
    if not isinstance(data, Mapping):
        return CampaignPrice(amount=_number(data), raw={"value": data})
    fields = Fields(data)
    amount = fields.number(*PRICE_KEYS)
    if amount is None:
        for key in PRICE_KEYS:
            inner = data.get(key)
            if isinstance(inner, Mapping):
                amount = Fields(inner).number("amount", "value", "total")
                break
    return CampaignPrice(
        amount=amount,
        currency=fields.text("currency"),
        total_contacts=fields.count("totalContacts", "totalDestinations"),
        raw=dict(data),
    )


def stats_envelope(data: Any) -> Any:
    """The aggregate may come as one object of totals rather than a list of rows: one row."""
    if (
        isinstance(data, Mapping)
        and data
        and not any(isinstance(v, (list, Mapping)) for v in data.values())
    ):
        return {"content": [data], "last": True}
    return data


def parse_stats(data: Any) -> CampaignStats:
    """One statistics row."""
    fields = Fields(obj(data, "campaign stats"))
    return CampaignStats(
        period=fields.text("period", "date", "bucket", "aggregateDate"),
        campaigns=fields.count("totalCampaigns", "campaigns"),
        destinations=fields.count("totalDestinations", "destinations"),
        success=fields.count("totalSuccess", "success", "delivered"),
        failed=fields.count("totalFailed", "failed"),
        cost=fields.number("totalCost", "cost"),
        raw=dict(fields.data),
    )
