"""The transport core: one pipeline for every request the SDK makes.

A resource describes a request (method, path, JSON body, what to parse the
answer into) and hands it here. This module owns everything that touches the
wire: absolute URLs from the SDK's own base URL, auth and User-Agent headers,
the rate limiter, retries, JSON in and out, and turning every failure into a
``QlaraError``. It is the only module that imports httpx (besides the client
constructor). The HTTP library itself sits behind a small wire interface
(``qlara/_backend.py``): ``HttpxWire`` here, ``AiohttpWire`` in ``qlara/_aiohttp.py``
(imported only when a client asks for ``http_backend="aiohttp"``); both hand
back the same ``WireResponse`` and classify their failures into the same
``Failure`` kinds, so retries, errors and logs cannot differ between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import random
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any, TypeVar, Union
from urllib.parse import urlsplit

import anyio
import attrs
import httpx
import sniffio

from qlara._auth import Secret
from qlara._backend import (
    DOWNLOAD_CHUNK,
    Failure,
    LocalFileError,
    Prepared,
    Wire,
    WireResponse,
    files_scope,
    opened_files,
    save,
)
from qlara._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MalformedResponseError,
    OutcomeUnknownError,
    QlaraError,
    ValidationError,
    status_error,
)
from qlara._limiter import Limiter, SharedLimitFactory, make_limiter
from qlara._ratelimit import RateLimit
from qlara._raw import Headers, RawResponse
from qlara._request import Answer, Request, encode_link, extra_query
from qlara._retry import Action, RetryPolicy, Safety, classify_status, decide, parse_retry_after
from qlara._upload import from_here

__all__ = [
    "NO_OPTIONS",
    "CallOptions",
    "Connection",
    "HttpCore",
    "HttpxWire",
    "Tenant",
    "TimeoutTypes",
    "as_timeout",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

TimeoutTypes = Union[float, httpx.Timeout, None]  # noqa: UP007
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
AUTH_HEADERS = ("x-api-key", "authorization")


def as_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """Seconds (or ``None``, no limit) as an ``httpx.Timeout``; anything else is refused."""
    if isinstance(value, httpx.Timeout):
        return value
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0
    ):
        raise ValidationError("timeout", f"must be seconds >= 0 or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(value)


def check_extra_headers(headers: Mapping[str, str]) -> None:
    if not isinstance(headers, Mapping):
        raise ValidationError("extra_headers", "must be a mapping of header names to values")
    for name, value in headers.items():
        for part in (name, value):
            if not isinstance(part, str) or not part.isascii() or not part.isprintable():
                # The value is not quoted: it may be a credential.
                raise ValidationError(
                    f"extra_headers[{name!r}]" if isinstance(name, str) else "extra_headers",
                    "header names and values must be printable ASCII strings",
                )


@attrs.frozen(kw_only=True)
class CallOptions:
    """What a caller may change for one call."""

    timeout: TimeoutTypes = None
    extra_headers: Mapping[str, str] | None = None
    extra_body: Mapping[str, Any] | None = None


NO_OPTIONS = CallOptions()


def _current_loop() -> tuple[str, object]:
    library = sniffio.current_async_library()
    if library == "asyncio":
        return library, asyncio.get_running_loop()
    if library == "trio":
        import trio  # noqa: PLC0415 - only present when the caller runs trio

        return library, trio.lowlevel.current_trio_token()
    return library, library


class Tenant:
    """The credentials a client (or a ``with_options`` copy) sends with, and its budget.

    ``headers`` are the identity headers (the key among them); ``key_id`` is a
    keyed hash of the credential, the only form of it used to look things up.
    Nothing here shows the key: not the repr, not an attribute worth printing.
    """

    __slots__ = ("headers", "key_id", "rate_limit")

    def __init__(
        self,
        headers: Mapping[str, str],
        key_id: str,
        rate_limit: RateLimit | SharedLimitFactory | None,
    ) -> None:
        self.headers = headers
        self.key_id = key_id
        self.rate_limit = rate_limit

    def __repr__(self) -> str:
        return f"Tenant(key_id={self.key_id!r})"


class Connection:
    """What a client and its ``with_options`` copies share: the wire (pool) and the limiters.

    There is one rate limiter per key, made on the first request sent with
    that key and kept for the client's lifetime, so every copy of one key
    draws on one budget, and a copy made per request costs no new limiter.
    Limiters are found by a keyed hash of the credential (``key_id``), never
    by the key.

    It also binds to the first event loop that uses it: pooled connections
    belong to that loop, and reusing them from another one fails deep inside
    the HTTP library with an obscure message. We fail early, and clearly.
    """

    def __init__(
        self,
        *,
        wire: Wire,
        base_url: str,
        headers: Mapping[str, str],
        credential: str,
        rate_limit: RateLimit | SharedLimitFactory | None,
        limiter: Limiter | None = None,
    ) -> None:
        self.wire = wire
        self.base_url = base_url
        self.where = _target(base_url, False)  # for errors: host and port, computed once
        self.closed: bool = False
        self.ended_with_loop = False
        self._loop: object | None = None
        self._watch: AsyncGenerator[None, None] | None = None
        self._salt = os.urandom(16)
        self._limits: dict[str, Any] = {}
        self._limiters: dict[str, Limiter] = {}
        self._credentials: dict[str, Secret] = {}  # wrapped: vars() of this shows no key
        self.tenant = self.tenant_for(headers, credential, rate_limit)
        if limiter is not None:
            self._limiters[self.tenant.key_id] = limiter

    def key_id(self, credential: str) -> str:
        """A keyed hash of a credential: stable for this client, useless to anyone else."""
        digest = hmac.new(self._salt, credential.encode(), hashlib.sha256).hexdigest()
        return digest[:24]

    def tenant_for(self, headers: Mapping[str, str], credential: str, rate_limit: Any) -> Tenant:
        """The tenant of a credential, its budget claimed (one budget per key, first wins)."""
        key_id = self.key_id(credential)
        known = self._limits.get(key_id, _UNSET)
        if rate_limit is _UNSET:
            rate_limit = known
            if rate_limit is _UNSET:  # another key: the client's budget, for that key
                rate_limit = self._limits.get(self.tenant.key_id, None)
                if isinstance(rate_limit, SharedLimitFactory):
                    rate_limit = rate_limit.for_another_key()
        elif known is not _UNSET and known != rate_limit:
            from qlara._errors import ConfigurationError  # noqa: PLC0415 - rare path

            raise ConfigurationError(
                f"this key already has rate_limit={known!r} on this client, and copies of "
                "one key share one budget; give the same rate_limit or none"
            )
        self._limits[key_id] = rate_limit
        self._credentials[key_id] = Secret(credential)
        return Tenant(dict(headers), key_id, rate_limit)

    def limiter(self, tenant: Tenant) -> Limiter:
        """The rate limiter of ``tenant``'s key, made on first use."""
        limiter = self._limiters.get(tenant.key_id)
        if limiter is None:
            # A budget shared through Redis is named by a stable digest of the key
            # (make_limiter), never by key_id: that one is salted per client.
            credential = self._credentials.get(tenant.key_id) or Secret("")
            limiter = self._limiters[tenant.key_id] = make_limiter(tenant.rate_limit, credential)
        return limiter

    @property
    def limiters(self) -> int:
        """How many keys have a limiter on this connection (the benchmarks read it)."""
        return len(self._limiters)

    def check_usable(self) -> None:
        if self.closed:
            if self.ended_with_loop:
                raise QlaraError(
                    "this client was closed when the event loop that first used it "
                    "ended (its pooled connections belonged to that loop); create one "
                    "client per event loop (or use qlara.Qlara from threads)"
                )
            raise QlaraError("this client is closed; create a new one")
        if self._loop is not None and self._loop is asyncio._get_running_loop():
            return  # the common case, checked without sniffio (None under trio)
        library, loop = _current_loop()
        if self._loop is None:
            self.wire.check_usable(library)
            self._loop = loop
            self._close_with_loop()
        elif loop is not self._loop:
            raise QlaraError(
                "this client was first used in another event loop, and its pooled "
                "connections belong to that loop; create one client per event loop "
                "(or use qlara.Qlara from threads)"
            )

    def _close_with_loop(self) -> None:
        """Have the event loop close this connection when it ends, if nobody did.

        Pooled connections belong to the loop that opened them; once it has
        ended they can no longer be closed, and leak "unclosed" warnings. An
        event loop finalizes the async generators still alive when it ends
        (``asyncio.run`` and ``trio.run`` both do), so a generator started
        here, parked at its ``yield``, closes the pool in time.
        """

        async def watch() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                if self._watch is not None:  # not closed by hand (aclose takes it first)
                    self._watch = None
                    self.ended_with_loop = True
                    await self.aclose()

        self._watch = watch()
        # Run it to its yield (there is no await before it): that registers it with the loop.
        with contextlib.suppress(StopIteration):
            self._watch.asend(None).send(None)

    async def aclose(self) -> None:
        if self.closed:
            return
        loop = self._loop
        elsewhere = loop is not None and _current_loop()[1] is not loop
        if elsewhere and not (isinstance(loop, asyncio.AbstractEventLoop) and loop.is_closed()):
            raise QlaraError(
                "close this client from the event loop that used it: its connections belong there"
            )
        watch, self._watch = self._watch, None
        if watch is not None:
            await watch.aclose()  # closed by hand: the loop need not do it
        self.closed = True
        if elsewhere:
            # That loop ended without finalizing (closed by hand, not by asyncio.run):
            # its connections cannot be closed from here.
            return
        # Every limiter and the pool are closed even when one of them fails
        # (a budget kept in Redis, say); the first failure is raised after.
        failure: Exception | None = None
        try:
            for limiter in list(self._limiters.values()):
                try:
                    await limiter.aclose()
                except Exception as exc:  # noqa: BLE001, PERF203 - raised once all are closed
                    failure = failure or exc
        finally:
            await self.wire.aclose()
        if failure is not None:
            raise failure


