"""Webhook configuration: one callback URL per account, for every channel.

POST creates it (201, or 409 when one exists), GET reads it (404 when none),
PUT replaces the URL (404 when none), DELETE removes it (204, 404 when none).
The URL must be HTTPS; plain HTTP is allowed for localhost and 127.0.0.1 so
that a local receiver (``qlara demo``) can be registered.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from qlara.testing._events import iso
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["create", "create_quickstart", "delete", "get", "update"]

LOCAL = frozenset({"localhost", "127.0.0.1", "::1"})


def _url(request: SimRequest, field: str = "callbackUrl") -> str | SimResponse:
    try:
        data = request.json()
    except ValueError:
        return error_response(400, "Malformed JSON request body", request.path)
    value: Any = data.get(field) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        return error_response(400, f"{field}: is required", request.path)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None:
        return error_response(400, f"{field}: must be an absolute URL", request.path)
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOCAL):
        return error_response(400, f"{field}: must use HTTPS", request.path)
    return value


def _missing(request: SimRequest) -> SimResponse:
    return error_response(404, "No webhook is configured", request.path)


def create(sim: Simulator, request: SimRequest, field: str = "callbackUrl") -> SimResponse:
    url = _url(request, field)
    if isinstance(url, SimResponse):
        return url
    if sim.webhook is not None:
        return error_response(409, "A webhook is already configured; use PUT", request.path)
    sim.webhook = {
        "id": f"wh-{uuid.uuid4().hex[:8]}",
        "callbackUrl": url,
        "status": "ACTIVE",
        "createdAt": iso(sim.wall()),
    }
    return json_response(201, sim.webhook)


def create_quickstart(sim: Simulator, request: SimRequest) -> SimResponse:
    """The Quick Start's ``POST /api/webhooks/delivery-status {url, method}``."""
    return create(sim, request, field="url")


def get(sim: Simulator, request: SimRequest) -> SimResponse:
    if sim.webhook is None:
        return _missing(request)
    return json_response(200, sim.webhook)


def update(sim: Simulator, request: SimRequest) -> SimResponse:
    if sim.webhook is None:
        return _missing(request)
    url = _url(request)
    if isinstance(url, SimResponse):
        return url
    sim.webhook = {**sim.webhook, "callbackUrl": url, "updatedAt": iso(sim.wall())}
    return json_response(200, sim.webhook)


def delete(sim: Simulator, request: SimRequest) -> SimResponse:
    if sim.webhook is None:
        return _missing(request)
    sim.webhook = None
    return SimResponse(204)
