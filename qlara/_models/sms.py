"""The SMS Universal message (``POST /api/message-server/sms/send``)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from qlara._models import _validate as v
from qlara._models.channel import Channel
from qlara._models.message import Message
from qlara._segments import Segments, render_placeholders, segments


@attrs.frozen(kw_only=True)
class SmsMessage(Message):
    """One SMS to one recipient.

    Attributes:
        body: the text; long texts are split into parts by the platform
            (GSM-7: 160 characters, 153 per part; UCS-2: 70, 67 per part).
        sender: up to 11 alphanumeric characters, or up to 16 digits.
        enable_notification: ask for delivery callbacks (platform default: on).
        skip_rcs_override: bypass an account-level "send SMS as RCS" override.
        udh_data: a hex User Data Header, for binary or hand-made concatenation.
    """

    channel: ClassVar[Channel] = Channel.SMS

    body: str = attrs.field(validator=v.non_empty_text)
    sender: str = attrs.field(validator=v.sender)
    enable_notification: bool = attrs.field(default=True, validator=v.boolean)
    skip_rcs_override: bool = attrs.field(default=False, validator=v.boolean)
    udh_data: str | None = attrs.field(default=None, validator=v.optional_hex)

    def segments(self) -> Segments:
        """What this SMS costs: its parts, encoding and the characters that forced UCS-2.

        The body is counted after filling its ``{name}`` tokens from
        ``placeholders`` (a token without a value stays as written, as the
        platform sends it), so the count is the text the recipient gets.
        """
        return segments(render_placeholders(self.body, self.placeholders))
