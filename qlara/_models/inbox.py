"""The inbox (two-way WhatsApp and RCS conversations) and the media library, as read models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._models.channel import Channel

__all__ = ["AssignableUser", "Conversation", "InboxMessage", "InboxReply", "MediaItem"]


def _raw() -> Any:
    return attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class AssignableUser:
    """A user of the account a conversation can be assigned to.

    Attributes:
        id: what ``client.inbox.assign(chat_id, user_id)`` takes.
        name: the display name (also ``display_name``, the documented name).
        avatar_url: the user's picture, when there is one.
    """

    id: int | str
    name: str | None = None
    avatar_url: str | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def display_name(self) -> str | None:
        """``name`` under its documented wire name, ``displayName``."""
        return self.name


@attrs.frozen(kw_only=True)
class Conversation:
    """One inbox conversation with a customer.

    Attributes:
        id: the ``chatId`` every other inbox call takes (also ``chat_id``).
        channel: ``Channel.WHATSAPP`` or ``Channel.RCS`` (``None`` when unreadable).
        contact: the customer's number (or the platform's contact name).
        unread_count: inbound messages not marked read.
        last_message: a preview of the last message.
        last_message_date: when it came.
        assignee: the user it is assigned to, if any.
        archived: whether it is archived.
    """

    id: int | str
    channel: Channel | None = None
    contact: str | None = None
    unread_count: int | None = None
    last_message: str | None = None
    last_message_date: datetime | None = None
    assignee: AssignableUser | None = None
    archived: bool | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def chat_id(self) -> int | str:
        """``id`` under its documented wire name, ``chatId`` (what every inbox call takes)."""
        return self.id


@attrs.frozen(kw_only=True)
class InboxMessage:
    """One message of a conversation.

    Attributes:
        id: its id (what ``messages(id_from=, id_to=)`` ranges over).
        direction: ``INBOUND`` (from the customer) or ``OUTBOUND``.
        timestamp: when it was sent or received.
        text: its text, when it has one.
        media_key: an inbound file, for ``client.files.download``.
        status: an outbound message's delivery status.
    """

    id: int | str
    direction: str | None = None
    timestamp: datetime | None = None
    text: str | None = None
    media_key: str | None = None
    status: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class InboxReply:
    """What the platform said to a reply (202 Accepted; the body may be empty)."""

    message_id: str | None = None
    status: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class MediaItem:
    """A file of the media library; its ``url`` goes into RCS cards and WhatsApp headers.

    Attributes:
        id: the ``mediaId`` (``med_...``), what ``client.media.delete`` takes;
            ``None`` only on an ``upload`` whose answer gave none. Also
            readable as ``media_id``.
        url: the public URL of the file.
        mime_type: ``image/png``...
        size: bytes.
        width, height: pixels, for images.
    """

    id: int | str | None
    name: str | None = None
    description: str | None = None
    url: str | None = None
    mime_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    folder_id: int | str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def media_id(self) -> int | str | None:
        """``id`` under UC-015's documented wire name, ``mediaId``."""
        return self.id
