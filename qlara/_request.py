"""What a resource hands to the pipeline: a request description, built from a ``Route``.

A resource never formats a URL or a query string itself. It names a route
(``Route("/partner-gateway/v1/contacts")``), fills its ``{placeholders}`` (each
value percent-encoded on its own, so an id holding ``/`` or ``..`` stays one
path segment) and gives the query as Python values; this module encodes them
the one way the platform reads them: ints as digits, bools as ``true``/``false``,
lists as comma-separated values, aware datetimes in ISO 8601 with their offset,
enums by value. ``None`` means "not sent". Every refusal is a ``ValidationError``
naming the argument, raised before anything goes on the wire.
"""

from __future__ import annotations

import enum
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import attrs

from qlara._errors import ValidationError
from qlara._models._validate import show
from qlara._raw import Headers
from qlara._upload import Upload

__all__ = [
    "Answer",
    "Request",
    "Route",
    "encode_query",
    "query_value",
]

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Python refuses str() of ints past 4300 digits; no platform field is that long.
_MAX_DIGITS = 64


class Answer(enum.Enum):
    """What the caller wants from a 2xx answer."""

    JSON = "json"  # the decoded JSON, through the request's parse function
    BYTES = "bytes"  # the body as bytes
    FILE = "file"  # the body streamed to a path, which is returned
    NOTHING = "nothing"  # the body is ignored; None is returned
    RAW = "raw"  # a qlara.RawResponse (the escape hatch)


@attrs.define(kw_only=True)
class Request(Generic[T]):
    """One logical request, executed (and retried) by ``HttpCore.execute``.

    Never changed once made (``attrs.evolve`` makes a variant); not frozen,
    because one is made per request and a frozen class costs twice as much
    to build.

    Attributes:
        method: the HTTP method; GET, HEAD, PUT and DELETE count as idempotent.
        path: the quoted path under the base URL, or an absolute URL when ``external``.
        query: encoded query pairs, in order.
        json: a JSON-ready body, or ``None`` for none.
        form: multipart form fields (with ``files``) as strings.
        files: uploads sent as multipart parts.
        answer: what to return for a 2xx.
        parse: for ``Answer.JSON``, turns the decoded JSON into the result.
        read: for ``Answer.JSON`` instead of ``parse``, turns the decoded JSON
            (``None`` for an empty body) and the answer's headers into the
            result: a create's ``Location`` names what it made.
        to: for ``Answer.FILE``, where the body is written.
        message_id: the send's ``messageId``, put on every error.
        is_send: a message send: a 2xx whose verdict cannot be read is an
            ``OutcomeUnknownError`` (the message may have landed), not a
            ``MalformedResponseError``.
        external: an absolute URL elsewhere (a time-limited download link):
            no API key, no rate limit, never retried past the policy's rules.
        what: names the answer in errors ("contact", "campaign page").
        shown_path: the path as logs show it, when ``path`` holds a secret
            (``/authentication/{value}`` looks a key up by its value).
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    json: Any = None
    form: Mapping[str, str] | None = None
    files: tuple[Upload, ...] = ()
    answer: Answer = Answer.JSON
    parse: Callable[[Any], T] | None = None
    read: Callable[[Any, Headers], T] | None = None
    to: str | os.PathLike[str] | None = None
    message_id: str | None = None
    is_send: bool = False
    external: bool = False
    what: str | None = None
    shown_path: str | None = None


def _path_value(name: str, value: object) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(name, f"must be a string or an integer id, got {show(value)}")
    if isinstance(value, int):
        return _integer(name, value)
    if not value.strip():
        raise ValidationError(name, "must be a non-empty id")
    if value in (".", ".."):
        # A dot segment: HTTP clients resolve it, so the request would reach the parent path.
        raise ValidationError(name, f"must be an id, not the path segment {value!r}")
    return value


def _quote(text: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415 - cheap, and only here

    return quote(text, safe="")


@attrs.frozen
class Route:
    """A path template under the base URL: ``Route("/partner-gateway/v1/contacts")``.

    ``route.at("{id}/contacts", id=7)`` is ``/partner-gateway/v1/contacts/7/contacts``;
    every placeholder's value is checked (a non-empty string or an int) and
    percent-encoded as one segment.
    """

    base: str

    def at(self, template: str = "", /, **params: object) -> str:
        """The quoted path of ``template`` (relative to this route) with ``params`` filled."""
        path = self.base if not template else f"{self.base.rstrip('/')}/{template.lstrip('/')}"
        used = set()

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in params:
                raise KeyError(name)  # a programming error in a resource, not user input
            used.add(name)
            return _quote(_path_value(name, params[name]))

        filled = _PLACEHOLDER.sub(fill, path)
        unused = set(params) - used
        if unused:
            raise KeyError(", ".join(sorted(unused)))
        return filled

    def request(
        self,
        method: str,
        template: str = "",
        /,
        *,
        query: Mapping[str, object] | None = None,
        json: Any = None,
        form: Mapping[str, object] | None = None,
        files: Iterable[Upload] = (),
        answer: Answer = Answer.JSON,
        parse: Callable[[Any], T] | None = None,
        read: Callable[[Any, Headers], T] | None = None,
        to: str | os.PathLike[str] | None = None,
        what: str | None = None,
        **params: object,
    ) -> Request[T]:
        """A request description for ``method`` on this route."""
        return Request(
            method=method,
            path=self.at(template, **params),
            query=encode_query(query or {}),
            json=json,
            form=encode_form(form, field="form") if form is not None else None,
            files=tuple(files),
            answer=answer,
            parse=parse,
            read=read,
            to=to,
            what=what,
        )


def _integer(name: str, value: int) -> str:
    if abs(value) >= 10**_MAX_DIGITS:
        raise ValidationError(name, f"is an integer too large to send (over {_MAX_DIGITS} digits)")
    return str(value)


def query_value(name: str, value: object) -> str | None:
    """One query value as the platform reads it, or ``None`` when it is not sent."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(name, value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(name, f"must be a finite number, got {value!r}")
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(
                name, "must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))"
            )
        return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        encoded = [query_value(name, item) for item in items]
        if any(item is None for item in encoded):
            raise ValidationError(name, "must not contain None")
        if any("," in item for item in encoded if item is not None):
            raise ValidationError(name, "items must not contain a comma (the list is comma-joined)")
        return ",".join(item for item in encoded if item is not None) or None
    raise ValidationError(
        name, f"cannot be sent as a query parameter (a {type(value).__name__}): {show(value)}"
    )


