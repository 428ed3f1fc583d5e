"""``AsyncQlara``: options, resources and lifecycle of the async client."""

from __future__ import annotations

import http.cookiejar
import os
import warnings
from collections.abc import AsyncIterable, Iterable, Mapping
from types import TracebackType
from typing import Any

import attrs
import httpx
import sniffio

from qlara._auth import BasicAuth
from qlara._batch._engine import SendMany
from qlara._batch._input import ProgressCallback
from qlara._batch._link import link_of
from qlara._config import (
    DEFAULT_RATE_LIMIT,
    ClientConfig,
    check_copy_rate_limit,
    check_max_retries,
    credentials,
    resolve,
)
from qlara._errors import ConfigurationError
from qlara._fallback import FallbackOutcome, OnUnknown, send_with_fallback
from qlara._http import _UNSET, Connection, HttpCore, HttpxWire, TimeoutTypes, as_timeout
from qlara._limiter import SharedLimitFactory, make_limiter
from qlara._models import AnyMessage, SendResult
from qlara._ratelimit import RateLimit
from qlara._raw import RawResponse
from qlara._raw_request import raw_request
from qlara._resources import _sending
from qlara._resources._base import call_options, child
from qlara._resources.account import AsyncAccount, AsyncApiKeys, AsyncSocials
from qlara._resources.campaigns import AsyncCampaigns
from qlara._resources.contacts import AsyncContacts
from qlara._resources.exports import AsyncExports
from qlara._resources.inbox import AsyncInbox
from qlara._resources.media import AsyncFiles, AsyncMedia
from qlara._resources.messages import AsyncMessages
from qlara._resources.rcs import AsyncRcs
from qlara._resources.sms import AsyncSms
from qlara._resources.webhooks import AsyncWebhooks
from qlara._resources.whatsapp import AsyncWhatsApp
from qlara._retry import RetryPolicy
from qlara._webhooks._tracker import DeliveryTracker

# Measured on our machines: httpx's per-request CPU grows with pool size, so a
# small pool (keep-alive equal) beats the thousand connections others default to.
DEFAULT_POOL = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=30)


def _no_cookies() -> httpx.Cookies:
    """A jar that keeps nothing: the API is keyed, and tenants' copies share one pool."""
    return httpx.Cookies(
        http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    )


