"""``client.webhooks``: the account's one delivery-status callback URL.

The platform keeps a single URL for every channel and event type. Its guide
says creating a new one replaces the old; its reference says a second POST
answers 409 and PUT changes it. ``set(url)`` works with either: create, and
update when the platform answers 409.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from qlara._errors import ConflictError, NotFoundError, ValidationError
from qlara._http import HttpCore, TimeoutTypes
from qlara._models.status import WebhookConfig
from qlara._redact import show_url
from qlara._resources import _sending
from qlara._resources._status_wire import parse_webhook_config

WEBHOOK_PATH = "/partner-gateway/v1/webhooks/delivery-status"

_LOCAL_HOSTS = frozenset({"localhost"})


def _is_local(host: str) -> bool:
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def callback_url(value: object) -> str:
    """An absolute https:// URL; plain http only for localhost, to develop against the simulator.

    The platform requires HTTPS (and the callback carries delivery data), so an
    http:// URL to a real host is refused here rather than by a 400 later.
    Whitespace anywhere (a newline left by a secrets file) is refused too: the
    platform would store it verbatim and call a URL that does not exist. Errors
    show the URL with its query values masked: it often holds a secret token.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("url", f"must be a non-empty URL string, got {show_url(value)}")
    if any(character.isspace() for character in value):
        raise ValidationError(
            "url",
            f"must not contain whitespace (a trailing newline from a file?), got {show_url(value)}",
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValidationError("url", f"is not a valid URL ({exc}): {show_url(value)}") from None
    if not host or parts.scheme not in ("https", "http"):
        raise ValidationError("url", f"must be an absolute https:// URL, got {show_url(value)}")
    if parts.scheme == "http" and not _is_local(host):
        raise ValidationError(
            "url",
            "must use https:// (the platform requires it); plain http:// is only "
            f"allowed for localhost, 127.0.0.1 or [::1] during development, got {show_url(value)}",
        )
    return value


class AsyncWebhooks:
    """Read, set and remove the account's delivery-status webhook."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def get(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookConfig | None:
        """The current webhook, or ``None`` when none is configured (the platform's 404).

        ``extra_body`` entries travel as query parameters (a GET has no body).
        """
        try:
            return await self._http.request(
                "GET",
                WEBHOOK_PATH,
                parse_webhook_config,
                params={str(k): str(v) for k, v in (extra_body or {}).items()} or None,
                options=_sending.call_options(timeout, extra_headers, None),
            )
        except NotFoundError:
            return None

    async def create(
        self,
        url: str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookConfig:
        """Configure the webhook.

        Raises:
            ValidationError: not an https:// URL (http:// only for localhost).
            ConflictError: one is already configured; use ``update`` or ``set``.
        """
        return await self._write("POST", url, timeout, extra_headers, extra_body)

    async def update(
        self,
        url: str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookConfig:
        """Point the existing webhook at another URL.

        Raises:
            ValidationError: not an https:// URL (http:// only for localhost).
            NotFoundError: no webhook is configured; use ``create`` or ``set``.
        """
        return await self._write("PUT", url, timeout, extra_headers, extra_body)

    async def set(
        self,
        url: str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookConfig:
        """Make ``url`` the webhook, whether or not one exists: create, or update on 409."""
        try:
            return await self._write("POST", url, timeout, extra_headers, extra_body)
        except ConflictError:
            return await self._write("PUT", url, timeout, extra_headers, extra_body)

    async def delete(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Remove the webhook; events stop. ``extra_body`` entries travel as query parameters.

        Raises:
            NotFoundError: no webhook was configured.
        """
        await self._http.request(
            "DELETE",
            WEBHOOK_PATH,
            _ignore,
            params={str(k): str(v) for k, v in (extra_body or {}).items()} or None,
            options=_sending.call_options(timeout, extra_headers, None),
        )

    async def _write(
        self,
        method: str,
        url: str,
        timeout: TimeoutTypes,
        extra_headers: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None,
    ) -> WebhookConfig:
        checked = callback_url(url)
        return await self._http.request(
            method,
            WEBHOOK_PATH,
            lambda data: parse_webhook_config(data, checked),
            body={"callbackUrl": checked},
            options=_sending.call_options(timeout, extra_headers, extra_body),
        )


def _ignore(_: Any) -> None:
    return None
