"""The wire interface: what the pipeline (``qlara/_http.py``) asks of an HTTP library.

The pipeline prepares a request once (``Prepared``), and a *wire* carries it
out for one attempt and hands back a ``WireResponse``, or raises its library's
exception, which the same wire classifies as one ``Failure`` kind. Retries,
the ambiguity rule, typed errors, logs and answer parsing all stay in the
pipeline, so the two wires (httpx in ``_http.py``, aiohttp in ``_aiohttp.py``)
cannot drift apart in behaviour. This module imports neither library.
"""

from __future__ import annotations

import contextlib
import enum
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Protocol

from qlara._errors import QlaraError, ValidationError
from qlara._request import Answer
from qlara._upload import Upload

__all__ = [
    "DOWNLOAD_CHUNK",
    "Failure",
    "LocalFileError",
    "Prepared",
    "Wire",
    "WireResponse",
    "files_scope",
    "opened_files",
    "save",
]

DOWNLOAD_CHUNK = 64 * 1024


class Failure(enum.Enum):
    """What went wrong on the wire, whatever the library called it."""

    CONNECT_TIMEOUT = "connect timeout"  # no connection in time: nothing was sent
    POOL_TIMEOUT = "pool timeout"  # no free connection in time: nothing was sent
    READ_TIMEOUT = "read timeout"  # sent (or being sent), no answer in time
    CONNECT = "connect"  # the connection could not be made: nothing was sent
    UNSENDABLE = "unsendable"  # refused locally before sending (bad URL, bad header)
    UNDECODABLE = "undecodable"  # an answer came but its encoding is broken
    BROKEN = "broken"  # the connection broke mid-request
    CLOSED = "closed"  # the HTTP client was closed under us


class WireResponse:
    """One answer, read in full (or streamed to a file, then ``content`` is empty).

    ``headers`` reads case-insensitively (the library's own mapping, not
    copied: most answers only have a header or two looked at); ``items()``
    gives every header as sent, repeated ones included.
    """

    __slots__ = ("content", "headers", "items", "reason_phrase", "status_code")

    def __init__(
        self,
        status_code: int,
        reason_phrase: str,
        headers: Mapping[str, str],
        content: bytes,
        items: Callable[[], Iterable[tuple[str, str]]],
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content
        self.items = items


class Prepared:
    """Everything about a request that is the same on every attempt, checked once.

    ``headers`` are what this request must carry besides the pool's own
    defaults (``Wire.default_headers``); the pipeline shares one such mapping
    among all the requests of a client, so a wire reads it and never changes
    it. ``drop_headers`` (lower case) are
    pool defaults this request must not carry: another key's header on a
    per-tenant copy, or every credential on a link to another host.
    ``timeout`` is an ``httpx.Timeout``, read by attribute (``connect``,
    ``read``, ``write``, ``pool``). A plain slotted class: one is made per
    request, and that is measurably cheaper than a frozen attrs class.
    """

    __slots__ = (
        "content",
        "drop_headers",
        "files",
        "form",
        "headers",
        "log_path",
        "method",
        "query",
        "timeout",
        "url",
    )

    def __init__(
        self,
        *,
        method: str,
        url: str,
        log_path: str,
        query: tuple[tuple[str, str], ...],
        content: bytes | None,
        form: Mapping[str, str] | None,
        files: tuple[Upload, ...],
        headers: Mapping[str, str],
        drop_headers: tuple[str, ...],
        timeout: Any,
    ) -> None:
        self.method = method
        self.url = url
        self.log_path = log_path
        self.query = query
        self.content = content
        self.form = form
        self.files = files
        self.headers = headers
        self.drop_headers = drop_headers
        self.timeout = timeout


class Wire(Protocol):
    """One HTTP library behind the pipeline, owning its pool."""

    #: Headers the pool itself puts on every request (our own httpx pool: the
    #: client's credentials and identity; otherwise none).
    default_headers: Mapping[str, str]
    #: Whether closing the client closes this pool (not an injected httpx client).
    owns: bool

    def check_usable(self, library: str) -> None:
        """Raise ``ConfigurationError`` when this wire cannot run under ``library``."""

    async def send(
        self, prepared: Prepared, answer: Answer, to: str | os.PathLike[str] | None
    ) -> tuple[WireResponse, str | os.PathLike[str] | None]:
        """One attempt: the answer read in full, or (a 2xx ``Answer.FILE``) saved to ``to``."""

    def failure(self, exc: BaseException) -> Failure | None:
        """The kind of a failure this wire's library raised; ``None`` when it is not one."""

    async def aclose(self) -> None:
        """Close the pool (when the SDK owns it)."""


class LocalFileError(Exception):
    """A file to upload or a download target failed on our side: no retry, its own error."""

    def __init__(self, error: QlaraError) -> None:
        super().__init__(str(error))
        self.error = error


_NO_FILES: contextlib.nullcontext[None] = contextlib.nullcontext()


def files_scope(
    prepared: Prepared,
) -> contextlib.ExitStack | contextlib.nullcontext[None]:
    """Where one attempt's uploads are opened and closed: nothing to hold for most requests."""
    return contextlib.ExitStack() if prepared.files else _NO_FILES


def opened_files(
    files: Iterable[Upload], stack: contextlib.ExitStack
) -> list[tuple[str, tuple[str, Any, str]]]:
    """``(field, (filename, content, content_type))`` for one attempt, opened afresh."""
    try:
        return [(u.field, stack.enter_context(u.opened())) for u in files]
    except OSError as exc:
        raise LocalFileError(
            ValidationError("file", f"cannot be read: {exc.strerror or exc}")
        ) from exc


async def save(
    chunks: AsyncIterator[bytes], to: str | os.PathLike[str] | None
) -> str | os.PathLike[str]:
    """Stream a download to ``to``: into a temporary file beside it, renamed when complete.

    A download cut off midway never leaves a truncated file under the
    caller's name.
    """
    if to is None:
        raise LocalFileError(ValidationError("to", "a path is needed to save a download"))
    target = os.fspath(to)
    folder = os.path.dirname(os.path.abspath(target))  # noqa: ASYNC240 - no I/O, string work
    try:
        handle, partial = tempfile.mkstemp(prefix=".qlara-", suffix=".part", dir=folder)
    except OSError as exc:
        raise LocalFileError(
            ValidationError("to", f"cannot write into {folder!r}: {exc.strerror or exc}")
        ) from exc
    try:
        with os.fdopen(handle, "wb") as file:
            async for chunk in chunks:
                try:
                    file.write(chunk)
                except OSError as exc:
                    raise LocalFileError(
                        ValidationError("to", f"cannot be written: {exc.strerror or exc}")
                    ) from exc
        try:
            os.replace(partial, target)
        except OSError as exc:  # a folder, or a file we may not replace, under that name
            raise LocalFileError(
                ValidationError("to", f"cannot be written: {exc.strerror or exc}")
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return to  # as the caller gave it (a str or a Path)
