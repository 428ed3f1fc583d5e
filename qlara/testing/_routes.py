"""Which endpoint answers a request: the route table of the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qlara._models import Channel
from qlara.testing import _tracking, _webhooks
from qlara.testing._sends import InvalidRequestError, parse_send
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["dispatch"]

Handler = Callable[["Simulator", SimRequest], SimResponse]
STATUS_PREFIX = "/api/partner-gateway/v1/messages/status/"


def _send(channel: Channel) -> Handler:
    def handle(sim: Simulator, request: SimRequest) -> SimResponse:
        try:
            data = request.json()
        except ValueError:
            return error_response(400, "Malformed JSON request body", request.path)
        try:
            parsed = parse_send(channel, data)
        except InvalidRequestError as exc:
            return error_response(400, f"{exc.field}: {exc.problem}", request.path)
        return json_response(200, sim._accept(parsed, data))

    return handle


ROUTES: dict[str, dict[str, Handler]] = {
    "/api/message-server/sms/send": {"POST": _send(Channel.SMS)},
    "/api/message-server/rcs/send": {"POST": _send(Channel.RCS)},
    "/api/message-server/whatsapp/send": {"POST": _send(Channel.WHATSAPP)},
    "/api/partner-gateway/v1/messages/status": {"GET": _tracking.batch_status},
    "/api/partner-gateway/v1/messages/history": {"GET": _tracking.history},
    "/api/partner-gateway/v1/messages/history/export": {"POST": _tracking.export},
    "/api/partner-gateway/v1/webhooks/delivery-status": {
        "POST": _webhooks.create,
        "GET": _webhooks.get,
        "PUT": _webhooks.update,
        "DELETE": _webhooks.delete,
    },
    "/api/webhooks/delivery-status": {"POST": _webhooks.create_quickstart},
}


def _unreadable_body(request: SimRequest) -> SimResponse | None:
    """What a Spring server answers a JSON endpoint before any handler reads the body.

    An empty body is "missing" (400), whatever its type; a body that is not
    declared JSON (``text/plain``, a form, or no Content-Type at all, which
    Spring reads as ``application/octet-stream``) is refused with 415.
    """
    if not request.body.strip():
        return error_response(400, "Required request body is missing", request.path)
    declared = request.headers.get("content-type", "").strip()
    media = declared.split(";", 1)[0].strip().lower()
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return None
    shown = declared or "application/octet-stream"
    response = error_response(415, f"Content-Type '{shown}' is not supported", request.path)
    response.headers["accept"] = "application/json, application/*+json"
    return response


def dispatch(sim: Simulator, request: SimRequest) -> SimResponse:
    path = request.path.rstrip("/") or "/"
    methods = ROUTES.get(path)
    if methods is None and path.startswith(STATUS_PREFIX):
        methods = {"GET": _tracking.single_status}
    if methods is None:
        return error_response(404, f"No endpoint {path}", request.path)
    # HEAD is a GET without the body (Simulator.handle drops it), as HTTP servers do.
    handler = methods.get("GET" if request.method == "HEAD" else request.method)
    if handler is None:
        response = error_response(405, f"Method {request.method} not allowed", request.path)
        response.headers["allow"] = ", ".join(sorted(methods))
        return response
    if request.method in ("POST", "PUT"):  # every such endpoint takes a JSON body
        refused = _unreadable_body(request)
        if refused is not None:
            return refused
    return handler(sim, request)
