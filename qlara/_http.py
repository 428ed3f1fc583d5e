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
import contextlib
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union
from urllib.parse import urlsplit

import anyio
import attrs
import httpx
import sniffio

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
from qlara._limiter import Limiter
from qlara._raw import Headers, RawResponse
from qlara._request import Answer, Request, extra_query
from qlara._retry import Action, RetryPolicy, Safety, classify_status, decide, parse_retry_after
from qlara._upload import Upload

__all__ = ["NO_OPTIONS", "CallOptions", "Connection", "HttpCore", "TimeoutTypes", "as_timeout"]

log = logging.getLogger(__name__)

T = TypeVar("T")

TimeoutTypes = Union[float, httpx.Timeout, None]  # noqa: UP007
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
AUTH_HEADERS = ("x-api-key", "authorization")
DOWNLOAD_CHUNK = 64 * 1024


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
        self.headers: dict[str, str] = dict(headers)
        self.limiter = limiter
        self.closed: bool = False
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


def _failure_word(exc: BaseException) -> str:
    """What a failed attempt was, for the log line (a timeout is not a 'connection error')."""
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return "timeout before sending"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout waiting for the answer"
    if isinstance(exc, httpx.ConnectError):
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


def _connection_failure(exc: Exception, where: str) -> tuple[Safety, APIConnectionError]:
    """Map an httpx failure to its retry safety and the error a caller sees."""
    name = type(exc).__name__
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Safety.SAFE, APITimeoutError(
            f"timed out before the request was sent to {where} ({name})"
        )
    if isinstance(exc, httpx.TimeoutException):
        return Safety.AMBIGUOUS, APITimeoutError(
            f"timed out waiting for {where} to answer ({name})"
        )
    if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
        return Safety.SAFE, APIConnectionError(f"could not connect to {where} ({_detail(exc)})")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        # Not quoted: httpx's text may repeat a header value, and a header holds the key.
        return Safety.FINAL, APIConnectionError(
            f"the request to {where} could not be sent ({name})"
        )
    if isinstance(exc, httpx.DecodingError):
        # An answer arrived, so the request was processed; its body is unreadable.
        return Safety.AMBIGUOUS, APIConnectionError(
            f"the answer from {where} could not be decoded ({name})"
        )
    return Safety.AMBIGUOUS, APIConnectionError(
        f"the connection to {where} failed mid-request ({_detail(exc)})"
    )


def _attempt_failure(
    exc: BaseException, where: str, message_id: str | None
) -> tuple[Safety, APIError]:
    """The retry safety and error of an attempt that raised, or re-raise what is not ours."""
    if isinstance(exc, _LocalFileError):
        raise exc.error from exc.__cause__
    if isinstance(exc, RuntimeError):
        # httpx's words for a client closed under us (an injected one).
        raise QlaraError(f"the HTTP client cannot send: {exc}") from exc
    if not isinstance(exc, (httpx.HTTPError, OSError)):
        raise exc
    safety, failure = _connection_failure(exc, where)
    failure.message_id = message_id
    failure.__cause__ = exc
    return safety, failure


class _LocalFileError(Exception):
    """A file to upload or a download target failed on our side: no retry, its own error."""

    def __init__(self, error: QlaraError) -> None:
        super().__init__(str(error))
        self.error = error


@attrs.frozen(kw_only=True)
class _Prepared:
    method: str
    url: str
    log_path: str
    query: tuple[tuple[str, str], ...]
    content: bytes | None
    form: Mapping[str, str] | None
    files: tuple[Upload, ...]
    headers: Mapping[str, str]
    timeout: httpx.Timeout
    strip_auth: bool


