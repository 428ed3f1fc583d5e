"""The body of a campaign create or update, every field checked (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from qlara._converter import format_scheduled_date
from qlara._errors import ValidationError
from qlara._models.campaigns import SendingMode
from qlara._resources import _admin_args as _a
from qlara._resources._base import present
from qlara._resources._tracking_args import aware

__all__ = ["campaign_body", "modes", "price_cap", "required_day"]

LIST_RECIPIENTS = 1
EXPLICIT_RECIPIENTS = 2


def _destinations(value: object) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError("destinations", f"must be a list of E.164 numbers, got {value!r}")
    out: list[Any] = []
    for item in value:
        if isinstance(item, Mapping):
            out.append(dict(item))  # an object per recipient, sent as given
        else:
            out.append(_a.phone("destinations", item))
    if not out:
        raise ValidationError("destinations", "must not be empty")
    return out


def campaign_body(
    *,
    name: object,
    description: object,
    sending_mode: object,
    ready_to_send: object,
    sms_sender: object,
    sms_body: object,
    rcs_agent_id: object,
    rcs_template_id: object,
    whatsapp_phone_number_id: object,
    whatsapp_template_id: object,
    contact_list_ids: object,
    destinations: object,
    scheduled_date: object,
    name_required: bool,
) -> dict[str, Any]:
    """The wire body; ``destinationType`` follows the recipients (1: lists, 2: numbers)."""
    if contact_list_ids is not None and destinations is not None:
        raise ValidationError(
            "destinations", "give contact_list_ids or destinations, not both (one destinationType)"
        )
    mode = _a.member("sending_mode", SendingMode, sending_mode)
    body: dict[str, Any] = {
        "name": _a.text("name", name, required=name_required),
        "description": _a.text("description", description),
        "sendingMode": None if mode is None else mode.value,
        "readyToSend": _a.flag("ready_to_send", ready_to_send),
        "smsSender": _a.text("sms_sender", sms_sender),
        "smsBody": _a.text("sms_body", sms_body),
        "rcsAgentId": None if rcs_agent_id is None else _a.one_id("rcs_agent_id", rcs_agent_id),
        "rcsTemplateId": None
        if rcs_template_id is None
        else _a.one_id("rcs_template_id", rcs_template_id),
        "whatsappPhoneNumberId": None
        if whatsapp_phone_number_id is None
        else _a.one_id("whatsapp_phone_number_id", whatsapp_phone_number_id),
        "whatsappTemplateId": None
        if whatsapp_template_id is None
        else _a.one_id("whatsapp_template_id", whatsapp_template_id),
    }
    if contact_list_ids is not None:
        body["destinationType"] = LIST_RECIPIENTS
        body["contactListIds"] = _a.id_list("contact_list_ids", contact_list_ids)
    if destinations is not None:
        body["destinationType"] = EXPLICIT_RECIPIENTS
        body["destinations"] = _destinations(destinations)
    if scheduled_date is not None:
        aware("scheduled_date", scheduled_date)
        assert isinstance(scheduled_date, datetime)
        body["scheduledDate"] = format_scheduled_date(scheduled_date)
    return present(body)


def modes(value: object) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, (str, SendingMode)) else value
    if not isinstance(items, Iterable):
        raise ValidationError(
            "sending_mode", f"must be a sending mode or a list of them, got {value!r}"
        )
    found = [_a.member("sending_mode", SendingMode, item) for item in items]
    return [m.value for m in found if m is not None] or None


def price_cap(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("max_price", f"must be a number, got {value!r}")
    cap = float(value)
    if not math.isfinite(cap) or cap < 0:
        raise ValidationError("max_price", f"must be a finite number >= 0, got {value!r}")
    return cap


def required_day(field: str, value: object) -> str:
    found = _a.day(field, value)
    if found is None:
        raise ValidationError(field, "is required (a date or 'yyyy-MM-dd')")
    return found
