"""Which endpoint answers a request: the route table of the simulator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from qlara._models import Channel
from qlara.testing import _legacy, _tracking, _webhooks
from qlara.testing._sends import InvalidRequestError, parse_send
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["dispatch"]

Handler = Callable[["Simulator", SimRequest], SimResponse]
PathHandler = Callable[["Simulator", SimRequest, Mapping[str, str]], SimResponse]
STATUS_PREFIX = "/api/partner-gateway/v1/messages/status/"

# Paths with {placeholders}: (compiled pattern, template, {method: handler}).
# The simulator's own small matcher (it must not share the client's Route code,
# nor its bugs): a placeholder is one percent-encoded segment, decoded here.
PATTERNS: list[tuple[re.Pattern[str], str, dict[str, PathHandler]]] = []


def add_pattern(template: str, methods: Mapping[str, PathHandler]) -> None:
    """Answer ``template`` (``/api/contacts/{id}``) with ``methods``; exact paths win."""
    regex = re.sub(r"\\\{([a-zA-Z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    PATTERNS.append((re.compile(f"^{regex}$"), template, dict(methods)))


def _match(path: str) -> tuple[dict[str, PathHandler], dict[str, str]] | None:
    for pattern, _, methods in PATTERNS:
        found = pattern.match(path)
        if found is not None:
            return methods, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


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
    "/api/services/sms/send": {"POST": _legacy.send},
    "/api/services/sms/credit": {"GET": _legacy.credit},
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


def dispatch(sim: Simulator, request: SimRequest) -> SimResponse:
    path = request.path.rstrip("/") or "/"
    methods = ROUTES.get(path)
    if methods is None and path.startswith(STATUS_PREFIX):
        methods = {"GET": _tracking.single_status}
    if methods is None:
        matched = _match(path)
        if matched is None:
            return error_response(404, f"No endpoint {path}", request.path)
        with_params, params = matched
        handler_with = with_params.get("GET" if request.method == "HEAD" else request.method)
        if handler_with is None:
            response = error_response(405, f"Method {request.method} not allowed", request.path)
            response.headers["allow"] = ", ".join(sorted(with_params))
            return response
        return handler_with(sim, request, params)
    # HEAD is a GET without the body (Simulator.handle drops it), as HTTP servers do.
    handler = methods.get("GET" if request.method == "HEAD" else request.method)
    if handler is None:
        response = error_response(405, f"Method {request.method} not allowed", request.path)
        response.headers["allow"] = ", ".join(sorted(methods))
        return response
    return handler(sim, request)
