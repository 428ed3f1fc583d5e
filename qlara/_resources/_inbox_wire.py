"""Pure readers from the media-library and inbox endpoints' JSON to the models.

Lenient like every reader (see ``_channel_wire``): unknown fields stay in
``raw``, odd optional fields read as ``None``; an item that is not an object
or has no usable id is a ``MalformedResponseError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from qlara._models._time import parse_timestamp
from qlara._models.channel import Channel, channel_or_none
from qlara._models.inbox import AssignableUser, Conversation, InboxMessage, InboxReply, MediaItem
from qlara._resources._channel_wire import optional_id, read_id, read_object, unwrap, upper
from qlara._wire import boolean, first_text
from qlara._wire import count as _count
from qlara._wire import text as _text

__all__ = [
    "parse_assignable_user",
    "parse_conversation",
    "parse_inbox_message",
    "parse_media",
    "parse_reply",
]


def parse_media(data: Any, *, require_id: bool = True) -> MediaItem:
    """A media-library item (the upload answer, or one listed); ``require_id=False`` for
    an item built from what an upload sent (its answer gave no id)."""
    item = read_object(unwrap(data, "data", "media"), "media item")
    found: int | str | None
    if require_id:
        found = read_id(item, "media item", "mediaId", "id")
    else:
        ids = (optional_id(item.get(key)) for key in ("mediaId", "id"))
        found = next((i for i in ids if i is not None), None)
    return MediaItem(
        id=found,
        name=_text(item.get("name")),
        description=_text(item.get("description")),
        url=_text(item.get("url")),
        mime_type=_text(item.get("mimeType") or item.get("contentType")),
        size=_count(item.get("size")),
        width=_count(item.get("width")),
        height=_count(item.get("height")),
        folder_id=optional_id(item.get("folderId")),
        created_at=parse_timestamp(item.get("createdAt")),
        raw=item,
    )


def parse_assignable_user(data: Any) -> AssignableUser:
    item = read_object(data, "assignable user")
    return AssignableUser(
        id=read_id(item, "assignable user", "id", "userId"),
        name=_text(item.get("displayName") or item.get("name")),
        avatar_url=_text(item.get("avatarUrl") or item.get("avatar")),
        raw=item,
    )


def _assignee(item: Mapping[str, Any]) -> AssignableUser | None:
    value = item.get("assignee")
    if isinstance(value, Mapping) and optional_id(value.get("id", value.get("userId"))):
        return parse_assignable_user(value)
    user_id = optional_id(value) or optional_id(item.get("assigneeId"))
    return None if user_id is None else AssignableUser(id=user_id)


# A message's time, as the inbox and the callbacks spell it (``receivedDate``, ``eventDate``).
MESSAGE_TIMES = ("timestamp", "date", "receivedDate", "eventDate", "sentAt", "createdAt")


def _first_time(item: Mapping[str, Any], *keys: str) -> datetime | None:
    for key in keys:
        found = parse_timestamp(item.get(key))
        if found is not None:
            return found
    return None


def _unread(item: Mapping[str, Any]) -> int | None:
    for key in ("unreadCount", "unreadCounter", "unreadMessages", "unread"):
        found = _count(item.get(key))
        if found is not None:
            return found
    return None


def _preview(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("text") or value.get("preview") or value.get("content"))
    return _text(value)


def _contact(item: Mapping[str, Any]) -> str | None:
    """The customer: a number or name, or an object holding one."""
    for key in ("contact", "customer", "phoneNumber", "source"):
        value = item.get(key)
        if isinstance(value, Mapping):
            value = first_text(value, "phoneNumber", "number", "name", "displayName")
        found = _text(value)
        if found is not None:
            return found
    return None


def _channel(item: Mapping[str, Any]) -> Channel | None:
    value = item.get("channel")
    if isinstance(value, Mapping):
        value = first_text(value, "type", "name", "channel")
    return channel_or_none(upper(value) or upper(item.get("channelType")))


def parse_conversation(data: Any) -> Conversation:
    """An inbox conversation (listed, or fetched by ``chatId``)."""
    item = read_object(unwrap(data, "data", "conversation"), "conversation")
    last = item.get("lastMessage")
    date = _first_time(item, "lastMessageDate", "lastMessageAt", "updatedAt")
    if date is None and isinstance(last, Mapping):
        date = _first_time(last, *MESSAGE_TIMES)
    return Conversation(
        id=read_id(item, "conversation", "chatId", "id"),
        channel=_channel(item),
        contact=_contact(item),
        unread_count=_unread(item),
        last_message=_preview(item.get("lastMessagePreview") or last),
        last_message_date=date,
        assignee=_assignee(item),
        archived=boolean(item.get("archived", item.get("isArchived"))),
        raw=item,
    )


def parse_inbox_message(data: Any) -> InboxMessage:
    """One message of a conversation."""
    item = read_object(data, "inbox message")
    content = item.get("content")
    text = item.get("text")
    if text is None and isinstance(content, Mapping):
        text = content.get("text") or content.get("body")
    elif text is None and isinstance(content, str):
        text = content
    media_key = item.get("mediaKey")
    if media_key is None and isinstance(content, Mapping):
        media_key = content.get("mediaKey")
    return InboxMessage(
        id=read_id(item, "inbox message", "id", "messageId"),
        direction=upper(item.get("direction")),
        timestamp=_first_time(item, *MESSAGE_TIMES),
        text=_text(text),
        media_key=_text(media_key),
        status=upper(item.get("status") or item.get("deliveryStatus")),
        raw=item,
    )


def parse_reply(content: bytes) -> InboxReply:
    """The 2xx answer to a reply: often empty (202), sometimes the message's id.

    Never raises: the reply was accepted, whatever the body (text, a bare
    JSON string) says.
    """
    try:
        data = json.loads(content) if content else None
    except (ValueError, RecursionError):
        return InboxReply()
    item = unwrap(data, "data", "message")
    if not isinstance(item, Mapping):
        return InboxReply()
    return InboxReply(
        message_id=_text(item.get("messageId") or item.get("id")),
        status=upper(item.get("status")),
        raw=item,
    )