def encode_query(
    query: Mapping[str, object], *, field: str = "params"
) -> tuple[tuple[str, str], ...]:
    """The query as ordered string pairs; ``None`` values (and empty lists) are left out.

    ``field`` names the whole mapping in errors (a value's error names its key).
    """
    if not isinstance(query, Mapping):
        raise ValidationError(field, f"must be a mapping, got {type(query).__name__}")
    pairs = []
    for name, value in query.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(field, f"names must be non-empty strings, got {show(name)}")
        encoded = query_value(name, value)
        if encoded is not None:
            pairs.append((name, encoded))
    return tuple(pairs)


# What a path may hold as it is (RFC 3986 pchar and "/"): "%" keeps escapes already made.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def encode_link(url: str) -> str:
    """An absolute link (a download URL) with what may not appear raw in a URL
    percent-encoded (spaces, non-ASCII), escapes already in it kept as they are."""
    from urllib.parse import quote  # noqa: PLC0415 - cheap, and only here

    return quote(url, safe=_PATH_SAFE + "?#[]")


def split_path(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``client.request``'s path percent-encoded, and the query it carried (sent before ``params``).

    Encoded here, once, so every wire sends the same bytes (one would quote a
    space or an ``é``, another send it raw); a query written into the path is
    kept beside ``params`` rather than replaced by them.
    """
    from urllib.parse import parse_qsl, quote  # noqa: PLC0415 - cheap, and only here

    if "#" in path:
        raise ValidationError("path", f"must not hold a fragment ('#'), got {path!r}")
    path, _, query = path.partition("?")
    if any(segment in (".", "..") for segment in path.split("/")):
        # One HTTP library resolves them (even above base_url), another sends them as they are.
        raise ValidationError("path", f"must not hold '.' or '..' segments, got {path!r}")
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    return quote(path, safe=_PATH_SAFE), pairs


def encode_form(form: Mapping[str, object], *, field: str = "data") -> dict[str, str]:
    """Multipart form fields: the same encoding as the query."""
    return dict(encode_query(form, field=field))


def extra_query(extra_body: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """``extra_body`` for a request without a body (GET, DELETE): query parameters."""
    if extra_body is None:
        return ()
    if not isinstance(extra_body, Mapping):
        raise ValidationError(
            "extra_body", f"must be a mapping or None, got {type(extra_body).__name__}"
        )
    try:
        return encode_query(extra_body, field="extra_body")
    except ValidationError as exc:
        if exc.field == "extra_body":  # about the mapping itself, not one of its values
            raise
        raise ValidationError(f"extra_body[{exc.field!r}]", exc.problem) from None
