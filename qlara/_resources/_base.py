"""What every resource is made of: ``AsyncResource``, ``child`` resources, one pager factory.

A resource method describes its request (``Route.request(...)``) and hands it
to ``_call`` or ``_paged``; the pipeline does the rest. The per-call options
(``timeout``, ``extra_headers``, ``extra_body``) are written out in each
method's signature, so ``help()`` and editors show them, and handled here in
one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from qlara._errors import ValidationError
from qlara._http import (
    NO_OPTIONS,
    CallOptions,
    HttpCore,
    TimeoutTypes,
    as_timeout,
    check_extra_headers,
)
from qlara._pagination import AsyncPager, Page, read_page
from qlara._request import Request, Route, encode_query, extra_query
from qlara._slot import Slot

__all__ = ["AsyncResource", "call_options", "check_limit", "check_options", "child", "present"]

T = TypeVar("T")
R = TypeVar("R", bound="AsyncResource")


def call_options(
    timeout: TimeoutTypes,
    extra_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, Any] | None,
) -> CallOptions:
    """The per-call options; the common case (none given) costs nothing."""
    if timeout is None and not extra_headers and not extra_body:
        return NO_OPTIONS
    return CallOptions(timeout=timeout, extra_headers=extra_headers, extra_body=extra_body)


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON body's fields that were given: ``None`` means "not sent" (the query and
    form encoders drop it on their own)."""
    return {name: value for name, value in fields.items() if value is not None}


def check_options(options: CallOptions) -> None:
    """Check per-call options at the call (a pager's first request comes later)."""
    extra_query(options.extra_body)
    if options.extra_headers is not None:
        check_extra_headers(options.extra_headers)
    if options.timeout is not None:
        as_timeout(options.timeout)


def check_limit(limit: object, *, maximum: int = 1000, field: str = "limit") -> int:
    """A page size from 1 to ``maximum``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise ValidationError(field, f"must be an integer from 1 to {maximum}, got {limit!r}")
    return limit


class AsyncResource:
    """Base of every async resource: the client's pipeline, and the two ways to use it."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def _call(self, request: Request[T], options: CallOptions) -> T:
        return await self._http.execute(request, options)

    def _paged(
        self,
        route: Route,
        template: str = "",
        /,
        *,
        item: Callable[[Any], T],
        query: Mapping[str, object] | None = None,
        limit: int = 100,
        options: CallOptions,
        what: str = "page",
        envelope: Callable[[Any], Any] | None = None,
        **params: object,
    ) -> AsyncPager[T]:
        """A lazy pager over ``route``: 0-based ``page`` and ``limit`` in the query.

        The request is built (and its arguments checked) now, at the call;
        each page only adds its number. ``envelope`` reshapes an answer before
        the page is read (an endpoint whose answer may be a single object).
        """
        path = route.at(template, **params)
        limit = check_limit(limit)  # every listing's page size, checked here at the call
        encoded = encode_query({**(query or {}), "limit": limit})
        check_options(options)

        async def fetch(number: int) -> Page[T]:
            request: Request[Page[T]] = Request(
                method="GET",
                path=path,
                query=(*encoded, ("page", str(number))),
                parse=lambda data: read_page(
                    envelope(data) if envelope is not None else data,
                    item,
                    page=number,
                    limit=limit,
                    what=what,
                ),
                what=what,
            )
            return await self._http.execute(request, options)

        return AsyncPager(fetch, limit=limit)


class child(Slot[R]):  # noqa: N801 - used like a decorator, named like one
    """A resource under another one: ``templates = child(AsyncWhatsAppTemplates)``.

    Made on first access with its parent's pipeline, then kept on the parent.
    """

    def make(self, owner: Any) -> R:
        return self.resource(owner._http)