async def _save(
    response: httpx.Response, to: str | os.PathLike[str] | None
) -> str | os.PathLike[str]:
    """Stream a download to ``to``: into a temporary file beside it, renamed when complete.

    A download cut off midway never leaves a truncated file under the
    caller's name.
    """
    if to is None:
        raise _LocalFileError(ValidationError("to", "a path is needed to save a download"))
    target = os.fspath(to)
    folder = os.path.dirname(os.path.abspath(target))  # noqa: ASYNC240 - no I/O, string work
    try:
        handle, partial = tempfile.mkstemp(prefix=".qlara-", suffix=".part", dir=folder)
    except OSError as exc:
        raise _LocalFileError(
            ValidationError("to", f"cannot write into {folder!r}: {exc.strerror or exc}")
        ) from exc
    try:
        with os.fdopen(handle, "wb") as file:
            async for chunk in response.aiter_bytes(DOWNLOAD_CHUNK):
                try:
                    file.write(chunk)
                except OSError as exc:
                    raise _LocalFileError(
                        ValidationError("to", f"cannot be written: {exc.strerror or exc}")
                    ) from exc
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return to  # as the caller gave it (a str or a Path)


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
        prepared = self._prepare(request, options)
        method = request.method
        idempotent = method in IDEMPOTENT_METHODS
        limiter = None if request.external else connection.limiter
        marks = [upload.mark() for upload in request.files]
        where = _target(prepared.url, request.external)
        retries = 0
        while True:
            if retries and not all(u.rewind(m) for u, m in zip(request.files, marks, strict=True)):
                raise APIConnectionError(
                    f"{method} {where} failed and its file cannot be rewound to send again",
                    message_id=request.message_id,
                )
            if limiter is not None:
                await limiter.acquire()
            started = time.perf_counter()
            retry_after: float | None = None
            try:
                response, saved = await self._attempt(prepared, request.answer, request.to)
            except BaseException as exc:  # noqa: BLE001 - re-raised unless it is ours
                # It ended (failed or cancelled): its budget slot is free again.
                if limiter is not None:
                    limiter.finished()
                safety, error = _attempt_failure(exc, where, request.message_id)
                outcome = _failure_word(exc)
                status: int | None = None
            else:
                status = response.status_code
                outcome = str(status)
                if limiter is not None:
                    limiter.observe(response.headers)
                if 200 <= status < 300:
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

    async def _attempt(
        self, prepared: _Prepared, answer: Answer, to: str | os.PathLike[str] | None
    ) -> tuple[httpx.Response, str | os.PathLike[str] | None]:
        """One attempt on the wire: the answer read in full, or streamed to ``to``."""
        with contextlib.ExitStack() as files:
            outgoing = self._build(prepared, files)
            # Never followed, even by an injected client that would: a redirect to
            # another host would carry the API key there (httpx keeps X-Api-Key).
            response = await self.connection.http_client.send(
                outgoing, stream=answer is Answer.FILE, follow_redirects=False
            )
            try:
                if answer is Answer.FILE and 200 <= response.status_code < 300:
                    return response, await _save(response, to)
                await response.aread()
            finally:
                await response.aclose()
        return response, None

    def _prepare(self, request: Request[Any], options: CallOptions) -> _Prepared:
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
        headers: dict[str, str] = {}
        if not request.external:
            headers.update(connection.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if options.extra_headers:
            check_extra_headers(options.extra_headers)
            headers.update(options.extra_headers)
        if request.external:
            url = request.path
        else:
            if not request.path.startswith("/"):
                raise ValidationError("path", f"must start with '/', got {request.path!r}")
            url = connection.base_url + request.path
        return _Prepared(
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
            strip_auth=request.external and connection.owns_client,
        )

    def _build(self, prepared: _Prepared, files: contextlib.ExitStack) -> httpx.Request:
        """The request for one attempt (uploads are opened afresh for each)."""
        multipart = None
        if prepared.files:
            try:
                multipart = [(u.field, files.enter_context(u.opened())) for u in prepared.files]
            except OSError as exc:
                raise _LocalFileError(
                    ValidationError("file", f"cannot be read: {exc.strerror or exc}")
                ) from exc
        try:
            outgoing = self.connection.http_client.build_request(
                prepared.method,
                prepared.url,
                content=prepared.content,
                data=prepared.form if multipart is not None or prepared.form else None,
                files=multipart,
                params=prepared.query or None,
                headers=prepared.headers,
                timeout=prepared.timeout,
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError("request", f"cannot be built: {type(exc).__name__}") from None
        if prepared.strip_auth:
            # Our own pool carries the key as a default header; a link to another
            # host (a time-limited download URL) must never receive it.
            for name in AUTH_HEADERS:
                outgoing.headers.pop(name, None)
        return outgoing

    @staticmethod
    def _read(request: Request[T], response: httpx.Response) -> T:
        answer = request.answer
        if answer is Answer.NOTHING:
            return None  # type: ignore[return-value]
        if answer is Answer.BYTES:
            return response.content  # type: ignore[return-value]
        if answer is Answer.RAW:
            return RawResponse(  # type: ignore[return-value]
                response.status_code, Headers(response.headers.multi_items()), response.content
            )
        parse = request.parse
        decoded = False
        try:
            data = _decode(response.content)
            decoded = True
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
