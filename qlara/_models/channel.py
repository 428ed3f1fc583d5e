"""The channels the platform sends on."""

from __future__ import annotations

import enum


class Channel(str, enum.Enum):
    """A sending channel.

    The platform spells channels three ways (``"SMS"`` in callbacks and queries,
    ``"sms"`` as a result key, ``"Sms"`` nowhere yet but who knows), so lookup is
    case-insensitive: ``Channel("sms") is Channel.SMS``.
    """

    SMS = "SMS"
    RCS = "RCS"
    WHATSAPP = "WHATSAPP"

    @classmethod
    def _missing_(cls, value: object) -> Channel | None:
        if isinstance(value, str):
            return cls.__members__.get(value.strip().upper())
        return None

    def __str__(self) -> str:
        return self.value


def channel_or_none(value: object) -> Channel | None:
    """The channel a wire value names, or ``None`` for anything else (never an error)."""
    if not isinstance(value, str):
        return None
    try:
        return Channel(value)
    except ValueError:
        return None
