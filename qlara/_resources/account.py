"""``client.account``, ``client.socials`` and ``client.api_keys``: the account's own data.

Subscription and social profiles live under ``/v1/partner-gateway/...``, the
version segment before ``partner-gateway`` (the inverted family, D2), as both
the reference and the use cases write them; API keys under the usual
``/partner-gateway/v1/authentication``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from qlara._auth import Secret
from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import APIStatusError, MalformedResponseError, ValidationError
from qlara._http import TimeoutTypes
from qlara._models.account import (
    ApiKey,
    ContactsQuota,
    CreatedApiKey,
    Credit,
    SocialProfile,
    Subscription,
)
from qlara._models.channel import Channel
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources import _admin_args as _a
from qlara._resources._account_wire import (
    parse_api_key,
    parse_created_key,
    parse_credit,
    parse_quota,
    parse_social,
    parse_subscription,
)
from qlara._resources._base import AsyncResource, call_options, present

__all__ = ["Account", "ApiKeys", "AsyncAccount", "AsyncApiKeys", "AsyncSocials", "Socials"]

SUBSCRIPTION = Route("/v1/partner-gateway/subscription")
SOCIALS = Route("/v1/partner-gateway/socials")
KEYS = Route("/partner-gateway/v1/authentication")
MASK = "***"
# A key looked up by value travels in the path; httpx logs every request's URL at INFO.
_LOOKUP = re.compile(r"(/partner-gateway/v1/authentication/)[^/?#\s\"]+")


class _MaskKeyLookups(logging.Filter):
    """Masks the key in httpx's ``HTTP Request: GET .../authentication/<value>`` lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _LOOKUP.sub(rf"\g<1>{MASK}", str(arg)) if "/authentication/" in str(arg) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "/authentication/" in record.msg:
            record.msg = _LOOKUP.sub(rf"\g<1>{MASK}", record.msg)
        return True


_HTTPX_LOG = logging.getLogger("httpx")
if not any(isinstance(f, _MaskKeyLookups) for f in _HTTPX_LOG.filters):
    _HTTPX_LOG.addFilter(_MaskKeyLookups())


