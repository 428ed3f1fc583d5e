"""The simulator's own request and response: plain data, no HTTP library.

Both adapters (the httpx transport and the loopback HTTP server) turn their
requests into a ``SimRequest`` and play back a ``SimResponse``, so the core
never depends on how the bytes travelled. A response can also ask the adapter
to wait (``delay``) or to cut the connection (``drop``): that is how injected
faults reach the client.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

import attrs

__all__ = [
    "SimRequest",
    "SimResponse",
    "credential",
    "error_response",
    "json_response",
    "reason",
]

JSON_HEADERS = {"content-type": "application/json"}


@attrs.define(slots=True)
class SimRequest:
    """One HTTP request as the simulator sees it.

    Attributes:
        method: upper-case HTTP method.
        path: the URL path as sent, still percent-encoded, e.g.
            ``/api/message-server/sms/send``.
        query: the raw query string, without ``?``.
        headers: header names in lower case.
        body: the raw body.
    """

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        """Query parameters; the first value wins when one repeats."""
        parsed = parse_qs(self.query, keep_blank_values=True)
        return {name: values[0] for name, values in parsed.items()}

    def json(self) -> Any:
        """The body decoded as JSON (``ValueError`` when it is not)."""
        return json.loads(self.body) if self.body else None


@attrs.define(slots=True)
class SimResponse:
    """What the simulator answers.

    Attributes:
        status: the HTTP status code.
        headers: header names in lower case.
        body: the raw body.
        delay: seconds the adapter waits before answering.
        drop: the adapter closes the connection instead of answering.
    """

    status: int
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body) if self.body else None


def reason(status: int) -> str:
    """The standard reason phrase of a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> SimResponse:
    """A JSON answer."""
    merged = {**JSON_HEADERS, **headers} if headers else dict(JSON_HEADERS)
    return SimResponse(status, merged, dumps(data))


def error_response(
    status: int, message: str, path: str, extra: Mapping[str, Any] | None = None
) -> SimResponse:
    """A Spring-style error body, the shape of the one documented error (the 429)."""
    body: dict[str, Any] = {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "status": status,
        "error": reason(status),
        "message": message,
        "path": path,
    }
    if extra:
        body.update(extra)
    return json_response(status, body)


def credential(headers: Mapping[str, str]) -> str | None:
    """The caller's key: the X-Api-Key value, or ``user:password`` from Basic auth."""
    key = headers.get("x-api-key")
    if key:
        return key
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if ":" in decoded else None
