"""What every outgoing message has, whatever its channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

import attrs

from qlara._models import _validate as v
from qlara._models.channel import Channel


@attrs.frozen(kw_only=True)
class Message:
    """Fields shared by the three send endpoints.

    Attributes:
        destination: the recipient in E.164 form (``"+393401234567"``).
        message_id: your id for this message. The SDK sends one on every request
            (a fresh UUID4 when you leave it ``None``) and reuses it on retries,
            so a status lookup and a webhook event can be matched to it. At
            most 255 characters, without whitespace or ``, / ? # % \\``, which
            would break the status lookups.
        campaign_id: groups messages in reports; at most 255 characters.
        simulation: validate and process without sending or spending credit.
        scheduled_date: when to send; must be timezone-aware.
        placeholders: values for ``{name}`` tokens in the text.
    """

    channel: ClassVar[Channel]

    destination: str = attrs.field(validator=v.e164)
    message_id: str | None = attrs.field(default=None, validator=v.message_id)
    campaign_id: str | None = attrs.field(default=None, validator=v.optional_text(255))
    simulation: bool = attrs.field(default=False, validator=v.boolean)
    scheduled_date: datetime | None = attrs.field(default=None, validator=v.aware_datetime)
    placeholders: Mapping[str, str] | None = attrs.field(
        default=None, converter=v.placeholder_values
    )
