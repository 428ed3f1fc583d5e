"""``client.exports``: CSV exports prepared in the background, waited for and downloaded.

Start one (``contacts``, ``delivery_reports``, or
``client.messages.export_history``), then ``wait(job)`` polls it (every 5 s
by default; the documentation asks for 5-10 s) until it can be downloaded,
and ``download(job, to=path)`` fetches the file from its time-limited link.
That link may be on another host: it is fetched with no API key and outside
the client's rate limit, so the key never reaches a third party.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar, overload
from urllib.parse import urljoin

import anyio
import attrs

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import (
    APIError,
    APIStatusError,
    APITimeoutError,
    MalformedResponseError,
    ValidationError,
)
from qlara._http import TimeoutTypes
from qlara._models.account import ExportJob
from qlara._pagination import AsyncPager
from qlara._raw import RawResponse
from qlara._request import Answer, Request
from qlara._resources import _admin_args as _a
from qlara._resources import _tracking_args as _t
from qlara._resources._account_wire import parse_export, states_of, with_listed_state
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._export_links import (
    EXPORTS,
    ExportRef,
    export_id,
    link_of,
    location_of,
    newest,
    read_job,
    read_started,
)

__all__ = ["AsyncExports", "ExportRef", "Exports", "export_id"]

MAX_REDIRECTS = 5


PathT = TypeVar("PathT", bound="str | os.PathLike[str]")


class AsyncExports(AsyncResource):
    """List, start, wait for and download export jobs."""

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[ExportJob]:
        """Every export job, newest as the platform orders them."""
        return self._paged(
            EXPORTS,
            item=parse_export,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="export page",
        )

    async def get(
        self,
        id: ExportRef,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """One job, with its time-limited ``download_url`` once it is ready."""
        identifier = await self._id(id, timeout, extra_headers)
        # Read raw: the reference says this answers "a time-limited download URL",
        # which may come as a job object, a JSON string, a plain-text URL or a
        # redirect to it (never followed here: it would carry the API key along).
        request: Request[RawResponse] = EXPORTS.request(
            "GET", "{id}", id=identifier, answer=Answer.RAW, what="export"
        )
        try:
            answer = await self._call(request, call_options(timeout, extra_headers, extra_body))
        except APIStatusError as exc:
            target = location_of(exc)
            if target is None:
                raise
            link = urljoin(str(EXPORTS.at("{id}", id=identifier)), target)
            return ExportJob(
                id=identifier,
                status="COMPLETED",
                is_available_for_download=True,
                download_url=link,
                raw={"downloadUrl": link},
            )
        return read_job(answer, identifier)

    async def _id(
        self,
        export: ExportRef,
        request_timeout: TimeoutTypes,
        extra_headers: Mapping[str, str] | None,
    ) -> int | str:
        """The job's id; a job whose 202 carried none is the newest of ``GET /exports``."""
        if not isinstance(export, ExportJob) or export.id is not None:
            return export_id(export)
        listing = self.list(timeout=request_timeout, extra_headers=extra_headers)
        page = await listing.first_page()
        found = newest(page.items)
        if found is None or found.id is None:
            return export_id(export)  # the ValidationError saying the job has no id
        return found.id

    async def regenerate(
        self,
        id: ExportRef,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """Prepare an expired export again (``POST /exports/{id}``)."""
        identifier = await self._id(id, timeout, extra_headers)
        request = EXPORTS.request(
            "POST",
            "{id}",
            id=identifier,
            parse=lambda d: parse_export(d, identifier),
            what="export",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def contacts(
        self,
        *,
        list_ids: Iterable[int | str] | None = None,
        contact_ids: Iterable[int | str] | None = None,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """Export contacts: those of ``list_ids``, or ``contact_ids``, or (neither) all of them.

        Raises:
            ValidationError: both given, or an empty list.
        """
        if list_ids is not None and contact_ids is not None:
            raise ValidationError("contact_ids", "give list_ids or contact_ids, not both")
        body: dict[str, Any] = {}
        if list_ids is not None:
            body["listIds"] = _a.id_list("list_ids", list_ids)
        if contact_ids is not None:
            body["contactIds"] = _a.id_list("contact_ids", contact_ids)
        request: Request[ExportJob] = EXPORTS.request(
            "POST", "contacts", json=body, read=read_started, what="export"
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def delivery_reports(
        self,
        *,
        campaign_id: int | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """Export delivery reports: of one campaign, or of a period (``start`` and ``end``).

        Raises:
            ValidationError: neither or both kinds given, only one end of the
                period, or a naive datetime.
        """
        if campaign_id is not None:
            if start is not None or end is not None:
                raise ValidationError("campaign_id", "give campaign_id or start and end, not both")
            body: dict[str, Any] = {"campaignId": _a.one_id("campaign_id", campaign_id)}
        else:
            if start is None or end is None:
                raise ValidationError(
                    "start" if start is None else "end",
                    "give campaign_id, or both start and end (timezone-aware datetimes)",
                )
            _t.aware("start", start)
            _t.aware("end", end)
            body = {"startDateTime": _t.instant(start), "endDateTime": _t.instant(end)}
        request: Request[ExportJob] = EXPORTS.request(
            "POST", "delivery-reports", json=body, read=read_started, what="export"
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def wait(
        self,
        id: ExportRef,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: float = 600.0,  # noqa: ASYNC109 - a deadline for the whole wait
        interval: float = 5.0,
        request_timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ExportJob:
        """Poll the job every ``interval`` seconds until it can be downloaded.

        An ``EXPIRED`` job is regenerated once; expiring again is an error.

        Args:
            timeout: seconds to wait in all.
            interval: seconds between polls (the documentation asks for 5 to 10).
            request_timeout: the timeout of each request.

        Returns:
            The job, ready (``download_url`` set).

        Raises:
            APITimeoutError: not ready within ``timeout``.
            APIError: the job failed, or expired again after being regenerated.
        """
        timeout = _t.seconds("timeout", timeout)
        interval = _t.seconds("interval", interval)
        deadline = anyio.current_time() + timeout
        identifier = await self._id(id, request_timeout, extra_headers)
        regenerated = False
        consult_list = True
        while True:
            job = await self.get(
                identifier,
                timeout=request_timeout,
                extra_headers=extra_headers,
                extra_body=extra_body,
            )
            if consult_list and not states_of(job):
                # Only a link (or nothing): the documented place of a job's state is
                # the listing, so an expired or pending job is not taken as ready.
                listed = await self._listed(identifier, request_timeout, extra_headers)
                if listed is None:
                    consult_list = False
                elif states_of(listed):
                    job = with_listed_state(job, listed)
            if job.is_available_for_download:
                return job
            if job.is_failed:
                raise APIError(f"export {identifier} failed on the platform (status {job.status})")
            if job.is_expired:
                if regenerated:
                    raise APIError(f"export {identifier} expired again after it was regenerated")
                regenerated = True
                fresh = await self.regenerate(
                    identifier, timeout=request_timeout, extra_headers=extra_headers
                )
                if fresh.id is not None:  # the platform may start the export anew under a new id
                    identifier = fresh.id
                continue
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                raise APITimeoutError(
                    f"export {identifier} was not ready for download within {timeout:g} s "
                    f"(status {job.status or 'unknown'})"
                )
            await anyio.sleep(min(interval, remaining))

    async def _listed(
        self,
        identifier: int | str,
        request_timeout: TimeoutTypes,
        extra_headers: Mapping[str, str] | None,
    ) -> ExportJob | None:
        """The job as the first page of ``GET /exports`` lists it; ``None`` if absent or refused."""
        listing = self.list(timeout=request_timeout, extra_headers=extra_headers)
        try:
            page = await listing.first_page()
        except (APIStatusError, MalformedResponseError):
            return None
        wanted = str(identifier)
        return next((j for j in page.items if j.id is not None and str(j.id) == wanted), None)

    @overload
    async def download(
        self,
        id: ExportRef,
        to: None = None,
        *,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> bytes: ...

    @overload
    async def download(
        self,
        id: ExportRef,
        to: PathT,
        *,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> PathT: ...

    async def download(
        self,
        id: ExportRef,  # noqa: A002 - the public contract's name (design §10)
        to: str | os.PathLike[str] | None = None,
        *,
        timeout: TimeoutTypes = None,  # noqa: ASYNC109 - the per-request timeout
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> bytes | str | os.PathLike[str]:
        """Fetch the export's file: bytes, or streamed to ``to`` (that path is returned as given).

        A fresh link is read first (``get``), then followed with no API key
        (it may be on another host). ``extra_headers`` go with both requests;
        ``extra_body`` only with the ``get``. A file written to ``to`` appears
        complete or not at all.

        Raises:
            ValidationError: the export is not ready yet (``wait`` for it first).
        """
        if to is not None and not isinstance(to, (str, os.PathLike)):
            raise ValidationError("to", f"must be a path or None, got {type(to).__name__}")
        identifier = await self._id(id, timeout, extra_headers)
        job = await self.get(
            identifier, timeout=timeout, extra_headers=extra_headers, extra_body=extra_body
        )
        if not job.is_available_for_download:
            raise ValidationError(
                "id",
                f"export {identifier} is not ready for download "
                f"(status {job.status or 'unknown'}); wait() for it first",
            )
        link = link_of(job)
        options = call_options(timeout, extra_headers, None)
        for _ in range(MAX_REDIRECTS + 1):
            request: Request[Any] = Request(
                method="GET",
                path=link,
                answer=Answer.BYTES if to is None else Answer.FILE,
                to=to,
                external=True,
                what="export file",
            )
            try:
                result: bytes | str | os.PathLike[str] = await self._call(request, options)
            except APIStatusError as exc:
                target = location_of(exc)
                if target is None:
                    raise
                # Followed here, still without credentials, wherever it points.
                link = link_of(attrs.evolve(job, download_url=urljoin(link, target)))
                continue
            return result
        raise APIError(f"export {identifier}: the download link redirected too many times")


class Exports(SyncResource):
    """Blocking ``client.exports``."""

    list = blocking_iter(AsyncExports.list)
    get = blocking(AsyncExports.get)
    regenerate = blocking(AsyncExports.regenerate)
    contacts = blocking(AsyncExports.contacts)
    delivery_reports = blocking(AsyncExports.delivery_reports)
    wait = blocking(AsyncExports.wait)
    download = blocking(AsyncExports.download)
