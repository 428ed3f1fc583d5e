"""Pure functions between the tracking endpoints' JSON and the status models.

Kept apart from the resources (which do I/O) so they can be tested on data
alone: reading status and history answers in both documented shapes, reading
the webhook configuration, and splitting long id lists into safe requests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from qlara._converter import structure
from qlara._errors import MalformedResponseError
from qlara._models._time import parse_timestamp
from qlara._models.channel import channel_or_none
from qlara._models.status import DeliveryStatus, MessageStatus, WebhookConfig
from qlara._wire import count as _count
from qlara._wire import number as _number
from qlara._wire import text as _text

__all__ = [
    "chunk_ids",
    "parse_history_item",
    "parse_status",
    "parse_status_list",
    "parse_webhook_config",
]


@attrs.frozen(kw_only=True)
class _WireStatus:
    # Strict where a wrong type means the answer is not a status at all (the
    # id the caller polls with, the status itself); everything descriptive is
    # read leniently below, so one odd field never fails a whole batch or page.
    customer_message_id: str | None = None
    message_id: Any = None
    delivery_status: str | None = None
    status: str | None = None
    delivery_status_description: Any = None
    description: Any = None
    channel: Any = None
    destination: Any = None
    send_date: Any = None
    delivery_date: Any = None
    cost: Any = None
    price: Any = None
    parts: Any = None


def _structure(data: Mapping[str, Any], where: str, what: str) -> _WireStatus:
    try:
        return structure(data, _WireStatus, what=what)
    except MalformedResponseError as exc:
        # The converter sees one item and says "$"; the caller needs its place in the answer.
        raise MalformedResponseError(str(exc).replace("@ $", f"@ {where}")) from exc


def _status(data: Any, where: str, what: str) -> MessageStatus:
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed {what} answer: expected an object, got {type(data).__name__} @ {where}"
        )
    wire = _structure(data, where, what)
    message_id = _text(wire.message_id)
    identifier = wire.customer_message_id or message_id
    if not identifier:
        raise MalformedResponseError(
            f"malformed {what} answer: neither customerMessageId nor messageId @ {where}"
        )
    value = wire.delivery_status if wire.delivery_status is not None else wire.status
    return MessageStatus(
        customer_message_id=identifier,
        status=DeliveryStatus(value) if value is not None else DeliveryStatus.UNKNOWN,
        description=_text(wire.delivery_status_description) or _text(wire.description),
        message_id=message_id,
        channel=channel_or_none(wire.channel),
        destination=_text(wire.destination),
        sent_at=parse_timestamp(wire.send_date),
        delivered_at=parse_timestamp(wire.delivery_date),
        cost=_number(wire.cost if wire.cost is not None else wire.price),
        parts=_count(wire.parts),
        raw=dict(data),
    )


def parse_status(data: Any, asked: str) -> MessageStatus:
    """One status answer. The overview's example (``{"deliveryStatus": ...}``) has no id,
    so the id that was asked for fills in."""
    if isinstance(data, Mapping) and not (data.get("customerMessageId") or data.get("messageId")):
        data = {**data, "customerMessageId": asked}
    return _status(data, "$", "status")


def parse_status_list(data: Any) -> list[MessageStatus]:
    """The batch status answer: a JSON array (empty when no id matched)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise MalformedResponseError(
            f"malformed batch status answer: expected an array, got {type(data).__name__} @ $"
        )
    return [_status(item, f"$[{index}]", "batch status") for index, item in enumerate(data)]


def parse_history_item(data: Any) -> MessageStatus:
    """One item of a history page (the pager finds the items in either documented shape)."""
    return _status(data, "$", "history")


@attrs.frozen(kw_only=True)
class _WireWebhook:
    callback_url: str | None = None
    url: str | None = None
    id: Any = None
    status: str | None = None
    created_at: Any = None


def parse_webhook_config(data: Any, sent_url: str | None = None) -> WebhookConfig:
    """The webhook answer; an empty answer (PUT may have none) echoes the URL sent."""
    if data is None and sent_url is not None:
        return WebhookConfig(callback_url=sent_url)
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed webhook answer: expected an object, got {type(data).__name__} @ $"
        )
    wire = structure(data, _WireWebhook, what="webhook")
    url = wire.callback_url or wire.url or sent_url
    if not url:
        raise MalformedResponseError("malformed webhook answer: no callbackUrl @ $")
    return WebhookConfig(
        callback_url=url,
        id=str(wire.id) if isinstance(wire.id, (str, int)) else None,
        status=wire.status,
        created_at=parse_timestamp(wire.created_at),
        raw=dict(data),
    )


def chunk_ids(ids: Sequence[str], *, max_ids: int, max_chars: int) -> Iterator[list[str]]:
    """Split ids into groups of at most ``max_ids`` whose comma-joined length fits ``max_chars``.

    Proxies answer 414 when a query string grows past a few kilobytes; counting
    characters (after percent-encoding) as well as ids keeps long custom ids safe.
    An id longer than the budget on its own still goes out, alone.
    """
    group: list[str] = []
    length = 0
    for identifier in ids:
        encoded = len(quote(identifier, safe=""))
        size = encoded + (3 if group else 0)  # the comma may travel as %2C
        if group and (len(group) >= max_ids or length + size > max_chars):
            yield group
            group, length, size = [], 0, encoded
        group.append(identifier)
        length += size
    if group:
        yield group
