"""What ``send_many`` yields for each input: the message as sent and its fate."""

from __future__ import annotations

import attrs

from qlara._errors import QlaraError
from qlara._models.rcs import RcsMessage
from qlara._models.results import SendResult
from qlara._models.sms import SmsMessage
from qlara._models.whatsapp import WhatsAppMessage


@attrs.frozen(kw_only=True)
class Outcome:
    """The fate of one input of ``send_many``.

    Attributes:
        index: the position of the message in the input (0-based).
        message: the message as sent, with its final ``message_id``. When the
            input item was not a message at all, the item itself, and ``error``
            is a ``ValidationError``.
        result: the platform's answer, or ``None`` when there was an error.
        error: why the message failed: a ``QlaraError`` (``OutcomeUnknownError``
            when it may have landed; it was not sent again), or ``None``.
    """

    index: int
    message: SmsMessage | RcsMessage | WhatsAppMessage
    result: SendResult | None = None
    error: QlaraError | None = None

    @property
    def ok(self) -> bool:
        """True when there was no error and the platform accepted the message."""
        return self.error is None and self.result is not None and self.result.accepted

    @property
    def message_id(self) -> str | None:
        """The ``messageId`` the message was (or would have been) sent with."""
        return getattr(self.message, "message_id", None)
