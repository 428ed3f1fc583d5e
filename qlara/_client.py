"""``AsyncQlara``: options, resources and lifecycle of the async client."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterable, Iterable, Mapping
from types import TracebackType
from typing import Any

import httpx

from qlara._auth import BasicAuth
from qlara._batch import SendMany
from qlara._batch_input import ProgressCallback
from qlara._config import DEFAULT_RATE_LIMIT, ClientConfig, check_max_retries, resolve
from qlara._http import Connection, HttpCore, TimeoutTypes, as_timeout
from qlara._limiter import SharedLimitFactory, make_limiter
from qlara._models import AnyMessage, SendResult
from qlara._ratelimit import RateLimit
from qlara._resources import _sending
from qlara._resources.messages import AsyncMessages
from qlara._resources.rcs import AsyncRcs
from qlara._resources.sms import AsyncSms
from qlara._resources.webhooks import AsyncWebhooks
from qlara._resources.whatsapp import AsyncWhatsApp
from qlara._retry import RetryPolicy

# Measured on our machines: httpx's per-request CPU grows with pool size, so a
# small pool (keep-alive equal) beats the thousand connections others default to.
DEFAULT_POOL = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=30)


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

    Raises:
        ConfigurationError: no key, both key and auth, or a bad ``base_url``.
    """

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
        )
        self._init_from(config)

    @classmethod
    def _from_config(cls, config: ClientConfig) -> AsyncQlara:
        client = cls.__new__(cls)
        client._init_from(config)
        return client

    def _init_from(self, config: ClientConfig) -> None:
        owns = config.http_client is None
        # Our own pool carries the static headers, so httpx merges them once, not
        # per request; an injected client gets them on every request instead.
        http_client = config.http_client or httpx.AsyncClient(
            transport=config.transport,
            limits=DEFAULT_POOL,
            follow_redirects=False,
            headers=config.headers(),
        )
        connection = Connection(
            http_client=http_client,
            owns_client=owns,
            base_url=config.base_url,
            headers={} if owns else config.headers(),
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
        self._http = http
        self.sms = AsyncSms(http)
        self.rcs = AsyncRcs(http)
        self.whatsapp = AsyncWhatsApp(http)
        self.messages = AsyncMessages(http)
        self.webhooks = AsyncWebhooks(http)

    def with_options(
        self,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncQlara:
        """A copy with other options that shares this client's pool and rate limiter.

        Closing the copy does nothing; the original owns the pool.
        """
        if max_retries is not None:
            check_max_retries(max_retries)
        copy = type(self).__new__(type(self))
        copy._config = self._config
        copy._owner = False
        copy._parent = self  # the original owns the pool; keep it alive while copies are
        copy._bind(
            self._http.with_options(
                timeout=timeout, max_retries=max_retries, retry_policy=retry_policy
            )
        )
        return copy

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
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
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
                they started (see ``qlara/_batch.py``). Messages without a
                ``message_id`` get ``uuid5(run_id, str(index))``, stable across runs.
            on_progress: called as ``on_progress(done, total, ok, failed)`` after
                each outcome; ``total`` is ``len(messages)`` or ``None``.
            timeout: per-attempt timeout for each send.
            extra_headers: merged into every send's headers.
            extra_body: merged into every send's JSON body.

        Raises:
            ValidationError: ``concurrency`` or ``messages`` is not usable (at the call).
            QlaraError: the journal is not a qlara journal or is corrupt (on iteration).
            AuthenticationError, PermissionDeniedError, RateLimitError: batch-wide
                failures (401, 403, a ``retry_after`` beyond ``max_retry_after``),
                and ``QlaraError`` for a client closed mid-run: sending stops, the
                outcomes in flight are yielded first, then this is raised; unsent
                inputs are not journaled, so a resume sends them.
        """
        return SendMany(
            self,
            self._http,
            messages,
            concurrency=concurrency,
            journal=journal,
            on_progress=on_progress,
            options=_sending.call_options(timeout, extra_headers, extra_body),
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
        leaked = connection is not None and connection.owns_client and not connection.closed
        if leaked and getattr(self, "_owner", False):
            warnings.warn(
                f"{type(self).__name__} was garbage-collected without being closed; "
                "use 'async with' or 'await client.aclose()'",
                ResourceWarning,
                stacklevel=2,
            )
