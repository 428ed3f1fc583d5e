"""The transport core: one pipeline for every request the SDK makes.

A resource describes a request (method, path, JSON body, what to parse the
answer into) and hands it here. This module owns everything that touches the
wire: absolute URLs from the SDK's own base URL, auth and User-Agent headers,
the rate limiter, retries, JSON in and out, and turning every failure into a
``QlaraError``. It is the only module that imports httpx (besides the client
constructor), so the HTTP library can be swapped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union

import anyio
import attrs
import httpx
import sniffio

from qlara._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    MalformedResponseError,
    OutcomeUnknownError,
    QlaraError,
    ValidationError,
    status_error,
)
from qlara._limiter import Limiter
from qlara._retry import Action, RetryPolicy, Safety, classify_status, decide, parse_retry_after

__all__ = ["CallOptions", "Connection", "HttpCore", "TimeoutTypes", "as_timeout"]

log = logging.getLogger(__name__)

T = TypeVar("T")

TimeoutTypes = Union[float, httpx.Timeout, None]  # noqa: UP007
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def as_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """Seconds (or ``None``, no limit) as an ``httpx.Timeout``; anything else is refused."""
    if isinstance(value, httpx.Timeout):
        return value
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0
    ):
        raise ValidationError("timeout", f"must be seconds >= 0 or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(value)


def _check_extra_headers(headers: Mapping[str, str]) -> None:
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


def _current_loop() -> object:
    library = sniffio.current_async_library()
    if library == "asyncio":
        return asyncio.get_running_loop()
    if library == "trio":
        import trio  # noqa: PLC0415 - only present when the caller runs trio

        return trio.lowlevel.current_trio_token()
    return library


class Connection:
    """What a client and its ``with_options`` copies share: pool, limiter, headers.

    It also binds to the first event loop that uses it: httpx's pooled
    connections belong to that loop, and reusing them from another one fails
    deep inside httpcore with an obscure message. We fail early, and clearly.
    """

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient,
        owns_client: bool,
        base_url: str,
        headers: Mapping[str, str],
        limiter: Limiter,
    ) -> None:
        self.http_client = http_client
        self.owns_client = owns_client
        self.base_url = base_url
        self.headers = dict(headers)
        self.limiter = limiter
        self.closed = False
        self._loop: object | None = None

    def check_usable(self) -> None:
        if self.closed:
            raise QlaraError("this client is closed; create a new one")
        loop = _current_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise QlaraError(
                "this client was first used in another event loop, and its pooled "
                "connections belong to that loop; create one client per event loop "
                "(or use qlara.Qlara from threads)"
            )

    async def aclose(self) -> None:
        if self.closed:
            return
        loop = self._loop
        if loop is not None and _current_loop() is not loop:
            if not (isinstance(loop, asyncio.AbstractEventLoop) and loop.is_closed()):
                raise QlaraError(
                    "close this client from the event loop that used it: "
                    "its connections belong there"
                )
            # That loop is gone, and its connections with it: nothing is left to close.
            self.closed = True
            return
        self.closed = True
        await self.limiter.aclose()
        if self.owns_client:
            await self.http_client.aclose()


def _connection_failure(exc: Exception) -> tuple[Safety, APIConnectionError]:
    """Map an httpx failure to its retry safety and the error a caller sees."""
    name = type(exc).__name__
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Safety.SAFE, APITimeoutError(f"timed out before the request was sent ({name})")
    if isinstance(exc, httpx.TimeoutException):
        return Safety.AMBIGUOUS, APITimeoutError(f"timed out waiting for the platform ({name})")
    if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
        return Safety.SAFE, APIConnectionError(f"could not connect to the platform ({name}: {exc})")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        # Not quoted: httpx's text may repeat a header value, and a header holds the key.
        return Safety.FINAL, APIConnectionError(f"the request could not be sent ({name})")
    if isinstance(exc, httpx.DecodingError):
        # An answer arrived, so the request was processed; its body is unreadable.
        return Safety.AMBIGUOUS, APIConnectionError(f"the answer could not be decoded ({name})")
    return Safety.AMBIGUOUS, APIConnectionError(
        f"the connection failed mid-request ({name}: {exc})"
    )


def _error_message(body: Any, text: str) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "error", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return text.strip()[:300]


def _decode(content: bytes) -> Any:
    """JSON, or ``ValueError`` for anything else (nesting deep enough to recurse included)."""
    try:
        return json.loads(content) if content else None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _encode(body: Any) -> bytes:
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
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
    ) -> None:
        self.connection = connection
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_policy = retry_policy

    def with_options(
        self,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> HttpCore:
        return HttpCore(
            self.connection,
            timeout=self.timeout if timeout is None else as_timeout(timeout),
            max_retries=self.max_retries if max_retries is None else max_retries,
            retry_policy=retry_policy or self.retry_policy,
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
        """Send one logical request, retrying per the policy, and parse its answer.

        Args:
            method: the HTTP method; GET, PUT and DELETE count as idempotent.
            path: the path under the base URL, starting with ``/``.
            parse: turns the decoded JSON of a 2xx answer into the result.
            body: JSON-ready data; ``options.extra_body`` is merged over it.
            params: query parameters.
            message_id: the send's ``messageId``, put on every error.
            options: per-call timeout, extra headers and extra body fields.
        """
        connection = self.connection
        connection.check_usable()
        request = self._build(method, path, body, params, options)
        idempotent = method in IDEMPOTENT_METHODS
        retries = 0
        while True:
            await connection.limiter.acquire()
            started = time.perf_counter()
            retry_after: float | None = None
            try:
                response = await connection.http_client.send(request)
            except BaseException as exc:
                # It ended (failed or cancelled): its budget slot is free again.
                connection.limiter.finished()
                if isinstance(exc, RuntimeError):
                    # httpx's words for a client closed under us (an injected one).
                    raise QlaraError(f"the HTTP client cannot send: {exc}") from exc
                if not isinstance(exc, (httpx.HTTPError, OSError)):
                    raise
                safety, failure = _connection_failure(exc)
                failure.message_id = message_id
                failure.__cause__ = exc
                error: APIError = failure
                self._log(method, path, None, started, retries)
            else:
                status = response.status_code
                self._log(method, path, status, started, retries)
                connection.limiter.observe(response.headers)
                if 200 <= status < 300:
                    return self._parse(response, parse, message_id)
                safety = classify_status(status)
                error, retry_after = self._status_error(response, message_id)
            decision = decide(
                safety,
                idempotent=idempotent,
                retries_done=retries,
                max_retries=self.max_retries,
                policy=self.retry_policy,
                retry_after=retry_after,
                jitter=random.random(),  # noqa: S311 - jitter, not cryptography
            )
            if decision.action is Action.RETRY:
                if isinstance(error, APIStatusError) and error.status_code == 429:
                    # Everyone waits, so a batch does not stampede. A wait too long
                    # to retry is not imposed on other calls: they raise on their own.
                    connection.limiter.pause(decision.delay)
                retries += 1
                await anyio.sleep(decision.delay)
                continue
            if decision.action is Action.FAIL_UNKNOWN:
                raise OutcomeUnknownError(
                    f"the outcome of {method} {path} is unknown, so it was not repeated: {error}",
                    message_id=message_id,
                    cause=error,
                ) from error
            raise error

    def _build(
        self,
        method: str,
        path: str,
        body: Any,
        params: Mapping[str, str] | None,
        options: CallOptions,
    ) -> httpx.Request:
        """The request as it goes out on every attempt, or ``ValidationError``."""
        connection = self.connection
        if options.extra_body:
            if not isinstance(options.extra_body, Mapping):
                raise ValidationError("extra_body", "must be a mapping of field names to values")
            if not isinstance(body, Mapping):
                raise ValidationError("extra_body", "can only be merged into a JSON object body")
            body = {**body, **options.extra_body}
        headers = connection.headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        if options.extra_headers:
            _check_extra_headers(options.extra_headers)
            headers = {**headers, **options.extra_headers}
        content = None if body is None else _encode(body)
        timeout = self.timeout if options.timeout is None else as_timeout(options.timeout)
        try:
            return connection.http_client.build_request(
                method,
                connection.base_url + path,
                content=content,
                params=params,
                headers=headers,
                timeout=timeout,
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError("request", f"cannot be built: {type(exc).__name__}") from None

    @staticmethod
    def _parse(response: httpx.Response, parse: Callable[[Any], T], message_id: str | None) -> T:
        try:
            data = _decode(response.content)
        except ValueError as exc:
            raise MalformedResponseError(
                f"the platform answered {response.status_code} with a body that is not JSON",
                status_code=response.status_code,
                body=response.content,
                message_id=message_id,
            ) from exc
        try:
            return parse(data)
        except MalformedResponseError as exc:
            exc.status_code = response.status_code
            exc.body = response.content[:2048]
            exc.message_id = message_id
            raise

    @staticmethod
    def _status_error(
        response: httpx.Response, message_id: str | None
    ) -> tuple[APIError, float | None]:
        """The typed error, and the wait the platform asked for (429 and 503)."""
        try:
            text = response.text
        except (LookupError, ValueError):  # an unknown or lying charset
            text = response.content.decode("utf-8", "replace")
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
            headers=response.headers,
            message_id=message_id,
            retry_after=retry_after,
        )
        return error, retry_after

    @staticmethod
    def _log(method: str, path: str, status: int | None, started: float, retries: int) -> None:
        # One line per attempt; never headers, bodies or query strings (they hold
        # keys, texts and phone numbers).
        if log.isEnabledFor(logging.DEBUG):
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.debug(
                "%s %s -> %s in %.1f ms (attempt %d)",
                method,
                path,
                status if status is not None else "connection error",
                elapsed_ms,
                retries + 1,
                extra={
                    "qlara.method": method,
                    "qlara.path": path,
                    "qlara.status": status,
                    "qlara.attempt": retries + 1,
                    "qlara.elapsed_ms": round(elapsed_ms, 1),
                },
            )
