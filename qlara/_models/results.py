"""What a send answers: accepted per channel, not delivered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from qlara._models._items import Items
from qlara._models.channel import Channel


def _reasons(value: object) -> Sequence[str]:
    return Items(value) if isinstance(value, (list, tuple)) else Items()


@attrs.frozen
class ChannelResult:
    """The platform's verdict for one channel of a send.

    Attributes:
        accepted: taken for sending (delivery is reported later).
        unicode: whether UCS-2 encoding was used (SMS).
        parts: how many SMS segments the text takes.
        reasons: why the channel rejected it, when it did (a tuple that also
            equals the list the platform sent: ``reasons == []``).
        status_code: the per-result code of the older response shape (200 = ok).
    """

    accepted: bool
    unicode: bool | None = None
    parts: int | None = None
    reasons: Sequence[str] = attrs.field(default=(), converter=_reasons)
    status_code: int | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class SendResult:
    """The answer to one send.

    Attributes:
        message_id: the ``messageId`` the SDK sent (yours, or the UUID4 it made);
            the key for status polling, webhooks and the delivery tracker.
        simulation: echoed from the request; nothing was sent when true.
        results: the verdict per channel the platform reported.
        platform_message_id: the id in the platform's answer, when it gave one
            (normally the same as ``message_id``).
        raw: the decoded answer, so nothing the platform said is lost.
    """

    message_id: str
    simulation: bool = False
    results: Mapping[Channel, ChannelResult] = attrs.field(factory=dict)
    platform_message_id: str | None = attrs.field(default=None, kw_only=True, eq=False)
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    @property
    def accepted(self) -> bool:
        """True when any channel accepted the message."""
        return any(result.accepted for result in self.results.values())
