"""The three send endpoints, in both request dialects.

The current dialect (``destination``, ``sender``, ``body``...) is validated by
parsing the body into the SDK's own message models, so the simulator rejects
exactly what the SDK would refuse to send, with the field's full wire path
(``_paths``).
The Quick Start dialect (``phoneNumber``, ``message``, ``senderName``;
``templateId`` + ``variables``) is checked by hand and answered in its own,
older shape.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._converter import parse_message
from qlara._models import Channel, RcsMessage, SmsMessage, WhatsAppMessage
from qlara._models._validate import ALPHANUMERIC_SENDER, E164, NUMERIC_SENDER
from qlara.testing._encoding import sms_parts
from qlara.testing._paths import InvalidRequestError, first_problem

__all__ = ["InvalidRequestError", "Parsed", "parse_send"]

MODELS: Mapping[Channel, type[Any]] = {
    Channel.SMS: SmsMessage,
    Channel.RCS: RcsMessage,
    Channel.WHATSAPP: WhatsAppMessage,
}
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")


@attrs.frozen(kw_only=True)
class Parsed:
    """A valid send, reduced to what the simulator tracks."""

    channel: Channel
    dialect: str
    message_id: str | None
    destination: str
    sender: str | None
    text: str | None
    simulation: bool
    notify: bool
    scheduled: datetime | None


def fill(text: str, placeholders: Mapping[str, str] | None) -> str:
    """Replace ``{name}`` tokens; unknown tokens stay as written (as documented for RCS)."""
    if not placeholders:
        return text
    return PLACEHOLDER.sub(lambda m: placeholders.get(m.group(1), m.group(0)), text)


def _current(channel: Channel, data: Mapping[str, Any]) -> Parsed:
    try:
        message = parse_message(data, MODELS[channel])
    except Exception as exc:  # cattrs wraps every problem; we want the first one
        raise first_problem(exc, data) from exc
    text = sender = None
    if isinstance(message, SmsMessage):
        text, sender = fill(message.body, message.placeholders), message.sender
    notify = message.enable_notification
    return Parsed(
        channel=channel,
        dialect="current",
        message_id=message.message_id,
        destination=message.destination,
        sender=sender,
        text=text,
        simulation=message.simulation,
        notify=True if notify is None else notify,
        scheduled=message.scheduled_date,
    )


def _string(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    if value is None:
        raise InvalidRequestError(field, "is required")
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(field, "must be a non-empty string")
    return value


def _quickstart(channel: Channel, data: Mapping[str, Any]) -> Parsed:
    destination = _string(data, "phoneNumber")
    if not E164.fullmatch(destination):
        raise InvalidRequestError("phoneNumber", "must be an E.164 number such as +393401234567")
    text = sender = None
    if channel is Channel.SMS:
        text = _string(data, "message")
        sender = _string(data, "senderName")
        if not (NUMERIC_SENDER.fullmatch(sender) or ALPHANUMERIC_SENDER.fullmatch(sender)):
            raise InvalidRequestError(
                "senderName", "must be up to 11 alphanumeric characters or 16 digits"
            )
    else:
        template = data.get("templateId")
        if template is None:
            raise InvalidRequestError("templateId", "is required")
        if isinstance(template, bool) or not isinstance(template, (str, int)):
            raise InvalidRequestError("templateId", "must be a string or an integer")
        variables = data.get("variables")
        if variables is not None and not isinstance(variables, Mapping):
            raise InvalidRequestError("variables", "must be an object")
    own_id = data.get("customerMessageId", data.get("messageId"))
    if own_id is not None and (not isinstance(own_id, str) or not own_id):
        raise InvalidRequestError("customerMessageId", "must be a non-empty string")
    simulation = data.get("simulation", False)
    if not isinstance(simulation, bool):
        raise InvalidRequestError("simulation", "must be true or false")
    return Parsed(
        channel=channel,
        dialect="quickstart",
        message_id=own_id,
        destination=destination,
        sender=sender,
        text=text,
        simulation=simulation,
        notify=True,
        scheduled=None,
    )


def parse_send(channel: Channel, data: Any) -> Parsed:
    """Validate one send body of either dialect.

    Raises:
        InvalidRequestError: the body breaks the documented rules.
    """
    if not isinstance(data, Mapping):
        raise InvalidRequestError("body", "must be a JSON object")
    if "destination" not in data and "phoneNumber" in data:
        return _quickstart(channel, data)
    return _current(channel, data)


def answer(parsed: Parsed, message_id: str, platform_id: str, accepted: bool) -> dict[str, Any]:
    """The send answer in the shape of the request's dialect."""
    reasons = [] if accepted else ["Destination rejected by the carrier (simulated)"]
    key = parsed.channel.value.lower()
    if parsed.dialect == "quickstart":
        return {
            "messageId": platform_id,
            "customerMessageId": message_id,
            "simulation": parsed.simulation,
            "results": [
                {
                    "phoneNumber": parsed.destination,
                    "accepted": accepted,
                    "channel": key,
                    "statusCode": 200 if accepted else 400,
                }
            ],
        }
    result: dict[str, Any] = {"accepted": accepted}
    if parsed.channel is Channel.SMS:
        parts, unicode = sms_parts(parsed.text or "")
        result.update(unicode=unicode, parts=parts)
    result["reasons"] = reasons
    return {"messageId": platform_id, "simulation": parsed.simulation, "results": {key: result}}


def new_id() -> str:
    return str(uuid.uuid4())
