"""Reading a create's 2xx answer, which the platform often leaves bare.

The reference documents several creates by their status alone (``POST
/contacts`` answers 201, a list association "201", exports 202): no body, or
an acknowledgement such as ``{}`` or ``{"success": true}`` without the new
object. The object was made all the same, and an error would invite the
caller to create it twice. So a create's answer is read here, with its
headers (``Request.read``): the object when the body holds it, otherwise an
``Ack`` that the resource turns into its model, built from what was sent,
under the id the ``Location`` header names (or none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import attrs

from qlara._errors import MalformedResponseError
from qlara._raw import Headers
from qlara._request import Route
from qlara._resources._read import ident, unwrap

__all__ = ["Ack", "location_id", "reading_created"]

T = TypeVar("T")


def location_id(headers: Headers, route: Route) -> int | str | None:
    """The id a ``Location`` header names: the one segment after ``route``'s path.

    ``Location: /api/partner-gateway/v1/contacts/123`` (absolute or relative,
    query ignored) names contact 123 for the contacts route; a header pointing
    anywhere else names nothing. An id of digits only reads as an int, as the
    platform's own JSON writes its numeric ids.
    """
    value = headers.get("location", "").strip()
    if not value:
        return None
    try:
        path = urlsplit(value).path.rstrip("/")
    except ValueError:
        return None
    _, found, tail = path.rpartition(route.base.rstrip("/") + "/")
    if not found or not tail or "/" in tail:
        return None
    segment = unquote(tail)
    if segment.isascii() and segment.isdigit() and str(int(segment)) == segment:
        return int(segment)
    return ident(segment)


@attrs.frozen(kw_only=True)
class Ack:
    """A create answered without the object: what it did say.

    Attributes:
        id: the id its ``Location`` header names, or ``None``.
        fields: the object's fields it held (``{"data": {...}}`` opened).
        raw: its decoded JSON object, ``{}`` for an empty body.
    """

    id: int | str | None
    fields: Mapping[str, Any]
    raw: Mapping[str, Any]

    def build(
        self,
        read: Callable[[Any], T],
        sent: Mapping[str, Any],
        extra_body: Mapping[str, Any] | None = None,
    ) -> T:
        """The model of what was sent (``extra_body`` merged, as the pipeline merged it;
        the answer's fields over both), under this ack's id.

        ``raw`` is the answer itself, so that it shows what the platform said.
        """
        made = read({**sent, **(extra_body or {}), **self.fields, "id": self.id})
        # Every reader makes an attrs model with ``raw``; a bare TypeVar cannot say so.
        return attrs.evolve(made, raw=dict(self.raw))  # type: ignore[misc]


def reading_created(route: Route, parse: Callable[[Any], T]) -> Callable[[Any, Headers], T | Ack]:
    """A ``Request.read`` for a create on ``route``: the object when the body holds it
    (``parse`` reads it), else an ``Ack``.

    An empty body, or a JSON object ``parse`` cannot read as the object (no
    id), is an ``Ack``. Any other body (an array, a string) is a
    ``MalformedResponseError``, which the pipeline gives the answer's status and body.
    """

    def read(data: Any, headers: Headers) -> T | Ack:
        if data is not None:
            try:
                return parse(data)
            except MalformedResponseError:
                if not isinstance(data, Mapping):
                    raise
        inner = unwrap(data) if isinstance(data, Mapping) else None
        return Ack(
            id=location_id(headers, route),
            fields=dict(inner) if isinstance(inner, Mapping) else {},
            raw=dict(data) if isinstance(data, Mapping) else {},
        )

    return read
