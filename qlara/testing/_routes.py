"""Which endpoint answers a request: the route table of the simulator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from qlara._models import Channel
from qlara.testing import (
    _account,
    _campaigns,
    _contact_uploads,
    _contacts,
    _exports,
    _inbox,
    _media,
    _templates,
    _tracking,
    _webhooks,
)
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
        if channel is Channel.WHATSAPP:
            refused = _templates.refused_send(sim, request, data)
            if refused is not None:
                return refused
        # Sends spend credit (issue 11): refused when too little is left, charged once accepted.
        cost = 0.0 if parsed.simulation else _account.send_cost(sim, parsed)
        if cost > sim.platform.available_credit + 1e-9:
            return error_response(
                400,
                f"Insufficient credit: {cost:.4f} needed, "
                f"{sim.platform.available_credit:.4f} available",
                request.path,
            )
        answer = sim._accept(parsed, data)
        if cost and sim.mark_of(parsed.destination, parsed.channel) != "REJECTED":
            sim.platform.credit = round(sim.platform.credit - cost, 6)
        return json_response(200, answer)

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
    # channel assets and the inbox (issue 10)
    "/api/message-server/whatsapp/phone-numbers": {"GET": _templates.list_numbers},
    "/api/message-server/whatsapp/templates": {
        "GET": _templates.templates,
        "POST": _templates.templates,
    },
    "/api/message-server/rcs/templates": {
        "GET": _templates.rcs_templates,
        "POST": _templates.rcs_templates,
    },
    "/api/partner-gateway/v1/media": {"GET": _media.media, "POST": _media.media},
    "/api/partner-gateway/v1/inbox/conversations": {"GET": _inbox.conversations},
    "/api/partner-gateway/v1/inbox/conversations/reply": {"POST": _inbox.reply},
    "/api/partner-gateway/v1/inbox/conversations/assignable-users": {
        "GET": _inbox.assignable_users
    },
}

# -- the account, contacts, campaigns and exports (issue 11) --
for _area in (_contacts, _contact_uploads, _campaigns, _exports, _account):
    ROUTES.update(_area.ROUTES)
    for _template, _methods in _area.ITEM_ROUTES.items():
        add_pattern(_template, _methods)


# channel assets and the inbox (issue 10)
_CONVERSATION = "/api/partner-gateway/v1/inbox/conversations/{chat_id}"
add_pattern("/api/message-server/whatsapp/phone-numbers/{id}", {"GET": _templates.get_number})
add_pattern(
    "/api/message-server/whatsapp/templates/{id}",
    dict.fromkeys(("GET", "PATCH", "DELETE"), _templates.template),
)
add_pattern(
    "/api/message-server/rcs/templates/{id}",
    {
        "GET": _templates.rcs_template,
        "PUT": _templates.rcs_template,
        "DELETE": _templates.rcs_template,
    },
)
add_pattern("/api/partner-gateway/v1/media/{id}", {"DELETE": _media.media_item})
add_pattern("/api/files/{key}", {"GET": _media.file})
add_pattern(_CONVERSATION, {"GET": _inbox.conversation})
add_pattern(f"{_CONVERSATION}/messages", {"GET": _inbox.messages})
add_pattern(f"{_CONVERSATION}/read", {"PATCH": _inbox.flag("read", True)})
add_pattern(f"{_CONVERSATION}/archive", {"PATCH": _inbox.flag("archived", True)})
add_pattern(f"{_CONVERSATION}/unarchive", {"PATCH": _inbox.flag("archived", False)})
add_pattern(f"{_CONVERSATION}/assignee", {"POST": _inbox.assignee, "DELETE": _inbox.assignee})


# The endpoints whose POST/PUT body must be JSON, checked before the handler
# (uploads are multipart; confirm, regenerate and calculateGoal take no body).
JSON_BODY_PATHS = frozenset(
    {
        "/api/message-server/sms/send",
        "/api/message-server/rcs/send",
        "/api/message-server/whatsapp/send",
        "/api/partner-gateway/v1/messages/history/export",
        "/api/partner-gateway/v1/webhooks/delivery-status",
        "/api/webhooks/delivery-status",
    }
)


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
    if request.method in ("POST", "PUT") and path in JSON_BODY_PATHS:
        refused = _unreadable_body(request)
        if refused is not None:
            return refused
    return handler(sim, request)
