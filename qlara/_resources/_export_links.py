"""The pure half of ``client.exports``: job ids, the answers of ``GET /exports/{id}``, links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from qlara._errors import APIStatusError, MalformedResponseError, ValidationError
from qlara._models.account import ExportJob
from qlara._raw import Headers, RawResponse
from qlara._request import Route
from qlara._resources import _admin_args as _a
from qlara._resources._account_wire import parse_export
from qlara._resources._created import location_id

__all__ = [
    "EXPORTS",
    "ExportRef",
    "export_id",
    "link_of",
    "location_of",
    "newest",
    "read_job",
    "read_started",
]

EXPORTS = Route("/partner-gateway/v1/exports")
ExportRef = ExportJob | int | str


def read_started(data: Any, headers: Headers) -> ExportJob:
    """The job a start (a documented bare 202) made: the answer's, else known by the id
    its ``Location`` header names (``/exports/{id}``), else by none (see ``export_id``)."""
    return parse_export(data, location_id(headers, EXPORTS))


def export_id(job: object, field: str = "id") -> int | str:
    """The id of an ``ExportJob`` (or an id itself)."""
    if isinstance(job, ExportJob):
        if job.id is None:
            raise ValidationError(
                field,
                "this export job has no id (the platform's 202 carried none): find it with "
                "client.exports.list()",
            )
        return job.id
    return _a.one_id(field, job)


def link_of(job: ExportJob) -> str:
    url = job.download_url
    if url is None:
        raise MalformedResponseError(
            f"malformed export answer: export {job.id} is available for download but has no "
            "download URL @ $.downloadUrl"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise MalformedResponseError(
            f"malformed export answer: the download URL of export {job.id} is not an absolute "
            "http(s) URL @ $.downloadUrl"
        )
    return url


def read_job(answer: RawResponse, identifier: int | str) -> ExportJob:
    try:
        data = answer.json()
    except MalformedResponseError:
        data = answer.text.strip()
        if not data.startswith(("https://", "http://")):
            raise MalformedResponseError(
                f"malformed export answer: neither JSON nor a download URL @ $ "
                f"(export {identifier})",
                status_code=answer.status_code,
            ) from None
    if isinstance(data, str) and data.startswith(("https://", "http://")):
        return ExportJob(
            id=identifier,
            status="COMPLETED",
            is_available_for_download=True,
            download_url=data,
            raw={"downloadUrl": data},
        )
    try:
        return parse_export(data, identifier)
    except MalformedResponseError as exc:
        raise MalformedResponseError(str(exc), status_code=answer.status_code) from exc


def location_of(exc: APIStatusError) -> str | None:
    """Where a redirect points, or ``None`` when ``exc`` is no redirect."""
    if not 300 <= exc.status_code < 400:
        return None
    return next((v for k, v in exc.headers.items() if k.lower() == "location" and v), None)


def newest(jobs: Iterable[ExportJob]) -> ExportJob | None:
    """The job started last: by ``created_at``, else the largest numeric id, else the first."""
    found = [job for job in jobs if job.id is not None]
    dated = [job for job in found if job.created_at is not None]
    if dated and len(dated) == len(found):
        return max(dated, key=lambda job: job.created_at)  # type: ignore[arg-type, return-value]
    if found and all(isinstance(job.id, int) for job in found):
        return max(found, key=lambda job: job.id)  # type: ignore[arg-type, return-value]
    return found[0] if found else None
