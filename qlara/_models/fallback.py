"""Fallback specifications shared by the RCS and WhatsApp messages."""

from __future__ import annotations

import attrs

from qlara._models import _validate as v


@attrs.frozen(kw_only=True)
class SmsFallback:
    """The SMS to send when a rich channel cannot reach the handset.

    The only documented fallback object (the RCS template body's) is
    ``{"sender", "text"}``; the WhatsApp reference names ``fallbackSms`` without
    its fields, so the SDK sends that same shape everywhere. ``body`` is called
    ``body`` here to match ``SmsMessage``, and goes on the wire as ``text``.
    """

    sender: str = attrs.field(validator=v.sender)
    body: str = attrs.field(validator=v.non_empty_text, metadata={"wire": "text"})
