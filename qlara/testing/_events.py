"""The callback payloads the simulator sends, in the Qlara guide's dialect.

DELIVERY: ``{eventType, messageId, customerMessageId, destination, statusCode,
description, channel, timestamp}`` with ``statusCode`` 3 (delivered) or 6 (not
delivered), plus ``numPart``/``totalParts`` for per-part SMS receipts. READ
(RCS and WhatsApp) and INBOUND follow the same guide.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from qlara.testing._state import SentMessage

__all__ = ["delivery", "inbound", "iso", "read"]


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the guide's examples are written."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def delivery(
    message: SentMessage, moment: datetime, part: int | None = None, total: int | None = None
) -> dict[str, Any]:
    status = message.status
    event: dict[str, Any] = {
        "eventType": "DELIVERY",
        "messageId": message.platform_id,
        "customerMessageId": message.message_id,
        "destination": message.destination,
        "statusCode": 3 if status == "DELIVERED" else 6,
        "description": message.description,
        "channel": message.channel.value,
        "timestamp": iso(moment),
    }
    if part is not None:
        event["numPart"] = part
        event["totalParts"] = total
    return event


def read(message: SentMessage, moment: datetime) -> dict[str, Any]:
    return {
        "eventType": "READ",
        "messageId": message.platform_id,
        "customerMessageId": message.message_id,
        "destination": message.destination,
        "channel": message.channel.value,
        "timestamp": iso(moment),
    }


def inbound(
    *,
    source: str,
    destination: str,
    text: str | None,
    channel: str,
    message_type: str,
    media_key: str | None,
    moment: datetime,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "INBOUND",
        "messageId": str(uuid.uuid4()),
        "source": source,
        "destination": destination,
        "text": text,
        "channel": channel,
        "messageType": message_type,
        "timestamp": iso(moment),
    }
    if media_key is not None:
        event["mediaKey"] = media_key
    return event
