"""``client.messages``: delivery status by polling, the message history, and its export.

Which id to poll (the API documentation's open question Q1): the SDK polls
with the ``messageId`` it sent, the caller's or the UUID4 it made, which the
platform files as the message's ``customerMessageId``. The platform's own
send answer echoes that same id, so ``SendResult.message_id`` is always the
right key. A GET has no body, so ``extra_body`` entries on these calls travel
as extra query parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import anyio
import attrs

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import APIConnectionError, APIStatusError, QlaraError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.account import ExportJob
from qlara._models.channel import Channel
from qlara._models.status import DeliveryStatus, MessageStatus
from qlara._pagination import AsyncPager, Page
from qlara._request import Request, Route, extra_query
from qlara._resources import _tracking_args as _args
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._export_links import read_started
from qlara._resources._status_wire import (
    chunk_ids,
    parse_history_item,
    parse_status,
    parse_status_list,
)

STATUS = Route("/partner-gateway/v1/messages/status")
HISTORY = Route("/partner-gateway/v1/messages/history")
EXPORT = Route("/partner-gateway/v1/messages/history/export")

# The docs warn of 414 "past a few hundred" ids; 100 ids or ~1.5 kB of query per
# request stays far from any proxy's limit, and 4 requests in flight at once
# finish a long list quickly without starving other tasks of the rate limit.
BATCH_IDS = 100
BATCH_CHARS = 1500
BATCH_CONCURRENCY = 4


async def _nothing_listed(number: int) -> Page[MessageStatus]:
    """The page of a period that ends before it starts: empty, as the platform answers it."""
    return Page(items=(), page=number, has_more=False)


class AsyncMessages(AsyncResource):
    """Learn what happened to sent messages: one, many, or everything in a period."""

    async def status(
        self,
        id: str,  # noqa: A002 - the public contract's name (design §6)
        *,
        channel: Channel | str,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> MessageStatus:
        """The delivery status of one message.

        Args:
            id: the ``message_id`` of the send (``SendResult.message_id``), which the
                platform calls ``customerMessageId``.
            channel: the channel it was sent on; the platform answers 404 for another.

        Raises:
            NotFoundError: no such message on that channel (yet).
        """
        identifier = _args.one_id(id, "id")
        request = STATUS.request(
            "GET",
            "{id}",
            id=identifier,
            query={"channel": _args.channel_of(channel)},
            parse=lambda data: parse_status(data, identifier),
            what="status",
        )
        return await self._call(
            attrs.evolve(request, message_id=identifier),
            call_options(timeout, extra_headers, extra_body),
        )

    async def statuses(
        self,
        ids: Iterable[str],
        *,
        channel: Channel | str,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> list[MessageStatus]:
        """The statuses of any number of messages sent on one channel.

        Long lists are split into requests of at most 100 ids (and ~1.5 kB of
        query), a few in flight at once, all within the client's rate limit; a
        request the network still finds too long (414) is split again. The
        answer follows the order of ``ids``; ids the platform does not know are
        simply absent.

        Raises:
            ValidationError: ``ids`` is a single string, or an id is empty or has a comma.
            QlaraError: the first failing request's error, as itself (never an
                exception group); a failure that is not a ``QlaraError`` becomes
                ``APIConnectionError``, chained to it.
        """
        wanted = _args.id_list(ids)
        params = {"channel": _args.channel_of(channel).value}
        options = call_options(timeout, extra_headers, extra_body)
        found: dict[str, MessageStatus] = {}
        failures: list[QlaraError] = []
        limiter = anyio.CapacityLimiter(BATCH_CONCURRENCY)

        async def fetch(group: list[str], scope: anyio.CancelScope) -> None:
            async with limiter:
                try:
                    for item in await self._batch(group, params, options):
                        found.setdefault(item.customer_message_id, item)
                except QlaraError as exc:
                    failures.append(exc)
                    scope.cancel()
                except Exception as exc:  # noqa: BLE001 - wrapped and raised below
                    # Anything else would leave the task group as an ExceptionGroup.
                    failure = APIConnectionError(
                        f"a batch status request failed: {type(exc).__name__}: {exc}"
                    )
                    failure.__cause__ = exc
                    failures.append(failure)
                    scope.cancel()

        async with anyio.create_task_group() as group_of_tasks:
            for group in chunk_ids(wanted, max_ids=BATCH_IDS, max_chars=BATCH_CHARS):
                group_of_tasks.start_soon(fetch, group, group_of_tasks.cancel_scope)
        if failures:
            raise failures[0]
        order = {identifier: index for index, identifier in enumerate(wanted)}
        return sorted(found.values(), key=lambda s: order.get(s.customer_message_id, len(order)))

    async def _batch(
        self, group: list[str], params: Mapping[str, str], options: CallOptions
    ) -> list[MessageStatus]:
        try:
            request = STATUS.request(
                "GET", query={**params, "ids": group}, parse=parse_status_list, what="batch status"
            )
            return await self._call(request, options)
        except APIStatusError as exc:
            if exc.status_code != 414 or len(group) == 1:
                raise
        half = len(group) // 2
        first = await self._batch(group[:half], params, options)
        return first + await self._batch(group[half:], params, options)

    def history(
        self,
        *,
        channel: Channel | str,
        from_: datetime | date,
        to: datetime | date,
        status: DeliveryStatus | str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[MessageStatus]:
        """Every message sent on a channel in a period: ``async for item in ...``.

        Pages (0-based ``page``, ``limit`` items asked for each) are fetched as
        you iterate; ``await ....first_page()`` fetches only the first. The
        platform's largest page size is undocumented and it may answer fewer
        items than asked, so after a short page (``has_more`` is ``False``)
        the walk still asks for the next one, and stops at the first empty
        page (one extra request). A server that
        answers the same full page again (it ignores ``page``) raises
        ``MalformedResponseError`` instead of being paged forever. The
        arguments are checked here, before the first request.

        Args:
            from_: the start: a timezone-aware ``datetime``, or a ``date``
                (sent as ``yyyy-MM-dd``, as the platform's own examples do).
            to: the end, in the same forms. A period that ends before it
                starts holds nothing, as the platform documents: the listing
                is empty and nothing is sent.
            status: only messages in this state.
            limit: items asked for per request, 1 to 1000 (the platform may send fewer).

        Raises:
            ValidationError: a naive datetime, a bad status or limit.
            MalformedResponseError: (while iterating) a page is not a list of
                statuses, or repeats the previous page.
        """
        query: dict[str, object] = {
            "channel": _args.channel_of(channel),
            "from": _args.bound("from_", from_),
            "to": _args.bound("to", to),
            "status": None if status is None else _args.history_status(status),
        }
        pager = self._paged(  # checks every argument now, at the call
            HISTORY,
            item=parse_history_item,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="history",
        )
        if _args.reversed_period(from_, to):
            return AsyncPager(_nothing_listed, limit=limit)
        return pager

    async def export_history(
        self,
        *,
        start: datetime,
        end: datetime,
        sender: str | None = None,
        recipient: str | None = None,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """Start a CSV export of the API-sent messages of every channel in a period.

        The platform answers 202 and prepares the file in the background::

            job = await client.messages.export_history(start=start, end=end)
            await client.exports.wait(job)
            data = await client.exports.download(job)

        Returns:
            The export job (``ExportJob``; the platform's answer is in ``raw``).
            When the 202 carries no id, ``job.id`` is ``None``; ``wait`` and
            ``download`` then use the newest job of ``client.exports.list()``.
        """
        _args.aware("start", start)
        _args.aware("end", end)
        body: dict[str, Any] = {
            "startDateTime": _args.instant(start),
            "endDateTime": _args.instant(end),
        }
        if sender is not None:
            body["sender"] = sender
        if recipient is not None:
            body["recipient"] = recipient
        request: Request[ExportJob] = EXPORT.request(
            "POST", json=body, read=read_started, what="export"
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def wait_for_final(
        self,
        ids: Iterable[str],
        *,
        channel: Channel | str,
        timeout: float = 300.0,  # noqa: ASYNC109 - a deadline for the whole poll
        initial_interval: float = 1.0,
        max_interval: float = 30.0,
        request_timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> list[MessageStatus]:
        """Poll until every message is final (DELIVERED, ERROR, EXPIRED) or ``timeout`` passes.

        Only the messages not yet final are asked for again, after waits that
        double from ``initial_interval`` up to ``max_interval``; every request
        goes through the client's rate limiter.

        Args:
            timeout: seconds to keep polling in all.
            request_timeout: the timeout of each request (the ``timeout`` of other calls).

        Returns:
            The latest status of every message the platform knows, in the order
            of ``ids``; check ``is_final`` on each after a timeout.

        Raises:
            ValidationError: bad ids or channel, or a negative, NaN or too large
                number of seconds.
        """
        wanted = _args.id_list(ids)
        selected = _args.channel_of(channel)
        extra_query(extra_body)  # checked now, not on the first poll
        timeout = _args.seconds("timeout", timeout)
        interval = _args.seconds("initial_interval", initial_interval)
        max_interval = _args.seconds("max_interval", max_interval)
        deadline = anyio.current_time() + timeout
        latest: dict[str, MessageStatus] = {}
        while True:
            waiting = [i for i in wanted if i not in latest or not latest[i].is_final]
            if not waiting:
                break
            answers = await self.statuses(
                waiting,
                channel=selected,
                timeout=request_timeout,
                extra_headers=extra_headers,
                extra_body=extra_body,
            )
            latest.update((item.customer_message_id, item) for item in answers)
            if all(i in latest and latest[i].is_final for i in waiting):
                break
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                break
            await anyio.sleep(min(interval, remaining))
            interval = min(max(interval * 2, 0.001), max_interval)
        return [latest[i] for i in wanted if i in latest]


class Messages(SyncResource):
    """Blocking ``client.messages``."""

    status = blocking(AsyncMessages.status)
    statuses = blocking(AsyncMessages.statuses)
    history = blocking_iter(AsyncMessages.history)
    export_history = blocking(AsyncMessages.export_history)
    wait_for_final = blocking(AsyncMessages.wait_for_final)
