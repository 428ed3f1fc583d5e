"""Pure readers from the channel-asset endpoints' JSON to the models (phone numbers,
templates, media, inbox).

Lenient, as every reader: unknown fields stay in ``raw``, an odd optional
field reads as ``None``. Strict only where a wrong type means the answer is
not that thing at all: an item that is not an object, or has no usable id
(raised as ``MalformedResponseError`` naming the path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._converter import converter
from qlara._errors import MalformedResponseError
from qlara._models._time import parse_timestamp
from qlara._models.channel import channel_or_none
from qlara._models.inbox import AssignableUser, Conversation, InboxMessage, InboxReply, MediaItem
from qlara._models.rcs import RcsBody
from qlara._models.templates import (
    PhoneNumber,
    RcsTemplate,
    TemplateButton,
    TemplateComponent,
    WhatsAppTemplateDetails,
)
from qlara._resources._status_wire import _count, _text

__all__ = [
    "parse_assignable_user",
    "parse_conversation",
    "parse_inbox_message",
    "parse_media",
    "parse_phone_number",
    "parse_rcs_template",
    "parse_reply",
    "parse_whatsapp_template",
]


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed {what}: expected an object, got {type(data).__name__} @ $"
        )
    return data


def _id(data: Mapping[str, Any], what: str, *keys: str) -> int | str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip():
            return value
    raise MalformedResponseError(f"malformed {what}: no {' or '.join(keys)} @ $.{keys[0]}")


def _optional_id(value: Any) -> int | str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value if isinstance(value, str) and value else None


def _upper(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text.upper()


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_phone_number(data: Any) -> PhoneNumber:
    """One phone-numbers item (or the single-number answer)."""
    item = _object(data, "phone number")
    return PhoneNumber(
        id=_id(item, "phone number", "id", "phoneNumberId"),
        phone_number=_text(item.get("phoneNumber") or item.get("displayPhoneNumber")),
        display_name=_text(item.get("displayName")),
        verified_name=_text(item.get("verifiedName")),
        status=_upper(item.get("status")),
        quality_rating=_upper(item.get("qualityRating")),
        messaging_limit=_text(item.get("messagingLimit")),
        platform=_text(item.get("platform")),
        raw=item,
    )


def unwrap(data: Any, *keys: str) -> Any:
    """A single-item answer, whether bare, wrapped (``{"data": {...}}``) or a list of one."""
    if isinstance(data, Mapping):
        for key in keys:
            inner = data.get(key)
            if isinstance(inner, Mapping):
                return inner
            if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], Mapping):
                return inner[0]
    return data


def has_id(data: Any, *keys: str) -> bool:
    """Whether a write's answer is the written thing (it carries an id), not a bare ack."""
    item = unwrap(data, "data", "template")
    return isinstance(item, Mapping) and any(item.get(key) not in (None, "") for key in keys)


def _button(data: Any) -> TemplateButton | None:
    if not isinstance(data, Mapping):
        return None
    return TemplateButton(
        type=_upper(data.get("type")),
        text=_text(data.get("text")),
        url=_text(data.get("url")),
        phone_number=_text(data.get("phoneNumber") or data.get("phone_number")),
        raw=data,
    )


