"""``Qlara``: the blocking client, the async one run behind an anyio portal.

There is no second copy of any logic here. Each sync method is *declared*
(``send = blocking(AsyncSms.send)``) and runs the async method on one
long-lived event loop in a background thread, started on first use. Traps this
avoids, each reproduced on our machines:

- a new event loop per call costs ~21 ms; one portal per client costs nothing after start;
- a client left open in a module global must not hang interpreter exit;
- a forked child inherits a portal whose thread does not exist there;
- Ctrl-C while waiting must not leave the request running.

The loop thread and its traps live in ``_portal.py``; the twins' descriptors in
``_blocking.py``; each sync resource beside its async class.

Many threads may share one ``Qlara`` (and so one pool). Called from inside a
running event loop (a notebook cell), it blocks that loop like any sync I/O.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from qlara._auth import BasicAuth, Secret
from qlara._batch._input import ProgressCallback
from qlara._batch._sync import SendManyIterator, send_many_blocking
from qlara._blocking import Blocking, blocking, sync_child
from qlara._client import AsyncQlara
from qlara._config import (
    DEFAULT_RATE_LIMIT,
    check_copy_rate_limit,
    check_max_retries,
    credentials,
    resolve,
)
from qlara._http import _UNSET, TimeoutTypes
from qlara._limiter import SharedLimitFactory
from qlara._models import AnyMessage
from qlara._portal import Portal, watch_exit
from qlara._ratelimit import RateLimit
from qlara._resources._base import call_options
from qlara._resources.account import Account, ApiKeys, Socials
from qlara._resources.campaigns import Campaigns
from qlara._resources.contacts import Contacts
from qlara._resources.exports import Exports
from qlara._resources.inbox import Inbox
from qlara._resources.media import Files, Media
from qlara._resources.messages import Messages
from qlara._resources.rcs import Rcs
from qlara._resources.sms import Sms
from qlara._resources.webhooks import Webhooks
from qlara._resources.whatsapp import WhatsApp
from qlara._retry import RetryPolicy

if TYPE_CHECKING:
    from typing_extensions import Self


class Qlara(Blocking):
    """The blocking client: the same constructor, resources and errors as ``AsyncQlara``.

    Use it as a context manager, or call ``close()``; a forgotten client is
    still cleaned up at interpreter exit.
    """

    _portal: Portal

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        auth: BasicAuth | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        rate_limit: RateLimit | SharedLimitFactory | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_backend: str = "httpx",
    ) -> None:
        self._config = resolve(
            api_key=api_key,
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            rate_limit=rate_limit,
            http_client=http_client,
            transport=transport,
            http_backend=http_backend,
        )
        self._portal = Portal(self._config)
        self._options: Mapping[str, Any] = {}
        self._copy_of: tuple[AsyncQlara, AsyncQlara] | None = None
        self._owner = True
        self._parent: Qlara | None = None
        self._finalizer = weakref.finalize(self, self._portal.close)
        watch_exit()

    def _async_target(self, client: AsyncQlara) -> Any:
        if not self._options:
            return client
        # A copy's async twin is made once per portal client (a fork makes a new one).
        cached = self._copy_of
        if cached is None or cached[0] is not client:
            options = dict(self._options)
            if isinstance(options.get("api_key"), Secret):
                options["api_key"] = options["api_key"].reveal()
            cached = self._copy_of = (client, client.with_options(**options))
        return cached[1]

    sms: sync_child[Sms] = sync_child(Sms)
    rcs: sync_child[Rcs] = sync_child(Rcs)
    whatsapp: sync_child[WhatsApp] = sync_child(WhatsApp)
    messages: sync_child[Messages] = sync_child(Messages)
    webhooks: sync_child[Webhooks] = sync_child(Webhooks)
    # channel assets and conversations (issue 10)
    media: sync_child[Media] = sync_child(Media)
    files: sync_child[Files] = sync_child(Files)
    inbox: sync_child[Inbox] = sync_child(Inbox)
    # -- the account, contacts, campaigns and exports (issue 11) --
    contacts: sync_child[Contacts] = sync_child(Contacts)
    campaigns: sync_child[Campaigns] = sync_child(Campaigns)
    exports: sync_child[Exports] = sync_child(Exports)
    account: sync_child[Account] = sync_child(Account)
    socials: sync_child[Socials] = sync_child(Socials)
    api_keys: sync_child[ApiKeys] = sync_child(ApiKeys)

    request = blocking(AsyncQlara.request)
    send = blocking(AsyncQlara.send)
    send_with_fallback = blocking(AsyncQlara.send_with_fallback)

    def send_many(
        self,
        messages: Iterable[AnyMessage],
        *,
        concurrency: int = 16,
        journal: str | os.PathLike[str] | None = None,
        on_progress: ProgressCallback | None = None,
        sms_per_request: int = 1,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_parts: int | None = None,
    ) -> SendManyIterator:
        """Blocking ``AsyncQlara.send_many``: a plain iterator of one ``Outcome`` per input.

        Same arguments and guarantees; one task on the client's loop does the
        sending. Stopping early (``break``, ``close()``) cancels what is in
        flight and closes the journal; the iterator's ``unreported`` then lists
        the messages that went out, or may have, without being handed over.
        """
        return send_many_blocking(
            self._portal,
            self._async_target,
            messages,
            concurrency=concurrency,
            journal=journal,
            on_progress=on_progress,
            options=call_options(timeout, extra_headers, extra_body),
            max_parts=max_parts,
            sms_per_request=sms_per_request,
        )

    def with_options(
        self,
        *,
        api_key: str | None = None,
        auth: BasicAuth | None = None,
        rate_limit: RateLimit | SharedLimitFactory | None = _UNSET,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Qlara:
        """A copy with other options sharing this client's portal and pool.

        With ``api_key=`` (or ``auth=``) it sends with those credentials and
        that key's own rate limiter, as ``AsyncQlara.with_options`` explains;
        otherwise it shares this client's limiter.
        """
        if max_retries is not None:
            check_max_retries(max_retries)
        if rate_limit is not _UNSET:
            check_copy_rate_limit(rate_limit)
        config = self._config
        options: dict[str, Any] = {
            "timeout": timeout,
            "max_retries": max_retries,
            "retry_policy": retry_policy,
        }
        if api_key is not None or auth is not None:
            secret, kind = credentials(api_key, auth, from_env=False)  # checked here, not later
            config = attrs.evolve(config, credential=secret, auth_kind=kind)
            # A new credential replaces the other kind, and the key stays wrapped.
            options["api_key"] = secret if kind == "api_key" else None
            options["auth"] = auth
            # Another key: not this copy's own budget (the client's, as on AsyncQlara).
            dropped = ("api_key", "auth", "rate_limit")
            previous = {k: v for k, v in self._options.items() if k not in dropped}
        else:
            previous = dict(self._options)
        if rate_limit is not _UNSET:
            options["rate_limit"] = rate_limit
        copy = type(self).__new__(type(self))
        copy._config = config
        copy._portal = self._portal
        kept = {k: v for k, v in options.items() if v is not None or k == "rate_limit"}
        copy._options = {**previous, **kept}
        copy._copy_of = None
        copy._owner = False
        copy._parent = self  # the original's finalizer must not stop the shared portal first
        return copy

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        retries = self._options.get("max_retries")
        return self._config.max_retries if retries is None else int(retries)

    @property
    def is_closed(self) -> bool:
        return self._portal.closed

    def close(self) -> None:
        """Close the pool and stop the background event loop. Idempotent."""
        if self._owner:
            self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Qlara(base_url={self._config.base_url!r}, auth={self._config.auth_kind!r})"