_UNSET: Any = type("_Unset", (), {"__repr__": lambda self: "<unset>"})()


def _target(url: str, external: bool) -> str:
    """Where a request went, for errors and logs: host and port, never a query (tokens)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the platform"
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    where = f"{host}:{port}"
    return f"{where}{parts.path}" if external else where


_BEFORE_SENDING = (Failure.CONNECT_TIMEOUT, Failure.POOL_TIMEOUT)


def _failure_word(kind: Failure) -> str:
    """What a failed attempt was, for the log line (a timeout is not a 'connection error')."""
    if kind in _BEFORE_SENDING:
        return "timeout before sending"
    if kind is Failure.READ_TIMEOUT:
        return "timeout waiting for the answer"
    if kind is Failure.CONNECT:
        return "could not connect"
    return "connection failed"


def _detail(exc: BaseException) -> str:
    """``Name: text``, or just the name when the text is empty (a reset often has none)."""
    name = type(exc).__name__
    text = str(exc).strip()
    if not text and exc.__context__ is not None and exc.__context__ is not exc:
        inner = str(exc.__context__).strip()
        text = f"{type(exc.__context__).__name__}: {inner}" if inner else ""
    return f"{name}: {text}" if text else f"{name}, the peer closed or reset the connection"


def _connection_failure(
    kind: Failure, exc: BaseException, where: str
) -> tuple[Safety, APIConnectionError]:
    """Map a wire failure to its retry safety and the error a caller sees."""
    name = type(exc).__name__
    if kind in _BEFORE_SENDING:
        return Safety.SAFE, APITimeoutError(
            f"timed out before the request was sent to {where} ({name})"
        )
    if kind is Failure.READ_TIMEOUT:
        return Safety.AMBIGUOUS, APITimeoutError(
            f"timed out waiting for {where} to answer ({name})"
        )
    if kind is Failure.CONNECT:
        return Safety.SAFE, APIConnectionError(f"could not connect to {where} ({_detail(exc)})")
    if kind is Failure.UNSENDABLE:
        # Not quoted: the library's text may repeat a header value, and a header holds the key.
        return Safety.FINAL, APIConnectionError(
            f"the request to {where} could not be sent ({name})"
        )
    if kind is Failure.UNDECODABLE:
        # An answer arrived, so the request was processed; its body is unreadable.
        return Safety.AMBIGUOUS, APIConnectionError(
            f"the answer from {where} could not be decoded ({name})"
        )
    return Safety.AMBIGUOUS, APIConnectionError(
        f"the connection to {where} failed mid-request ({_detail(exc)})"
    )


def _attempt_failure(
    wire: Wire, exc: BaseException, where: str, message_id: str | None
) -> tuple[Failure, Safety, APIError]:
    """The kind, retry safety and error of an attempt that raised; re-raise what is not ours."""
    if isinstance(exc, LocalFileError):
        raise exc.error from exc.__cause__
    kind = wire.failure(exc)
    if kind is None:
        raise exc
    if kind is Failure.CLOSED:
        # The library's words for a client closed under us (an injected one).
        raise QlaraError(f"the HTTP client cannot send: {exc}") from exc
    safety, failure = _connection_failure(kind, exc, where)
    failure.message_id = message_id
    failure.__cause__ = exc
    return kind, safety, failure


class HttpxWire:
    """The default wire: an ``httpx.AsyncClient`` (ours, or one the caller injected)."""

    def __init__(
        self, client: httpx.AsyncClient, *, owns: bool, default_headers: Mapping[str, str]
    ) -> None:
        self.client = client
        self.owns = owns
        self.default_headers = default_headers
        # Our own pool is made with the client's timeout: a request that keeps
        # it lets httpx use its own copy (a Timeout built per request otherwise).
        self._pool_timeout = client.timeout if owns else None

    def check_usable(self, library: str) -> None:
        """httpx runs on asyncio and trio alike."""

    async def send(
        self, prepared: Prepared, answer: Answer, to: str | os.PathLike[str] | None
    ) -> tuple[WireResponse, str | os.PathLike[str] | None]:
        streaming = answer is Answer.FILE
        with files_scope(prepared) as files:
            outgoing = self._build(prepared, files)
            # Never followed, even by an injected client that would: a redirect to
            # another host would carry the API key there (httpx keeps X-Api-Key).
            response = await self.client.send(outgoing, stream=streaming, follow_redirects=False)
            if not streaming:  # read in full and closed by httpx
                return _answer_of(response, response.content), None
            try:
                if 200 <= response.status_code < 300:
                    saved = await save(response.aiter_bytes(DOWNLOAD_CHUNK), to)
                    return _answer_of(response, b""), saved
                await response.aread()
            finally:
                await response.aclose()
        return _answer_of(response, response.content), None

    def _build(self, prepared: Prepared, files: contextlib.ExitStack | None) -> httpx.Request:
        """The request for one attempt (uploads are opened afresh for each)."""
        multipart = None
        if files is not None:
            multipart = [
                (field, (name, from_here(content), kind))
                for field, (name, content, kind) in opened_files(prepared.files, files)
            ]
        try:
            outgoing = self.client.build_request(
                prepared.method,
                prepared.url,
                content=prepared.content,
                data=prepared.form if multipart is not None or prepared.form else None,
                files=multipart,
                params=prepared.query or None,
                headers=prepared.headers,
                timeout=(
                    httpx.USE_CLIENT_DEFAULT
                    if prepared.timeout == self._pool_timeout
                    else prepared.timeout
                ),
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError("request", f"cannot be built: {type(exc).__name__}") from None
        for name in prepared.drop_headers:
            # Our own pool carries the client's key as a default header: a link to
            # another host, or a copy with other credentials, must not send it.
            outgoing.headers.pop(name, None)
        return outgoing

    def failure(self, exc: BaseException) -> Failure | None:
        if isinstance(exc, RuntimeError):
            return Failure.CLOSED
        if isinstance(exc, httpx.ConnectTimeout):
            return Failure.CONNECT_TIMEOUT
        if isinstance(exc, httpx.PoolTimeout):
            return Failure.POOL_TIMEOUT
        if isinstance(exc, httpx.TimeoutException):
            return Failure.READ_TIMEOUT
        if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
            return Failure.CONNECT
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
            return Failure.UNSENDABLE
        if isinstance(exc, httpx.DecodingError):
            return Failure.UNDECODABLE
        if isinstance(exc, (httpx.HTTPError, OSError)):
            return Failure.BROKEN
        return None

    async def aclose(self) -> None:
        if self.owns:
            await self.client.aclose()


def _answer_of(response: httpx.Response, content: bytes) -> WireResponse:
    return WireResponse(
        response.status_code,
        response.reason_phrase,
        response.headers,
        content,
        response.headers.multi_items,
    )


def _text(response: WireResponse) -> str:
    """The body as text, by its declared charset (UTF-8 when none), never raising."""
    kind = response.headers.get("content-type") or ""
    charset = "utf-8"
    for part in kind.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip('"'):
            charset = value.strip('"')
    try:
        return response.content.decode(charset, "replace")
    except LookupError:  # an unknown or lying charset
        return response.content.decode("utf-8", "replace")


def _plain_headers(response: WireResponse) -> dict[str, str]:
    """Lower-case names, repeated headers joined: the same from every wire."""
    return {name.lower(): value for name, value in Headers(response.items()).items()}


def _error_message(body: Any, text: str) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "error", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return text.strip()[:300]


_JSON_DECODER = json.JSONDecoder()
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _decode(content: bytes) -> Any:
    """JSON, or ``ValueError`` for anything else (nesting deep enough to recurse included).

    UTF-8 is decoded directly; anything else (a BOM, UTF-16) goes through
    ``json.loads``, which detects it.
    """
    if not content:
        return None
    try:
        try:
            text = content.decode()
        except UnicodeDecodeError:
            return json.loads(content)
        if text.startswith("\ufeff"):
            return json.loads(content)
        return _JSON_DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _encode(body: Any) -> bytes:
    try:
        return _JSON_ENCODER.encode(body).encode()
    except (TypeError, ValueError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        raise ValidationError("body", f"cannot be sent as JSON: {exc}") from exc


class HttpCore:
    """One client's view of the pipeline: a shared ``Connection`` plus its own options."""

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: httpx.Timeout,
        max_retries: int,
        retry_policy: RetryPolicy,
        tenant: Tenant | None = None,
    ) -> None:
        self.connection = connection
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_policy = retry_policy
        self.tenant = tenant = tenant or connection.tenant
        self._limiter: Limiter | None = None
        # What this client's requests add to (and take from) the pool's own
        # headers: nothing for the original on our own pool; the other key for
        # a per-tenant copy; everything on a pool without defaults.
        defaults = connection.wire.default_headers
        wanted = tenant.headers
        self._headers = {k: v for k, v in wanted.items() if defaults.get(k) != v}
        self._drop = tuple(
            name.lower()
            for name in defaults
            if name.lower() in AUTH_HEADERS and name.lower() not in {w.lower() for w in wanted}
        )
        self._external_drop = tuple(n.lower() for n in defaults if n.lower() in AUTH_HEADERS)
        # A link elsewhere (a file to download) carries our User-Agent, never a
        # credential, and takes any type of answer.
        identity = {k: v for k, v in wanted.items() if k.lower() not in (*AUTH_HEADERS, "accept")}
        identity["Accept"] = "*/*"
        self._external_headers = {k: v for k, v in identity.items() if defaults.get(k) != v}
        # Built once and shared by every request without extra headers: the
        # wires copy headers into their own structures and never change these.
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._external_json_headers = {
            **self._external_headers,
            "Content-Type": "application/json",
        }

    @property
    def limiter(self) -> Limiter:
        """The rate limiter of this client's key (shared by every copy of that key)."""
        limiter = self._limiter
        if limiter is None:
            limiter = self._limiter = self.connection.limiter(self.tenant)
        return limiter

    def with_options(
        self,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        tenant: Tenant | None = None,
    ) -> HttpCore:
        return HttpCore(
            self.connection,
            timeout=self.timeout if timeout is None else as_timeout(timeout),
            max_retries=self.max_retries if max_retries is None else max_retries,
            retry_policy=retry_policy or self.retry_policy,
            tenant=tenant or self.tenant,
        )

    async def request(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        message_id: str | None = None,
        options: CallOptions = NO_OPTIONS,
    ) -> T:
        """``execute`` of a JSON request given by its parts (the sending path's shortcut)."""
        return await self.execute(
            Request(
                method=method,
                path=path,
                query=tuple(params.items()) if params else (),
                json=body,
                parse=parse,
                message_id=message_id,
                is_send=message_id is not None and method == "POST",
            ),
            options,
        )

    async def execute(self, request: Request[T], options: CallOptions = NO_OPTIONS) -> T:
        """Send one logical request, retrying per the policy, and read its answer.

        Every kind of request a resource describes goes through here: JSON,
        multipart uploads, downloads to bytes or to a file, answers ignored or
        returned raw. A 2xx whose body the request's parser cannot read is a
        ``MalformedResponseError`` (for a send, an ``OutcomeUnknownError``: the
        message may well have landed), whatever the parser raised.
        """
        connection = self.connection
        connection.check_usable()
        wire = connection.wire
        prepared = self._prepare(request, options)
        method = request.method
        idempotent = method in IDEMPOTENT_METHODS
        limiter = None if request.external else self.limiter
        files = request.files
        marks = [upload.mark() for upload in files] if files else []
        where = _target(prepared.url, True) if request.external else connection.where
        retries = 0
        while True:
            if (
                retries
                and files
                and not all(u.rewind(m) for u, m in zip(files, marks, strict=True))
            ):
                raise APIConnectionError(
                    f"{method} {where} failed and its file cannot be rewound to send again",
                    message_id=request.message_id,
                )
            if limiter is not None:
                await limiter.acquire()
            started = time.perf_counter()
            retry_after: float | None = None
            try:
                response, saved = await wire.send(prepared, request.answer, request.to)
            except BaseException as exc:  # noqa: BLE001 - re-raised unless it is ours
                # It ended (failed or cancelled): its budget slot is free again.
                if limiter is not None:
                    limiter.finished()
                kind, safety, error = _attempt_failure(wire, exc, where, request.message_id)
                outcome = _failure_word(kind)
                status: int | None = None
            else:
                status = response.status_code
                outcome = str(status)
                if limiter is not None:
                    limiter.observe(response.headers)
                if 200 <= status < 300:
                    if log.isEnabledFor(logging.DEBUG):
                        self._log(method, prepared.log_path, outcome, started, retries)
                    if request.answer is Answer.FILE:
                        return saved  # type: ignore[return-value]
                    return self._read(request, response)
                safety = classify_status(status)
                error, retry_after = self._status_error(response, request.message_id)
            decision = decide(
                safety,
                idempotent=idempotent,
                retries_done=retries,
                max_retries=self.max_retries,
                policy=self.retry_policy,
                retry_after=retry_after,
                jitter=random.random(),  # noqa: S311 - jitter, not cryptography
            )
            retrying = decision.action is Action.RETRY
            self._log(
                method,
                prepared.log_path,
                outcome,
                started,
                retries,
                retry_in=decision.delay if retrying else None,
            )
            if retrying:
                if limiter is not None and status == 429:
                    # Everyone waits, so a batch does not stampede. A wait too long
                    # to retry is not imposed on other calls: they raise on their own.
                    limiter.pause(decision.delay)
                retries += 1
                await anyio.sleep(decision.delay)
                continue
            if decision.action is Action.FAIL_UNKNOWN:
                raise OutcomeUnknownError(
                    f"the outcome of {method} {prepared.log_path} is unknown, so it was not "
                    f"repeated: {error}",
                    message_id=request.message_id,
                    cause=error,
                ) from error
            raise error

    def _prepare(self, request: Request[Any], options: CallOptions) -> Prepared:
        """Everything that is the same on every attempt, checked once, before sending."""
        connection = self.connection
        body = request.json
        query = request.query
        form = request.form
        extra = options.extra_body
        if extra:
            if not isinstance(extra, Mapping):
                raise ValidationError("extra_body", "must be a mapping of field names to values")
            if request.files or form is not None:
                form = {**(form or {}), **dict(extra_query(extra))}
            elif body is None and request.method in BODYLESS_METHODS:
                query = query + extra_query(extra)
            elif body is None or isinstance(body, Mapping):
                body = {**(body or {}), **extra}
            else:
                raise ValidationError("extra_body", "can only be merged into a JSON object body")
        external = request.external
        if body is None:
            headers = self._external_headers if external else self._headers
        else:
            headers = self._external_json_headers if external else self._json_headers
        if options.extra_headers:
            check_extra_headers(options.extra_headers)
            headers = {**headers, **options.extra_headers}
        if external:
            url = encode_link(request.path)  # one wire would quote it, another send it raw
        else:
            if not request.path.startswith("/"):
                raise ValidationError("path", f"must start with '/', got {request.path!r}")
            url = connection.base_url + request.path
        return Prepared(
            method=request.method,
            url=url,
            log_path=request.shown_path
            or (request.path if not request.external else _target(url, True)),
            query=query,
            content=None if body is None else _encode(body),
            form=form,
            files=request.files,
            headers=headers,
            timeout=self.timeout if options.timeout is None else as_timeout(options.timeout),
            drop_headers=self._external_drop if request.external else self._drop,
        )

    @staticmethod
    def _read(request: Request[T], response: WireResponse) -> T:
        answer = request.answer
        if answer is Answer.NOTHING:
            return None  # type: ignore[return-value]
        if answer is Answer.BYTES:
            return response.content  # type: ignore[return-value]
        if answer is Answer.RAW:
            return RawResponse(  # type: ignore[return-value]
                response.status_code, Headers(response.items()), response.content
            )
        parse = request.parse
        decoded = False
        try:
            data = _decode(response.content)
            decoded = True
            if request.read is not None:
                return request.read(data, Headers(response.items()))
            return data if parse is None else parse(data)
        except Exception as exc:  # a parser's every failure means the same thing
            what = f"{request.what} answer" if request.what else "answer"
            if not decoded:
                problem = (
                    f"the platform answered {response.status_code} with a body that is not JSON"
                )
            elif isinstance(exc, MalformedResponseError):
                problem = str(exc)
            else:
                problem = f"malformed {what}: {type(exc).__name__}: {exc}"
            malformed = MalformedResponseError(
                problem,
                status_code=response.status_code,
                body=response.content,
                message_id=request.message_id,
            )
            malformed.__cause__ = exc
            if request.is_send:
                raise OutcomeUnknownError(
                    f"the platform answered {response.status_code} but its verdict cannot be "
                    f"read, so the message may have landed: {problem}",
                    message_id=request.message_id,
                    cause=malformed,
                ) from malformed
            raise malformed from exc

    @staticmethod
    def _status_error(
        response: WireResponse, message_id: str | None
    ) -> tuple[APIError, float | None]:
        """The typed error, and the wait the platform asked for (429 and 503)."""
        text = _text(response)
        try:
            body: Any = _decode(response.content)
        except ValueError:
            body = text
        retry_after = None
        if response.status_code in (429, 503):
            hint = body.get("retryAfter") if isinstance(body, Mapping) else None
            retry_after = parse_retry_after(response.headers.get("retry-after"), hint)
        error = status_error(
            response.status_code,
            _error_message(body, text) or response.reason_phrase,
            body=body,
            headers=_plain_headers(response),
            message_id=message_id,
            retry_after=retry_after,
        )
        return error, retry_after

    @staticmethod
    def _log(
        method: str,
        path: str,
        outcome: str,
        started: float,
        retries: int,
        *,
        retry_in: float | None = None,
    ) -> None:
        # One line per attempt; never headers, bodies or query strings (they hold
        # keys, texts and phone numbers).
        if log.isEnabledFor(logging.DEBUG):
            elapsed_ms = (time.perf_counter() - started) * 1000
            then = f"; retrying in {retry_in:.2f} s" if retry_in is not None else ""
            log.debug(
                "%s %s -> %s in %.1f ms (attempt %d)%s",
                method,
                path,
                outcome,
                elapsed_ms,
                retries + 1,
                then,
                extra={
                    "qlara.method": method,
                    "qlara.path": path,
                    "qlara.status": int(outcome) if outcome.isdigit() else None,
                    "qlara.outcome": outcome,
                    "qlara.attempt": retries + 1,
                    "qlara.elapsed_ms": round(elapsed_ms, 1),
                    "qlara.retry_in": retry_in,
                },
            )