class AsyncQlara:
    """The async client of the Qlara platform.

    One client holds one connection pool and one rate limiter; share it across
    tasks (it is safe and much cheaper than one per request). Use it as an async
    context manager, or ``await client.aclose()`` when done.

    Args:
        api_key: the API key; defaults to the ``QLARA_API_KEY`` environment variable.
        base_url: defaults to ``QLARA_BASE_URL``, else the production API.
        auth: ``BasicAuth(username, password)`` instead of an API key.
        timeout: seconds (or an ``httpx.Timeout``) for each attempt.
        max_retries: retries after the first attempt, shared by every cause.
        retry_policy: backoff bounds, ``max_retry_after``, ambiguous-send opt-in.
        rate_limit: the key's budget; ``None`` disables client-side limiting;
            ``qlara.redis.SharedRateLimit`` shares it across processes.
        http_client: an ``httpx.AsyncClient`` for proxies or custom pools; the SDK
            still builds absolute URLs and adds auth, and never closes it.
        transport: just an ``httpx.AsyncBaseTransport`` (tests, the simulator).
        http_backend: ``"httpx"`` (the default) or ``"aiohttp"`` (``qlara[aiohttp]``,
            asyncio only): the same pipeline, a fraction of the CPU per request.

    Raises:
        ConfigurationError: no key, both key and auth, or a bad ``base_url``;
            ``http_backend="aiohttp"`` without aiohttp, with ``http_client`` or
            ``transport``, or under trio.
    """

    sms: child[AsyncSms] = child(AsyncSms)
    rcs: child[AsyncRcs] = child(AsyncRcs)
    whatsapp: child[AsyncWhatsApp] = child(AsyncWhatsApp)
    messages: child[AsyncMessages] = child(AsyncMessages)
    webhooks: child[AsyncWebhooks] = child(AsyncWebhooks)
    # channel assets and conversations (issue 10)
    media: child[AsyncMedia] = child(AsyncMedia)
    files: child[AsyncFiles] = child(AsyncFiles)
    inbox: child[AsyncInbox] = child(AsyncInbox)
    # -- the account, contacts, campaigns and exports (issue 11) --
    contacts: child[AsyncContacts] = child(AsyncContacts)
    campaigns: child[AsyncCampaigns] = child(AsyncCampaigns)
    exports: child[AsyncExports] = child(AsyncExports)
    account: child[AsyncAccount] = child(AsyncAccount)
    socials: child[AsyncSocials] = child(AsyncSocials)
    api_keys: child[AsyncApiKeys] = child(AsyncApiKeys)

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
        config = resolve(
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
        self._init_from(config)

    @classmethod
    def _from_config(cls, config: ClientConfig) -> AsyncQlara:
        client = cls.__new__(cls)
        client._init_from(config)
        return client

    def _init_from(self, config: ClientConfig) -> None:
        headers = config.headers()
        wire: Any
        if config.http_backend == "aiohttp":
            _check_asyncio()
            from qlara._aiohttp import AiohttpWire  # noqa: PLC0415 - the optional extra

            wire = AiohttpWire()
        elif config.http_client is not None:
            # An injected client gets our headers on every request.
            wire = HttpxWire(config.http_client, owns=False, default_headers={})
        else:
            # Our own pool carries the static headers, so httpx merges them once,
            # not per request.
            client = httpx.AsyncClient(
                transport=config.transport,
                limits=DEFAULT_POOL,
                follow_redirects=False,
                headers=headers,
                cookies=_no_cookies(),
                timeout=as_timeout(config.timeout),
            )
            wire = HttpxWire(client, owns=True, default_headers=client.headers)
        connection = Connection(
            wire=wire,
            base_url=config.base_url,
            headers=headers,
            credential=config.credential.reveal(),
            rate_limit=config.rate_limit,
            limiter=make_limiter(config.rate_limit, config.credential),
        )
        self._config = config
        self._owner = True
        self._parent: AsyncQlara | None = None
        self._bind(
            HttpCore(
                connection,
                timeout=as_timeout(config.timeout),
                max_retries=config.max_retries,
                retry_policy=config.retry_policy,
            )
        )

    def _bind(self, http: HttpCore) -> None:
        self._http = http  # the resources (``child``) are made from it on first use

    def with_options(
        self,
        *,
        api_key: str | None = None,
        auth: BasicAuth | None = None,
        rate_limit: RateLimit | SharedLimitFactory | None = _UNSET,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncQlara:
        """A copy with other options that shares this client's connection pool.

        With ``api_key=`` (or ``auth=``) the copy sends with those credentials
        and draws on that key's own rate limiter: made on the copy's first
        request, kept by the pool for the client's lifetime, and shared by
        every copy with the same key (the platform's budget is per key).
        ``rate_limit=`` sets that key's budget (a ``RateLimit``, a
        ``qlara.redis.SharedRateLimit`` or ``None``; default: the client's,
        whichever copy the copy is made from, and a ``SharedRateLimit``'s
        ``name`` stays with the client's key); copies of one key must agree
        on it. A copy is cheap (no pool, no thread): make one per tenant, or
        per request. Without new credentials, the copy shares this client's
        limiter.

        Closing a copy does nothing; the original owns the pool.

        Raises:
            ConfigurationError: both ``api_key`` and ``auth``, an unusable key, or a
                ``rate_limit`` other than the one this key already has here.
        """
        if max_retries is not None:
            check_max_retries(max_retries)
        config = self._config
        http = self._http
        tenant = None
        if api_key is not None or auth is not None or rate_limit is not _UNSET:
            if rate_limit is not _UNSET:
                check_copy_rate_limit(rate_limit)
            if api_key is not None or auth is not None:
                secret, kind = credentials(api_key, auth, from_env=False)
                config = attrs.evolve(config, credential=secret, auth_kind=kind)
            tenant = http.connection.tenant_for(
                config.headers(), config.credential.reveal(), rate_limit
            )
            config = attrs.evolve(config, rate_limit=tenant.rate_limit)
        copy = type(self).__new__(type(self))
        copy._config = config
        copy._owner = False
        copy._parent = self  # the original owns the pool; keep it alive while copies are
        copy._bind(
            http.with_options(
                timeout=timeout, max_retries=max_retries, retry_policy=retry_policy, tenant=tenant
            )
        )
        return copy

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, object] | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        """Any endpoint, through the same pipeline as every typed call.

        For what the SDK does not model yet: auth, the rate limit, retries by
        method (GET, PUT and DELETE are retried when safe; a POST or PATCH
        that may have landed is never repeated, it raises
        ``OutcomeUnknownError``), typed errors and redacted logs all apply.

        Args:
            method: ``"GET"``, ``"POST"``, ``"PUT"``, ``"PATCH"``, ``"DELETE"``...
            path: relative to ``base_url``: ``"/partner-gateway/v1/contacts"``;
                percent-encoded where needed, a query in it kept before ``params``.
            params: query parameters (ints, bools, lists comma-joined, aware datetimes).
            json: a JSON body.
            files: multipart files: ``{"file": path_or_bytes_or_binary_file}``, or
                ``{"file": (filename, source)}`` / ``(filename, source, content_type)``.
            data: multipart form fields (with ``files``).

        Returns:
            The 2xx answer as it came; error statuses raise (``NotFoundError``...).

        Raises:
            ValidationError: a bad method, path, parameter or file, before sending.
        """
        described = raw_request(method, path, params=params, json=json, files=files, data=data)
        return await self._http.execute(described, call_options(timeout, extra_headers, None))

    async def send(
        self,
        message: AnyMessage,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send any ``SmsMessage``, ``RcsMessage`` or ``WhatsAppMessage`` on its own channel."""
        options = _sending.call_options(timeout, extra_headers, extra_body)
        return await _sending.send(self._http, message, None, options)

    def send_many(
        self,
        messages: Iterable[AnyMessage] | AsyncIterable[AnyMessage],
        *,
        concurrency: int = 16,
        journal: str | os.PathLike[str] | None = None,
        on_progress: ProgressCallback | None = None,
        sms_per_request: int = 1,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_parts: int | None = None,
    ) -> SendMany:
        """Send many messages, ``concurrency`` at a time; yield one ``Outcome`` per input.

        ``async for outcome in client.send_many(messages):`` yields outcomes in
        completion order and never raises for one message's failure: it is on
        ``outcome.error`` (an ``OutcomeUnknownError`` when the message may have
        landed; it is never sent twice). The input is read lazily, so a
        generator of millions of messages keeps memory flat, and every request
        shares this client's rate limiter. A plain ``async for`` may ``break``,
        raise or be cancelled safely; it sends in rounds of ``concurrency``.
        Inside ``async with client.send_many(...) as outcomes:`` the sending is
        pipelined (``concurrency`` in flight all the time), and leaving the
        block cancels what is in flight. An outcome is journaled ``done`` when
        the caller asks for the next one, so one the loop body failed on is
        reconciled by a resume.

        Args:
            messages: any iterable or async iterable of ``SmsMessage``,
                ``RcsMessage`` and ``WhatsAppMessage``.
            concurrency: most messages in flight at once.
            journal: a file to resume from: a rerun with the same input and
                journal skips what earlier runs handed over and reconciles what
                they started (see ``qlara/_batch/_engine.py``). Messages without a
                ``message_id`` get ``uuid5(run_id, str(index))``, stable across runs.
            on_progress: called as ``on_progress(done, total, ok, failed)`` after
                each outcome; ``total`` is ``len(messages)`` or ``None``.
            sms_per_request: with N > 1, ``SmsMessage`` inputs travel up to N
                at a time (at most 1,000, and 512 KiB of JSON) in one SMS Legacy
                request (``POST /api/services/sms/send``), each with its own id;
                the rate limit counts requests, so N times as many messages fit
                it. ``concurrency`` then counts requests in flight. Inputs the
                Legacy format cannot carry faithfully (a ``campaign_id``, a
                placeholder without a value, an id over 64 characters, RCS,
                WhatsApp) go alone through their own endpoint. See
                ``qlara/_batch/_pack.py``.
            timeout: per-attempt timeout for each send.
            extra_headers: merged into every send's headers.
            extra_body: merged into every send's JSON body.
            max_parts: refuse a message whose SMS text (an ``SmsMessage``'s body
                with placeholders filled, or a rich message's ``fallback_sms``)
                takes more SMS parts: its outcome is a ``ValidationError``
                naming the parts and the characters that forced UCS-2, and it
                is never sent (see ``qlara.segments``).

        Raises:
            ValidationError: ``concurrency``, ``max_parts`` or ``messages`` is not
                usable (at the call).
            QlaraError: the journal is not a qlara journal or is corrupt (on iteration).
            AuthenticationError, PermissionDeniedError, RateLimitError: batch-wide
                failures (401, 403, a ``retry_after`` beyond ``max_retry_after``),
                and ``QlaraError`` for a client closed mid-run: sending stops, the
                outcomes in flight are yielded first, then this is raised; unsent
                inputs are not journaled, so a resume sends them.
        """
        return SendMany(
            link_of(self),
            messages,
            concurrency=concurrency,
            journal=journal,
            on_progress=on_progress,
            options=_sending.call_options(timeout, extra_headers, extra_body),
            max_parts=max_parts,
            sms_per_request=sms_per_request,
        )

    async def send_with_fallback(
        self,
        messages: Iterable[AnyMessage],
        *,
        deliver_within: float,
        tracker: DeliveryTracker | None = None,
        on_unknown: OnUnknown = "stop",
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        backstop_interval: float = 30.0,
    ) -> FallbackOutcome:
        """Send the first message, the next if it is not delivered in time; stop at a delivery.

        Each message is sent under its own ``message_id`` (a UUID4 for those
        without one) and waited for until it is DELIVERED, fails (ERROR,
        EXPIRED, or refused at the send), or ``deliver_within`` seconds from
        the start of its send pass; then the next one is sent. A send whose
        outcome is unknown is looked up with ``messages.status`` first: found
        is waited for, not found is treated as never sent. The platform may
        still deliver a message after its deadline passed, so a recipient can
        get two; choose ``deliver_within`` with that in mind.

        Args:
            messages: the messages to try, in order (e.g. WhatsApp, then SMS).
            deliver_within: seconds each message gets to be delivered.
            tracker: a ``DeliveryTracker`` fed by your webhook receiver: the
                wait wakes on the callback, and polls only every
                ``backstop_interval`` seconds and at the deadline.
            on_unknown: when even the lookup cannot tell whether a message
                landed: ``"stop"`` (the default) sends nothing more and reports
                the step as ``"unknown"``; ``"continue"`` sends the next one
                anyway, accepting that the recipient may get both.
            poll_interval: without a tracker, the first wait before polling;
                waits double up to ``max_poll_interval``.

        Returns:
            A ``FallbackOutcome``: ``delivered_by`` and one step per message sent.

        Raises:
            ValidationError: an empty chain, a non-message, two messages with
                one id, or bad numbers; before anything is sent.
        """
        return await send_with_fallback(
            self,
            messages,
            deliver_within=deliver_within,
            tracker=tracker,
            on_unknown=on_unknown,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            backstop_interval=backstop_interval,
        )

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        return self._http.max_retries

    @property
    def is_closed(self) -> bool:
        return self._http.connection.closed

    async def aclose(self) -> None:
        """Close the connection pool (not an injected ``http_client``). Idempotent."""
        if self._owner:
            await self._http.connection.aclose()

    async def __aenter__(self) -> AsyncQlara:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._config.base_url!r}, "
            f"auth={self._config.auth_kind!r}, max_retries={self._http.max_retries})"
        )

    def __del__(self) -> None:
        http = getattr(self, "_http", None)
        connection = http.connection if http is not None else None
        leaked = connection is not None and connection.wire.owns and not connection.closed
        if leaked and getattr(self, "_owner", False):
            warnings.warn(
                f"{type(self).__name__} was garbage-collected without being closed; "
                "use 'async with' or 'await client.aclose()'",
                ResourceWarning,
                stacklevel=2,
            )


def _check_asyncio() -> None:
    """aiohttp needs asyncio: refuse a client built under trio now, not at its first call."""
    try:
        library = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return  # built outside a loop: the first call checks
    if library != "asyncio":
        raise ConfigurationError(
            f"http_backend='aiohttp' runs on asyncio only, and this is {library}; "
            "use the default http_backend='httpx' here"
        )
