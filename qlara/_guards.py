"""Guards where money is spent: refuse a message over ``max_parts`` SMS parts.

``send_many(..., max_parts=N)`` asks ``too_many_parts`` about each message just
before it would go out; a message over the limit becomes a ``ValidationError``
outcome (never sent, never journaled as started). What is counted is every SMS
text a message can cost: an ``SmsMessage``'s body with its placeholders filled,
and the ``fallback_sms`` text of a WhatsApp or RCS message (counted as written:
the platform's documentation does not say whether it fills placeholders there).
"""

from __future__ import annotations

from typing import Any

from qlara._errors import ValidationError
from qlara._models import SmsMessage
from qlara._segments import Segments, render_placeholders, segments

__all__ = ["check_max_parts", "describe_excess", "sms_texts", "too_many_parts"]


def check_max_parts(max_parts: object) -> int | None:
    """``max_parts`` must be ``None`` or a positive integer."""
    if max_parts is None:
        return None
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise ValidationError("max_parts", f"must be a positive integer, got {max_parts!r}")
    return max_parts


def sms_texts(message: Any) -> list[tuple[str, str]]:
    """``(field, text)`` for every SMS text ``message`` may be sent as."""
    if isinstance(message, SmsMessage):
        return [("body", render_placeholders(message.body, message.placeholders))]
    found: list[tuple[str, str]] = []
    fallback = getattr(message, "fallback_sms", None)
    if fallback is not None:
        found.append(("fallback_sms.body", fallback.body))
    inner = getattr(getattr(message, "body", None), "fallback_sms", None)
    if inner is not None:
        found.append(("body.fallback_sms.body", inner.body))
    return found


def describe_excess(counted: Segments, max_parts: int) -> str:
    """The problem in words: the parts it takes, and what forced UCS-2."""
    problem = f"takes {counted.parts} SMS parts ({counted.encoding})"
    problem += f", more than max_parts={max_parts}"
    if counted.ucs2_characters:
        shown = ", ".join(repr(char) for char in counted.ucs2_characters)
        problem += f"; UCS-2 because of {shown}"
    return problem


def too_many_parts(index: int, message: Any, max_parts: int) -> ValidationError | None:
    """The error for a message over ``max_parts``, naming its field; ``None`` when it fits."""
    for field, text in sms_texts(message):
        counted = segments(text)
        if counted.parts > max_parts:
            problem = describe_excess(counted, max_parts)
            return ValidationError(f"messages[{index}].{field}", problem)
    return None
