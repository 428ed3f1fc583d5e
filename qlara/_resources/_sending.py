"""The one way a message goes out, whichever resource sends it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from qlara._converter import unstructure
from qlara._errors import ValidationError
from qlara._http import CallOptions, HttpCore
from qlara._models import AnyMessage, RcsMessage, SendResult, SmsMessage, WhatsAppMessage
from qlara._resources._base import call_options
from qlara._send_answer import parse_send_result

__all__ = ["SEND_PATHS", "call_options", "new_message_id", "send", "ensure_message_id"]

SEND_PATHS: Mapping[type[Any], str] = {
    SmsMessage: "/message-server/sms/send",
    RcsMessage: "/message-server/rcs/send",
    WhatsAppMessage: "/message-server/whatsapp/send",
}


# The variant nibble of a UUID is 10xx in binary: 8, 9, a or b.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_message_id() -> str:
    """A fresh UUID4, made once before the first attempt so every retry carries it.

    The same 122 random bits from ``os.urandom`` as ``str(uuid.uuid4())``,
    formatted directly: a third of the cost, and every send makes one.
    """
    digits = os.urandom(16).hex()
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-"
        f"{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"
    )


def ensure_message_id(message: AnyMessage) -> AnyMessage:
    """The message as it goes out: with the caller's id, or a fresh UUID4."""
    if message.message_id is not None:
        return message
    return attrs.evolve(message, message_id=new_message_id())


async def send(
    http: HttpCore,
    message: AnyMessage,
    expected: type[Any] | None,
    options: CallOptions,
) -> SendResult:
    """POST one message to its channel's endpoint and read the verdict."""
    path = SEND_PATHS.get(type(message))
    if path is None or (expected is not None and not isinstance(message, expected)):
        wanted = expected.__name__ if expected else "SmsMessage, RcsMessage or WhatsAppMessage"
        raise ValidationError("message", f"must be a {wanted}, got {type(message).__name__}")
    message = ensure_message_id(message)
    message_id = message.message_id
    assert message_id is not None
    return await http.request(
        "POST",
        path,
        lambda data: parse_send_result(data, message_id, message.channel),
        body=unstructure(message),
        message_id=message_id,
        options=options,
    )
