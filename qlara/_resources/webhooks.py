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

from qlara._blocking import SyncResource, blocking
from qlara._errors import ConflictError, NotFoundError, ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.status import WebhookConfig
from qlara._redact import show_url
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._status_wire import parse_webhook_config

WEBHOOK_PATH = "/partner-gateway/v1/webhooks/delivery-status"
WEBHOOK = Route(WEBHOOK_PATH)

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


class AsyncWebhooks(AsyncResource):
    """Read, set and remove the account's delivery-status webhook."""

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
        request = WEBHOOK.request("GET", parse=parse_webhook_config, what="webhook")
        try:
            return await self._call(request, call_options(timeout, extra_headers, extra_body))
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
        return await self._write("POST", url, call_options(timeout, extra_headers, extra_body))

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
        return await self._write("PUT", url, call_options(timeout, extra_headers, extra_body))

    async def set(
        self,
        url: str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookConfig:
        """Make ``url`` the webhook, whether or not one exists: create, or update on 409."""
        options = call_options(timeout, extra_headers, extra_body)
        try:
            return await self._write("POST", url, options)
        except ConflictError:
            return await self._write("PUT", url, options)

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
        request: Request[None] = WEBHOOK.request("DELETE", answer=Answer.NOTHING)
        await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def _write(self, method: str, url: str, options: CallOptions) -> WebhookConfig:
        checked = callback_url(url)
        request = WEBHOOK.request(
            method,
            json={"callbackUrl": checked},
            parse=lambda data: parse_webhook_config(data, checked),
            what="webhook",
        )
        return await self._call(request, options)


class Webhooks(SyncResource):
    """Blocking ``client.webhooks``."""

    get = blocking(AsyncWebhooks.get)
    create = blocking(AsyncWebhooks.create)
    update = blocking(AsyncWebhooks.update)
    delete = blocking(AsyncWebhooks.delete)
    set = blocking(AsyncWebhooks.set)
