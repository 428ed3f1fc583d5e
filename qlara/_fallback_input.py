"""``send_with_fallback``'s input checks and channel rules, before and around each send.

- ``prepare``: the chain is checked before anything is sent, and every message
  gets its own ``message_id`` (a UUID4 for one without).
- ``platform_channels``: where a send may land, its own channel first, then
  those of the platform's own fallbacks it carries.
- ``taken_on``: which channel an accepted send went out on.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from typing import Any

from qlara._batch._input import MESSAGE_TYPES, carrying_id
from qlara._errors import ValidationError
from qlara._models import SendResult
from qlara._models.channel import Channel
from qlara._webhooks._tracker import DeliveryTracker

__all__ = ["check_seconds", "platform_channels", "prepare", "taken_on"]


def check_seconds(field: str, value: object, *, positive: bool = True) -> float:
    """A number of seconds: finite, not negative, and above zero when ``positive``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or math.isinf(value)
        or value < 0
        or (positive and value == 0)
    ):
        kind = "a positive" if positive else "a non-negative"
        raise ValidationError(field, f"must be {kind} finite number of seconds, got {value!r}")
    return float(value)


def prepare(messages: Iterable[Any], on_unknown: object, tracker: object) -> list[Any]:
    """Check the chain before anything is sent, and give every message its own id."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Iterable):
        raise ValidationError("messages", "must be a list of messages, tried in order")
    chain = list(messages)
    if not chain:
        raise ValidationError("messages", "must hold at least one message")
    if on_unknown not in ("stop", "continue"):
        raise ValidationError("on_unknown", f"must be 'stop' or 'continue', got {on_unknown!r}")
    if tracker is not None and not isinstance(tracker, DeliveryTracker):
        raise ValidationError("tracker", "must be a qlara.webhooks.DeliveryTracker")
    seen: dict[str, int] = {}
    for index, message in enumerate(chain):
        if not isinstance(message, MESSAGE_TYPES):
            kind = type(message).__name__
            raise ValidationError(
                f"messages[{index}]",
                f"must be an SmsMessage, RcsMessage or WhatsAppMessage, got {kind}",
            )
        if message.message_id is None:
            chain[index] = carrying_id(message, str(uuid.uuid4()))
        elif message.message_id in seen:
            raise ValidationError(
                f"messages[{index}].message_id",
                f"repeats messages[{seen[message.message_id]}]'s: each message needs its own id",
            )
        seen[chain[index].message_id] = index
    return chain


def platform_channels(message: Any) -> list[Channel]:
    """The channels a send may land on: its own, then those of the platform's own fallbacks."""
    channels = [message.channel]
    if message.channel is Channel.WHATSAPP:
        if message.fallback_rcs is not None:
            channels.append(Channel.RCS)
        if message.fallback_sms is not None:
            channels.append(Channel.SMS)
    elif message.channel is Channel.RCS:
        body_fallback = getattr(message.body, "fallback_sms", None)
        if message.max_sms_parts is not None or body_fallback is not None:
            channels.append(Channel.SMS)
    return channels


def taken_on(result: SendResult, own: Channel) -> Channel:
    """The channel that accepted an accepted send: its own, else the platform's fallback's."""
    mine = result.results.get(own)
    if mine is not None and mine.accepted:
        return own
    return next((channel for channel, item in result.results.items() if item.accepted), own)
