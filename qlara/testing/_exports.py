"""Export jobs: ready after ``export_delay`` on the simulator's clock, then downloadable.

A ready job's ``downloadUrl`` points at ``/api/exports-download/{token}``,
served by the simulator without credentials (like the platform's
time-limited links, the token is the only key); after ``export_ttl`` the job
is EXPIRED until regenerated (``POST /exports/{id}``). The CSV is written
when it is downloaded, from the simulator's current state.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qlara.testing._events import iso
from qlara.testing._platform import BadRequestError, handled, json_body, page_of
from qlara.testing._state import SentMessage
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["DOWNLOAD_PREFIX", "ITEM_ROUTES", "ROUTES", "download", "new_job"]

DOWNLOAD_PREFIX = "/api/exports-download/"
REPORT_COLUMNS = (
    "messageId",
    "campaignId",
    "channel",
    "destination",
    "deliveryStatus",
    "sendDate",
    "deliveryDate",
)


def new_job(sim: Simulator, kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Start a job (``CONTACTS``, ``DELIVERY_REPORTS`` or ``MESSAGE_HISTORY``)."""
    job: dict[str, Any] = {
        "exportId": f"exp-{secrets.token_hex(6)}",
        "type": kind,
        "createdAt": iso(sim.wall()),
        "_spec": dict(spec),
    }
    _prepare(sim, job)
    sim.platform.jobs[job["exportId"]] = job
    return job


def _prepare(sim: Simulator, job: dict[str, Any]) -> None:
    job["_ready"] = sim.now() + sim.platform.export_delay
    job["_token"] = secrets.token_urlsafe(16)


def _status(sim: Simulator, job: Mapping[str, Any]) -> str:
    now = sim.now()
    if now < job["_ready"]:
        return "PENDING"
    return "COMPLETED" if now < job["_ready"] + sim.platform.export_ttl else "EXPIRED"


def render(sim: Simulator, job: Mapping[str, Any], request: SimRequest) -> dict[str, Any]:
    status = _status(sim, job)
    out = {k: v for k, v in job.items() if not k.startswith("_")}
    out.update(status=status, isAvailableForDownload=status == "COMPLETED")
    if status == "COMPLETED":
        base = sim.platform.download_base or f"http://{request.headers.get('host', 'localhost')}"
        out["downloadUrl"] = f"{base.rstrip('/')}{DOWNLOAD_PREFIX}{job['_token']}"
        out["expiresAt"] = iso(sim.wall(job["_ready"] + sim.platform.export_ttl))
    return out


def _found(sim: Simulator, params: Mapping[str, str]) -> dict[str, Any]:
    job = sim.platform.jobs.get(params["id"])
    if job is None:
        raise BadRequestError(f"Export {params['id']} not found", 404)
    return job


def _moment(data: Mapping[str, Any], name: str) -> datetime:
    value = data.get(name)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequestError(
            f"{name}: must be an ISO 8601 date-time with an offset, got {value!r}"
        )
    return moment


@handled
def listing(sim: Simulator, request: SimRequest) -> SimResponse:
    jobs = list(reversed(sim.platform.jobs.values()))
    return json_response(200, page_of(jobs, request.params, lambda j: render(sim, j, request)))


@handled
def get_one(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    return json_response(200, render(sim, _found(sim, params), request))


@handled
def regenerate(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    job = _found(sim, params)
    if _status(sim, job) != "EXPIRED":
        raise BadRequestError(f"Export {params['id']} has not expired")
    _prepare(sim, job)
    return json_response(202, render(sim, job, request))


@handled
def contacts(sim: Simulator, request: SimRequest) -> SimResponse:
    data = json_body(request)
    if data.get("listIds") is not None and data.get("contactIds") is not None:
        raise BadRequestError("give listIds or contactIds, not both")
    for name in ("listIds", "contactIds"):
        value = data.get(name)
        if value is not None and (not isinstance(value, list) or not value):
            raise BadRequestError(f"{name}: must be a non-empty list of ids")
    unknown = [i for i in data.get("listIds") or [] if i not in sim.platform.lists]
    if unknown:
        raise BadRequestError(f"listIds: unknown lists {unknown}")
    job = new_job(sim, "CONTACTS", data)
    return json_response(202, render(sim, job, request))


@handled
def delivery_reports(sim: Simulator, request: SimRequest) -> SimResponse:
    data = json_body(request)
    if data.get("campaignId") is not None:
        if data["campaignId"] not in sim.platform.campaigns:
            raise BadRequestError(f"Campaign {data['campaignId']} not found", 404)
    elif data.get("startDateTime") is not None or data.get("endDateTime") is not None:
        _moment(data, "startDateTime")
        _moment(data, "endDateTime")
    else:
        raise BadRequestError("give campaignId, or startDateTime and endDateTime")
    job = new_job(sim, "DELIVERY_REPORTS", data)
    return json_response(202, render(sim, job, request))


def _in_period(messages: Iterable[SentMessage], spec: Mapping[str, Any]) -> list[SentMessage]:
    start, end = _moment(spec, "startDateTime"), _moment(spec, "endDateTime")
    return [m for m in messages if start <= m.sent_date <= end]


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _content(sim: Simulator, job: Mapping[str, Any]) -> bytes:
    spec = job["_spec"]
    state = sim.platform
    if job["type"] == "CONTACTS":
        chosen = list(state.contacts.values())
        if spec.get("contactIds"):
            chosen = [c for c in chosen if c["id"] in spec["contactIds"]]
        if spec.get("listIds"):
            inside = set().union(*(state.members.get(i, set()) for i in spec["listIds"]))
            chosen = [c for c in chosen if c["id"] in inside]
        columns = ("id", "firstName", "lastName", "phoneNumber", "email")
        return _csv(columns, ([c.get(k) or "" for k in columns] for c in chosen))
    if spec.get("campaignId") is not None:
        campaign = state.campaigns.get(spec["campaignId"], {})
        ids = campaign.get("_messages", [])
        messages = [m for m in (sim.lookup(i) for i in ids) if m is not None]
    else:
        messages = _in_period(sim.all_messages(), spec)
    return _csv(
        REPORT_COLUMNS,
        (
            [
                m.message_id,
                m.body.get("campaignId", ""),
                m.channel.value,
                m.destination,
                m.status,
                iso(m.sent_date),
                "" if m.delivered_date is None else iso(m.delivered_date),
            ]
            for m in messages
        ),
    )


def download(sim: Simulator, request: SimRequest) -> SimResponse:
    """The file behind a download link (no credentials: the token is the key)."""
    token = request.path[len(DOWNLOAD_PREFIX) :]
    job = next((j for j in sim.platform.jobs.values() if j["_token"] == token), None)
    if job is None or _status(sim, job) != "COMPLETED":
        return error_response(404, "This download link is unknown or has expired", request.path)
    return SimResponse(
        200,
        {
            "content-type": "text/csv",
            "content-disposition": f'attachment; filename="{job["exportId"]}.csv"',
        },
        _content(sim, job),
    )


BASE = "/api/partner-gateway/v1/exports"
ROUTES: dict[str, dict[str, Callable[[Simulator, SimRequest], SimResponse]]] = {
    BASE: {"GET": listing},
    f"{BASE}/contacts": {"POST": contacts},
    f"{BASE}/delivery-reports": {"POST": delivery_reports},
}
ITEM_ROUTES: dict[
    str, dict[str, Callable[[Simulator, SimRequest, Mapping[str, str]], SimResponse]]
] = {
    f"{BASE}/{{id}}": {"GET": get_one, "POST": regenerate},
}
