"""Delivery tracking endpoints: single and batch status, history, history export.

The id in ``/messages/status/{customerMessageId}`` is the ``messageId`` the
client sent (or the ``customerMessageId`` of the Quick Start dialect): the id
the SDK always sets and puts on ``SendResult.message_id``. The reference says
the platform assigns it (open question Q1); the simulator follows the SDK's
reading, so that a send followed by a status poll works as users expect.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from qlara._models import Channel
from qlara.testing._events import iso
from qlara.testing._exports import new_job
from qlara.testing._state import SentMessage
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["batch_status", "export", "history", "single_status"]

MAX_QUERY = 8192
HISTORY_STATUSES = frozenset({"SENT", "DELIVERED", "RECEIVED", "ERROR", "EXPIRED", "UNKNOWN"})


class _BadQueryError(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


def _channel(params: dict[str, str]) -> Channel:
    value = params.get("channel")
    if not value:
        raise _BadQueryError("channel", "is required (SMS, RCS or WHATSAPP)")
    try:
        return Channel(value)
    except ValueError:
        raise _BadQueryError("channel", f"must be SMS, RCS or WHATSAPP, got {value!r}") from None


def status_body(message: SentMessage) -> dict[str, Any]:
    return {
        "customerMessageId": message.message_id,
        "messageId": message.platform_id,
        "channel": message.channel.value,
        "destination": message.destination,
        "deliveryStatus": message.status,
        "deliveryStatusDescription": message.description,
        "sendDate": iso(message.sent_date),
        "deliveryDate": None if message.delivered_date is None else iso(message.delivered_date),
    }


def single_status(sim: Simulator, request: SimRequest) -> SimResponse:
    message_id = unquote(request.path.rstrip("/").rsplit("/", 1)[1])
    try:
        channel = _channel(request.params)
    except _BadQueryError as exc:
        return error_response(400, str(exc), request.path)
    message = sim.lookup(message_id)
    if message is None or message.channel is not channel:
        return error_response(
            404, f"No {channel.value} message with id {message_id!r}", request.path
        )
    return json_response(200, status_body(message))


def batch_status(sim: Simulator, request: SimRequest) -> SimResponse:
    if len(request.query) > MAX_QUERY:
        return error_response(414, "URI Too Long: split the ids into smaller batches", request.path)
    params = request.params
    try:
        channel = _channel(params)
    except _BadQueryError as exc:
        return error_response(400, str(exc), request.path)
    raw = params.get("ids")
    if not raw:
        return error_response(400, "ids: is required (comma-separated message ids)", request.path)
    found = []
    for message_id in dict.fromkeys(raw.split(",")):
        message = sim.lookup(message_id)
        if message is not None and message.channel is channel:
            found.append(status_body(message))
    return json_response(200, found)


def _moment(params: dict[str, str], field: str) -> datetime:
    value = params.get(field)
    if not value:
        raise _BadQueryError(
            field, "is required (ISO-8601 with an offset, e.g. 2026-01-01T00:00:00Z)"
        )
    text = value.replace(" ", "+")  # an unencoded '+' in a query string reads as a space
    try:
        if len(text) == 10:  # a date alone, as UC-019 writes it
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _BadQueryError(
            field, f"must be an ISO-8601 date-time with offset, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise _BadQueryError(field, "must carry an offset (e.g. Z or +01:00)")
    return moment


def _number(params: dict[str, str], field: str, default: int, low: int, high: int) -> int:
    value = params.get(field)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _BadQueryError(field, f"must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise _BadQueryError(field, f"must be between {low} and {high}, got {number}")
    return number


def history_item(message: SentMessage) -> dict[str, Any]:
    item = status_body(message)
    item.update(
        status=message.status,
        direction="OUTBOUND",
        sender=message.sender,
        body=message.text,
        parts=message.parts,
    )
    return item


def history(sim: Simulator, request: SimRequest) -> SimResponse:
    params = request.params
    try:
        channel = _channel(params)
        start, end = _moment(params, "from"), _moment(params, "to")
        status = params.get("status")
        if status is not None and status.upper() not in HISTORY_STATUSES:
            raise _BadQueryError("status", f"must be one of {', '.join(sorted(HISTORY_STATUSES))}")
        page = _number(params, "page", 0, 0, 1_000_000)
        limit = _number(params, "limit", 20, 1, 1000)
    except _BadQueryError as exc:
        return error_response(400, str(exc), request.path)
    chosen = [
        m
        for m in sim.all_messages()
        if m.channel is channel
        and start <= m.sent_date <= end
        and (status is None or m.status == status.upper())
    ]
    items = [history_item(m) for m in chosen[page * limit : (page + 1) * limit]]
    if sim.history_shape == "messages":
        return json_response(200, {"messages": items})
    return json_response(200, items)


def export(sim: Simulator, request: SimRequest) -> SimResponse:
    try:
        data = request.json()
    except ValueError:
        return error_response(400, "Malformed JSON request body", request.path)
    if not isinstance(data, dict):
        return error_response(400, "body: must be a JSON object", request.path)
    try:
        for field in ("startDateTime", "endDateTime"):
            _moment({field: data.get(field) or ""}, field)
    except _BadQueryError as exc:
        return error_response(400, str(exc), request.path)
    job = new_job(sim, "MESSAGE_HISTORY", data)  # waited for and downloaded like any export
    sim.exports.append({"exportId": job["exportId"], "status": "PENDING", **data})
    return json_response(202, {"exportId": job["exportId"], "status": "PENDING"})