class AsyncAccount(AsyncResource):
    """The plan, the contacts quota and the credit."""

    async def subscription(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Subscription:
        """The active subscription; ``features`` says which channels the plan allows.

        Raises:
            NotFoundError: the account has no active subscription.
        """
        request = SUBSCRIPTION.request("GET", parse=parse_subscription, what="subscription")
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def contacts_quota(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ContactsQuota:
        """How many contacts the plan allows, uses and has left."""
        request = SUBSCRIPTION.request("GET", "contacts", parse=parse_quota, what="contacts quota")
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def credit(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Credit:
        """The balance, the part frozen for scheduled work, and what is available now."""
        request = SUBSCRIPTION.request("GET", "credit", parse=parse_credit, what="credit")
        return await self._call(request, call_options(timeout, extra_headers, extra_body))


class AsyncSocials(AsyncResource):
    """Social profiles connected in the dashboard (read-only)."""

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[SocialProfile]:
        """Every connected profile (``{"profiles": [...], "total": n}`` or a bare array)."""
        return self._paged(
            SOCIALS,
            item=parse_social,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="social profile page",
        )

    async def get(
        self,
        platform: str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SocialProfile:
        """The profile on one platform (``"facebook"``, ``"instagram"``, ``"linkedin"``...).

        Raises:
            NotFoundError: none is connected there.
        """
        name = _a.text("platform", platform, required=True)
        assert name is not None
        request = SOCIALS.request(
            "GET", "{platform}", platform=name.lower(), parse=parse_social, what="social profile"
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))


def _key_value(value: object) -> str:
    if isinstance(value, CreatedApiKey):
        return value.reveal()
    if isinstance(value, Secret):
        value = value.reveal()
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("value", "must be the key's value (a non-empty string or a Secret)")
    return value


def _scrub(data: Any, secret: str) -> Any:
    if isinstance(data, str):
        return data.replace(secret, MASK)
    if isinstance(data, Mapping):
        return {k: _scrub(v, secret) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub(v, secret) for v in data]
    return data


class AsyncApiKeys(AsyncResource):
    """List, look up, create and delete API keys (creating one needs admin rights)."""

    def list(
        self,
        user_id: int | str | None = None,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[ApiKey]:
        """The keys (of ``user_id``, sent as ``?userId=``), never their values."""
        query = {"userId": None if user_id is None else _a.one_id("user_id", user_id)}
        return self._paged(
            KEYS,
            item=parse_api_key,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="API key page",
        )

    async def get(
        self,
        value: str | Secret | CreatedApiKey,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ApiKey:
        """Look a key up by its value (``GET /authentication/{value}``).

        The value is in the path, so logs show ``/authentication/***`` and any
        error has it masked. Accepts a string, a ``Secret`` or a ``CreatedApiKey``.
        """
        secret = _key_value(value)
        request = attrs.evolve(
            KEYS.request("GET", "{value}", value=secret, parse=parse_api_key, what="API key"),
            shown_path=KEYS.at(MASK),
        )
        try:
            return await self._call(request, call_options(timeout, extra_headers, extra_body))
        except APIStatusError as exc:
            exc.body = _scrub(exc.body, secret)
            exc.message = _scrub(exc.message, secret)
            exc.args = tuple(_scrub(a, secret) for a in exc.args)
            raise
        except MalformedResponseError as exc:  # a 2xx that echoes the value, unreadably
            exc.body = exc.body.replace(secret.encode(), MASK.encode())
            exc.args = tuple(_scrub(a, secret) for a in exc.args)
            raise

    async def create(
        self,
        name: str,
        description: str | None = None,
        operations: Iterable[Channel | str] | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> CreatedApiKey:
        """Make a key; its value is shown this once, through ``reveal()``.

        Args:
            operations: what the key may do (``SMS``, ``RCS``, ``WHATSAPP``);
                ``None`` leaves the platform's default.

        Returns:
            A ``CreatedApiKey`` whose value is masked everywhere (repr, str,
            ``raw``) except ``key.reveal()`` / ``reveal()``.

        Raises:
            MalformedResponseError: the answer does not hold the new key's
                value (an empty 201, ``{}``, a bare acknowledgement): the key
                may exist, but the value is shown only in this answer and
                cannot be read back, so nothing usable can be returned. List
                the keys (``list()``) and delete the one you cannot use.
        """
        body = {
            "name": _a.text("name", name, required=True),
            "description": _a.text("description", description),
            "operations": _a.operations(operations),
        }
        request = KEYS.request(
            "POST",
            json=present(body),
            parse=parse_created_key,
            what="API key",
        )
        try:
            return await self._call(request, call_options(timeout, extra_headers, extra_body))
        except MalformedResponseError as exc:
            problem, status = str(exc), exc.status_code
        # Raised outside the handler, so the error chains nothing: the body (and the
        # pipeline's error holding it) may carry the new key under a field not recognised.
        raise MalformedResponseError(
            f"{problem} (the answer is withheld: it may hold the new key)", status_code=status
        )

    async def delete(
        self,
        id: int | str | ApiKey | CreatedApiKey,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete a key by its id, or the ``ApiKey``/``CreatedApiKey`` itself
        (``DELETE /authentication/{id}``, D24); it stops working.

        Raises:
            ValidationError: a malformed id, or a key model that has none.
        """
        if isinstance(id, (ApiKey, CreatedApiKey)):
            if id.id is None:
                raise ValidationError("id", "this key has no id (the platform's answer had none)")
            id = id.id  # noqa: A001 - the argument, narrowed to the key's own id
        request: Request[None] = KEYS.request(
            "DELETE", "{id}", id=_a.one_id("id", id), answer=Answer.NOTHING
        )
        await self._call(request, call_options(timeout, extra_headers, extra_body))


class Account(SyncResource):
    """Blocking ``client.account``."""

    subscription = blocking(AsyncAccount.subscription)
    contacts_quota = blocking(AsyncAccount.contacts_quota)
    credit = blocking(AsyncAccount.credit)


class Socials(SyncResource):
    """Blocking ``client.socials``."""

    list = blocking_iter(AsyncSocials.list)
    get = blocking(AsyncSocials.get)


class ApiKeys(SyncResource):
    """Blocking ``client.api_keys``."""

    list = blocking_iter(AsyncApiKeys.list)
    get = blocking(AsyncApiKeys.get)
    create = blocking(AsyncApiKeys.create)
    delete = blocking(AsyncApiKeys.delete)
