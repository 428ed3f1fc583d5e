"""Callback body -> typed event: pure, lenient, and never a crash on something new.

Every payload dialect the platform's pages document parses:

- the guide's: ``eventType``, ``messageId``, ``customerMessageId``, ``destination``,
  ``statusCode``, ``description``, ``channel: "SMS"``, ``timestamp``;
- the SMS reference's: ``statusDescription``, ``price``, ``numPart``, ``totalParts``;
- the RCS reference's: ``eventDate`` / ``receivedDate`` instead of ``timestamp``,
  ``mediaKey`` on inbound media;
- the older one: no ``eventType``, a ``status`` string, ``phoneNumber``,
  ``error``, channel in lower case.

Only a body that is not a JSON object raises ``WebhookError``. An unknown
event type becomes ``UnknownEvent``, an unknown status ``DeliveryStatus.UNKNOWN``
(the original stays in ``raw``), a field of the wrong type is left ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from qlara._errors import WebhookError
from qlara._models._time import parse_timestamp
from qlara._models.channel import channel_or_none
from qlara._models.status import DeliveryStatus
from qlara._webhooks._events import (
    DeliveryEvent,
    InboundEvent,
    ReadEvent,
    UnknownEvent,
    WebhookEvent,
)
from qlara._wire import first_text as _text
from qlara._wire import number as _number

__all__ = ["STATUS_CODES", "parse"]

STATUS_CODES: Mapping[int, DeliveryStatus] = {
    3: DeliveryStatus.DELIVERED,
    6: DeliveryStatus.ERROR,
}
"""The documented ``statusCode`` values; the platform's full table was never published."""


def _decode(body: bytes | bytearray | memoryview | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise WebhookError(f"the callback body is not UTF-8 text ({exc})") from exc
    elif isinstance(body, str):
        text = body
    else:
        raise WebhookError(
            f"a callback body must be bytes, str or a mapping, got {type(body).__name__}"
        )
    if not text.strip():
        raise WebhookError("the callback body is empty")
    try:
        data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError and RecursionError-free ValueErrors
        raise WebhookError(f"the callback body is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise WebhookError("the callback body is nested too deeply") from exc
    if not isinstance(data, dict):
        raise WebhookError(f"the callback body must be a JSON object, got {type(data).__name__}")
    return data


def _integer(value: Any) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _status(data: Mapping[str, Any], code: int | None) -> DeliveryStatus:
    if code is not None and code in STATUS_CODES:
        return STATUS_CODES[code]
    for key in ("status", "deliveryStatus"):
        value = data.get(key)
        if isinstance(value, str):
            return DeliveryStatus(value)
    return DeliveryStatus.UNKNOWN


def _event_type(data: Mapping[str, Any]) -> str | None:
    value = data.get("eventType", data.get("event"))
    if isinstance(value, str) and value.strip():
        return value.strip().upper()
    if any(key in data for key in ("statusCode", "status", "deliveryStatus")):
        return "DELIVERY"  # the older dialect has no eventType: every callback is a receipt
    return None


def parse(body: bytes | bytearray | memoryview | str | Mapping[str, Any]) -> WebhookEvent:
    """Read one callback body into a typed event.

    Args:
        body: the raw request body (bytes or str) or already-decoded JSON.

    Returns:
        A ``DeliveryEvent``, ``ReadEvent``, ``InboundEvent`` or ``UnknownEvent``.

    Raises:
        WebhookError: the body is not a JSON object (or, should a payload ever
            trip the reader, could not be read at all: never another exception).
    """
    data = _decode(body)
    try:
        return _event(data)
    except Exception as exc:
        # A safety net: the receiver must answer 400, not 500, whatever arrives.
        raise WebhookError(f"the callback body could not be read ({type(exc).__name__})") from exc


def _event(data: dict[str, Any]) -> WebhookEvent:
    common: dict[str, Any] = {
        "message_id": _text(data, "messageId"),
        "customer_message_id": _text(data, "customerMessageId"),
        "channel": channel_or_none(data.get("channel")),
        "timestamp": parse_timestamp(
            next(
                (data[k] for k in ("timestamp", "eventDate", "receivedDate") if k in data),
                None,
            )
        ),
        "raw": data,
    }
    kind = _event_type(data)
    if kind in ("DELIVERY", "DELIVERY_STATUS", "STATUS"):
        code = _integer(data.get("statusCode"))
        return DeliveryEvent(
            **common,
            status=_status(data, code),
            status_code=code,
            description=_text(data, "description", "statusDescription", "error"),
            destination=_text(data, "destination", "phoneNumber"),
            price=_number(data.get("price")),
            part=_integer(data.get("numPart")),
            total_parts=_integer(data.get("totalParts")),
        )
    if kind == "READ":
        return ReadEvent(**common, destination=_text(data, "destination", "phoneNumber"))
    if kind == "INBOUND":
        return InboundEvent(
            **common,
            source=_text(data, "source", "phoneNumber"),
            destination=_text(data, "destination"),
            text=_text(data, "text", "message"),
            message_type=_text(data, "messageType"),
            media_key=_text(data, "mediaKey"),
        )
    return UnknownEvent(**common, event_type=kind)