def _buttons(value: Any) -> tuple[TemplateButton, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(b for b in (_button(item) for item in value) if b is not None)


def _component(data: Any) -> TemplateComponent | None:
    if not isinstance(data, Mapping):
        return None
    kind = _upper(data.get("type"))
    if kind is None:
        return None
    media = data.get("example") if isinstance(data.get("example"), Mapping) else {}
    handle = media.get("header_handle") if isinstance(media, Mapping) else None
    media_url = _text(data.get("mediaUrl") or data.get("headerMediaUrl"))
    if media_url is None and isinstance(handle, list) and handle:
        media_url = _text(handle[0])
    return TemplateComponent(
        type=kind,
        format=_upper(data.get("format")),
        text=_text(data.get("text")),
        media_url=media_url,
        buttons=_buttons(data.get("buttons")),
        raw=data,
    )


def _written_components(item: Mapping[str, Any]) -> tuple[TemplateComponent, ...]:
    """Components from the create dialect (``headerText``, ``body``, ``footer``, ``buttons``)."""
    found: list[TemplateComponent] = []
    header_text = _text(item.get("headerText"))
    header_format = _upper(item.get("headerFormat"))
    if header_text is not None or header_format is not None:
        found.append(
            TemplateComponent(
                type="HEADER",
                format=header_format or "TEXT",
                text=header_text,
                media_url=_text(item.get("headerMediaUrl")),
            )
        )
    body = item.get("body")
    if isinstance(body, str):
        found.append(TemplateComponent(type="BODY", text=body))
    footer = _text(item.get("footer"))
    if footer is not None:
        found.append(TemplateComponent(type="FOOTER", text=footer))
    buttons = _buttons(item.get("buttons"))
    if buttons:
        found.append(TemplateComponent(type="BUTTONS", buttons=buttons))
    return tuple(found)


def parse_whatsapp_template(data: Any) -> WhatsAppTemplateDetails:
    """A template in either dialect: Meta's ``components`` or the create dialect's fields."""
    item = _object(unwrap(data, "data", "template"), "WhatsApp template")
    raw_components = item.get("components")
    if isinstance(raw_components, list):
        components = tuple(c for c in (_component(x) for x in raw_components) if c is not None)
    else:
        components = _written_components(item)
    return WhatsAppTemplateDetails(
        id=_id(item, "WhatsApp template", "id", "templateId"),
        name=_text(item.get("name")),
        language=_text(item.get("language") or item.get("lang")),
        category=_upper(item.get("category")),
        status=_upper(item.get("status")),
        components=components,
        rejection_reason=_text(item.get("rejectionReason") or item.get("rejectedReason")),
        phone_number_id=_optional_id(item.get("phoneNumberId")),
        raw=item,
    )


def _rcs_body(kind: str | None, body: Any) -> RcsBody | None:
    if kind is None or not isinstance(body, Mapping):
        return None
    try:
        return converter.structure({"type": kind, "body": body}, RcsBody)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an unreadable body stays in raw; the template is still one
        return None


def parse_rcs_template(data: Any) -> RcsTemplate:
    """A stored RCS template; its body read into ``RcsText``/``RcsCard``/``RcsCarousel``."""
    item = _object(unwrap(data, "data", "template"), "RCS template")
    kind = _upper(item.get("type"))
    return RcsTemplate(
        id=_id(item, "RCS template", "id", "templateId"),
        name=_text(item.get("name")),
        description=_text(item.get("description")),
        type=kind,
        body=_rcs_body(kind, item.get("body")),
        raw=item,
    )


def parse_media(data: Any) -> MediaItem:
    """A media-library item (the upload answer, or one listed)."""
    item = _object(unwrap(data, "data", "media"), "media item")
    return MediaItem(
        id=_id(item, "media item", "mediaId", "id"),
        name=_text(item.get("name")),
        description=_text(item.get("description")),
        url=_text(item.get("url")),
        mime_type=_text(item.get("mimeType") or item.get("contentType")),
        size=_count(item.get("size")),
        width=_count(item.get("width")),
        height=_count(item.get("height")),
        folder_id=_optional_id(item.get("folderId")),
        created_at=parse_timestamp(item.get("createdAt")),
        raw=item,
    )


def parse_assignable_user(data: Any) -> AssignableUser:
    item = _object(data, "assignable user")
    return AssignableUser(
        id=_id(item, "assignable user", "id", "userId"),
        name=_text(item.get("displayName") or item.get("name")),
        avatar_url=_text(item.get("avatarUrl") or item.get("avatar")),
        raw=item,
    )


def _assignee(item: Mapping[str, Any]) -> AssignableUser | None:
    value = item.get("assignee")
    if isinstance(value, Mapping) and _optional_id(value.get("id", value.get("userId"))):
        return parse_assignable_user(value)
    user_id = _optional_id(value) or _optional_id(item.get("assigneeId"))
    return None if user_id is None else AssignableUser(id=user_id)


def _preview(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _text(value.get("text") or value.get("preview") or value.get("content"))
    return _text(value)


def parse_conversation(data: Any) -> Conversation:
    """An inbox conversation (listed, or fetched by ``chatId``)."""
    item = _object(unwrap(data, "data", "conversation"), "conversation")
    last = item.get("lastMessage")
    date = item.get("lastMessageDate")
    if date is None and isinstance(last, Mapping):
        date = last.get("timestamp") or last.get("date")
    return Conversation(
        id=_id(item, "conversation", "chatId", "id"),
        channel=channel_or_none(_upper(item.get("channel"))),
        contact=_text(item.get("contact") or item.get("phoneNumber") or item.get("source")),
        unread_count=_count(item.get("unreadCount", item.get("unread"))),
        last_message=_preview(item.get("lastMessagePreview") or last),
        last_message_date=parse_timestamp(date),
        assignee=_assignee(item),
        archived=_bool(item.get("archived")),
        raw=item,
    )


def parse_inbox_message(data: Any) -> InboxMessage:
    """One message of a conversation."""
    item = _object(data, "inbox message")
    content = item.get("content")
    text = item.get("text")
    if text is None and isinstance(content, Mapping):
        text = content.get("text")
    elif text is None and isinstance(content, str):
        text = content
    media_key = item.get("mediaKey")
    if media_key is None and isinstance(content, Mapping):
        media_key = content.get("mediaKey")
    return InboxMessage(
        id=_id(item, "inbox message", "id", "messageId"),
        direction=_upper(item.get("direction")),
        timestamp=parse_timestamp(item.get("timestamp") or item.get("date")),
        text=_text(text),
        media_key=_text(media_key),
        status=_upper(item.get("status") or item.get("deliveryStatus")),
        raw=item,
    )


def parse_reply(data: Any) -> InboxReply:
    """The answer to a reply: often empty (202), sometimes the message's id."""
    if data is None:
        return InboxReply()
    item = _object(data, "reply answer")
    return InboxReply(
        message_id=_text(item.get("messageId") or item.get("id")),
        status=_upper(item.get("status")),
        raw=item,
    )
