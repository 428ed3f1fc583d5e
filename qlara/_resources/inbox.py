"""``client.inbox``: two-way WhatsApp and RCS conversations (``/inbox/conversations``, D28).

A reply is the only write with an undocumented body. The SDK sends
``{"chatId": <chat_id>, "text": <text>}``, plus ``"mediaUrl"`` for a file
(a media-library ``url``); ``extra_body`` is merged in, so other field names
can be sent without waiting for a release. WhatsApp only allows a reply
inside the 24-hour customer-service window (since the customer's last
message); the platform refuses one outside it (a ``BadRequestError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.inbox import AssignableUser, Conversation, InboxMessage, InboxReply
from qlara._pagination import AsyncPager
from qlara._raw import RawResponse
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import listed_under
from qlara._resources._ids import check_id, optional_id
from qlara._resources._inbox_wire import (
    parse_assignable_user,
    parse_conversation,
    parse_inbox_message,
    parse_reply,
)
from qlara._resources._tracking_args import aware

CONVERSATIONS = Route("/partner-gateway/v1/inbox/conversations")


def _order_by(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.lstrip("+-").strip():
        raise ValidationError(
            "order_by", f"must be a field name, '-' first for descending, got {value!r}"
        )
    return value


def _date_from(value: object) -> datetime | date | str | None:
    """An aware datetime, a date, or ISO text as given; named ``date_from`` when wrong."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        aware("date_from", value)
        return value
    if isinstance(value, str) and value.strip():
        return value
    raise ValidationError("date_from", f"must be a datetime, a date or ISO text, got {value!r}")


def _channel_ids(value: object) -> list[int | str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError("channel_ids", "must be a list of channel ids")
    return [check_id(f"channel_ids[{i}]", item) for i, item in enumerate(value)]


class AsyncInbox(AsyncResource):
    """Conversations with customers: read them, reply, mark read, archive, assign."""

    def list(
        self,
        *,
        date_from: datetime | date | None = None,
        channel_ids: Sequence[int | str] | None = None,
        unread_only: bool | None = None,
        order_by: str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[Conversation]:
        """Every conversation, a page at a time.

        Args:
            date_from: only conversations active since then (an aware datetime).
            channel_ids: only these channels (comma-joined).
            unread_only: only those with unread messages.
            order_by: ``"-lastMessageDate"`` (newest first) or ``"+field"``.
        """
        if unread_only is not None and not isinstance(unread_only, bool):
            raise ValidationError("unread_only", "must be True, False or None")
        return self._paged(
            CONVERSATIONS,
            item=parse_conversation,
            query={
                "dateFrom": _date_from(date_from),
                "channelIds": _channel_ids(channel_ids),
                "unreadOnly": unread_only,
                "orderBy": _order_by(order_by),
            },
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="conversations page",
            envelope=listed_under("conversations", "chats"),
        )

    async def get(
        self,
        chat_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Conversation:
        """One conversation: assignee, unread counter, last-message preview, channel."""
        request = CONVERSATIONS.request(
            "GET",
            "{chat_id}",
            chat_id=check_id("chat_id", chat_id),
            parse=parse_conversation,
            what="conversation",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    def messages(
        self,
        chat_id: int | str,
        *,
        id_from: int | str | None = None,
        id_to: int | str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[InboxMessage]:
        """The messages, oldest first, from ``id_from`` to ``id_to`` (both inclusive)."""
        return self._paged(
            CONVERSATIONS,
            "{chat_id}/messages",
            chat_id=check_id("chat_id", chat_id),
            item=parse_inbox_message,
            query={
                "idFrom": optional_id("id_from", id_from),
                "idTo": optional_id("id_to", id_to),
            },
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="messages page",
        )

    async def reply(
        self,
        chat_id: int | str,
        text: str | None = None,
        *,
        media_url: str | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> InboxReply:
        """Answer the customer in this conversation (202 Accepted).

        Sends ``{"chatId", "text", "mediaUrl"}`` (the platform does not
        document the field names; ``extra_body`` is merged in). Any 2xx is an
        accepted reply: its body is read for a message id when it is a JSON
        object, and otherwise kept out of the way (never an error).

        Raises:
            ValidationError: neither ``text`` nor ``media_url`` (nor ``extra_body``).
            BadRequestError: outside WhatsApp's 24-hour window, among others.
            NotFoundError: no such conversation.
        """
        body: dict[str, Any] = {"chatId": check_id("chat_id", chat_id)}
        if text is not None:
            if not isinstance(text, str) or not text.strip():
                raise ValidationError("text", f"must be non-empty text, got {text!r}")
            body["text"] = text
        if media_url is not None:
            if not isinstance(media_url, str) or not media_url.startswith("https://"):
                raise ValidationError("media_url", f"must be an https:// URL, got {media_url!r}")
            body["mediaUrl"] = media_url
        if len(body) == 1 and not extra_body:
            raise ValidationError("text", "give text or media_url (or the fields in extra_body)")
        # Read as it came: the reply was accepted whatever the 2xx body says (an
        # ack in text, a bare string), and raising would invite a second send.
        request: Request[RawResponse] = CONVERSATIONS.request(
            "POST", "reply", json=body, answer=Answer.RAW
        )
        answer = await self._call(request, call_options(timeout, extra_headers, extra_body))
        return parse_reply(answer.content)

    async def mark_read(
        self,
        chat_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Clear the conversation's unread counter."""
        await self._nothing(
            "PATCH",
            "{chat_id}/read",
            chat_id,
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def archive(
        self,
        chat_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Archive the conversation."""
        await self._nothing(
            "PATCH",
            "{chat_id}/archive",
            chat_id,
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def unarchive(
        self,
        chat_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Bring an archived conversation back."""
        await self._nothing(
            "PATCH",
            "{chat_id}/unarchive",
            chat_id,
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def assign(
        self,
        chat_id: int | str,
        user_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Assign the conversation to ``user_id`` (replacing any assignee; 204)."""
        body = {"userId": check_id("user_id", user_id)}
        await self._nothing(
            "POST",
            "{chat_id}/assignee",
            chat_id,
            body=body,
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def unassign(
        self,
        chat_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Remove the assignee (idempotent; 204)."""
        await self._nothing(
            "DELETE",
            "{chat_id}/assignee",
            chat_id,
            options=call_options(timeout, extra_headers, extra_body),
        )

    def assignable_users(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[AssignableUser]:
        """The users a conversation can be assigned to."""
        return self._paged(
            CONVERSATIONS,
            "assignable-users",
            item=parse_assignable_user,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="assignable users page",
            envelope=listed_under("users", "assignableUsers"),
        )

    async def _nothing(
        self,
        method: str,
        template: str,
        chat_id: object,
        *,
        body: Mapping[str, Any] | None = None,
        options: CallOptions,
    ) -> None:
        request: Request[None] = CONVERSATIONS.request(
            method,
            template,
            chat_id=check_id("chat_id", chat_id),
            json=body,
            answer=Answer.NOTHING,
        )
        await self._call(request, options)


class Inbox(SyncResource):
    """Blocking ``client.inbox``."""

    list = blocking_iter(AsyncInbox.list)
    get = blocking(AsyncInbox.get)
    messages = blocking_iter(AsyncInbox.messages)
    reply = blocking(AsyncInbox.reply)
    mark_read = blocking(AsyncInbox.mark_read)
    archive = blocking(AsyncInbox.archive)
    unarchive = blocking(AsyncInbox.unarchive)
    assign = blocking(AsyncInbox.assign)
    unassign = blocking(AsyncInbox.unassign)
    assignable_users = blocking_iter(AsyncInbox.assignable_users)
