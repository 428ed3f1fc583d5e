"""``BatchLink``: what the bulk engine needs of a client, handed to it, and nothing more.

``send_many`` used to reach back into the client and its pipeline (the
client's ``messages`` resource for reconciling, the pipeline's connection for
the limiter and its state). The engine now gets these few functions instead,
so it can be read, and tested, without a client behind it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from qlara._http import CallOptions
from qlara._limiter import Limiter
from qlara._models import AnyMessage, Channel, SendResult
from qlara._models.legacy import LegacySendResult
from qlara._models.status import MessageStatus
from qlara._resources import _sending, sms_legacy

if TYPE_CHECKING:
    from qlara._client import AsyncQlara

__all__ = ["BatchLink", "link_of"]


@attrs.frozen(kw_only=True)
class BatchLink:
    """The engine's view of a client.

    Attributes:
        send: one message through its channel's endpoint (the duplicate rule applies).
        send_legacy: one SMS Legacy request body (``sms_per_request`` packs).
        status: one message's delivery status (reconciling a resumed journal).
        statuses: many messages' statuses on one channel (reconciling packs).
        limiter: the client's rate limiter for its key.
        max_retry_after: a 429 asking for a longer wait stops the whole run.
        check_usable: raises when the client is closed or on another loop.
        is_closed: whether the client was closed meanwhile (a batch-wide stop).
    """

    send: Callable[[AnyMessage, CallOptions], Awaitable[SendResult]]
    send_legacy: Callable[[Mapping[str, Any], CallOptions], Awaitable[LegacySendResult]]
    status: Callable[[str, Channel], Awaitable[MessageStatus]]
    statuses: Callable[[Iterable[str], Channel], Awaitable[list[MessageStatus]]]
    limiter: Limiter
    max_retry_after: float
    check_usable: Callable[[], None]
    is_closed: Callable[[], bool]


def link_of(client: AsyncQlara) -> BatchLink:
    """The link of ``client`` (or of a ``with_options`` copy: its key, limiter and options)."""
    http = client._http
    connection = http.connection

    async def send(message: AnyMessage, options: CallOptions) -> SendResult:
        return await _sending.send(http, message, None, options)

    async def send_legacy(body: Mapping[str, Any], options: CallOptions) -> LegacySendResult:
        return await sms_legacy.post(http, body, options)

    async def status(message_id: str, channel: Channel) -> MessageStatus:
        return await client.messages.status(message_id, channel=channel)

    async def statuses(ids: Iterable[str], channel: Channel) -> list[MessageStatus]:
        return await client.messages.statuses(ids, channel=channel)

    return BatchLink(
        send=send,
        send_legacy=send_legacy,
        status=status,
        statuses=statuses,
        limiter=http.limiter,
        max_retry_after=http.retry_policy.max_retry_after,
        check_usable=connection.check_usable,
        is_closed=lambda: connection.closed,
    )
