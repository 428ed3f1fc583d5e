"""``client.rcs.templates``: stored RCS templates, written with the models ``rcs.send`` takes.

A template's ``body`` is the same ``RcsText`` / ``RcsCard`` / ``RcsCarousel``
an inline send takes (suggestions and ``fallback_sms`` included), serialized
by the same converter: the platform stores the inner body and keeps the kind
in ``type``. No approval is documented for RCS templates; they can be sent
with ``client.rcs.send(template_id=...)`` at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._converter import unstructure
from qlara._errors import APIError, MalformedResponseError, ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.rcs import RcsBody, RcsCard, RcsCarousel, RcsText
from qlara._models.templates import RcsTemplate
from qlara._pagination import AsyncPager
from qlara._raw import RawResponse
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import has_id, listed_under, parse_rcs_template
from qlara._resources._created import Ack, read_created
from qlara._resources._ids import check_id
from qlara._resources._template_fields import required_text

RCS_TEMPLATES = Route("/message-server/rcs/templates")
TYPES = frozenset({"TEXT", "CARD", "CAROUSEL"})


def template_body(name: object, description: object, kind: object, body: object) -> dict[str, Any]:
    """``{name, description, type, body}``; ``type`` follows from a model body when not given."""
    if kind is not None and (not isinstance(kind, str) or kind.upper() not in TYPES):
        raise ValidationError("type", f"must be TEXT, CARD or CAROUSEL, got {kind!r}")
    given = None if kind is None else kind.upper()
    if isinstance(body, (RcsText, RcsCard, RcsCarousel)):
        wire = unstructure(body)
        if given is not None and given != wire["type"]:
            raise ValidationError(
                "type", f"is {given} but the body is an {type(body).__name__} ({wire['type']})"
            )
        given, inner = wire["type"], wire["body"]
    elif isinstance(body, Mapping):
        if given is None:
            raise ValidationError("type", "is required with a dict body (TEXT, CARD or CAROUSEL)")
        inner = dict(body)
    else:
        raise ValidationError(
            "body", f"must be RcsText, RcsCard, RcsCarousel or a dict, got {type(body).__name__}"
        )
    return {
        "name": required_text("name", name),
        "description": required_text("description", description),
        "type": given,
        "body": inner,
    }


class AsyncRcsTemplates(AsyncResource):
    """List, create, replace and remove stored RCS templates."""

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[RcsTemplate]:
        """Every RCS template, a page at a time."""
        return self._paged(
            RCS_TEMPLATES,
            item=parse_rcs_template,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="RCS templates page",
            envelope=listed_under("templates"),
        )

    async def get(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RcsTemplate:
        """One template (``NotFoundError`` when there is none)."""
        identifier = check_id("id", id)
        return await self._get(identifier, call_options(timeout, extra_headers, extra_body))

    async def create(
        self,
        *,
        name: str,
        description: str,
        body: RcsBody | Mapping[str, Any],
        type: str | None = None,  # noqa: A002 - the platform's field name
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RcsTemplate:
        """Store a template.

        Args:
            body: ``RcsText``, ``RcsCard`` or ``RcsCarousel`` (checked as for a
                send), or a dict sent as given (then ``type`` is required).
            type: ``TEXT``, ``CARD`` or ``CAROUSEL``; follows from a model body.

        Returns:
            The stored template. When the platform answers without it (an
            empty body, a bare acknowledgement), it is the template sent under
            the id the ``Location`` header names; without one, the one listed
            with this name and type (``MalformedResponseError`` when that is
            not exactly one: the id a send needs is unknown).
        """
        fields = template_body(name, description, type, body)
        request: Request[RawResponse] = RCS_TEMPLATES.request(
            "POST", json=fields, answer=Answer.RAW
        )
        options = call_options(timeout, extra_headers, extra_body)
        answer = await self._call(request, options)
        made = read_created(answer, RCS_TEMPLATES, parse_rcs_template, "RCS template")
        if not isinstance(made, Ack):
            return made
        if made.id is not None:
            return made.build(parse_rcs_template, fields, extra_body)
        return await self._find(fields, options)

    async def update(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        name: str,
        description: str,
        body: RcsBody | Mapping[str, Any],
        type: str | None = None,  # noqa: A002 - the platform's field name
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RcsTemplate:
        """Replace a template (PUT: every field is sent, as for ``create``)."""
        identifier = check_id("id", id)
        request = RCS_TEMPLATES.request(
            "PUT",
            "{id}",
            id=identifier,
            json=template_body(name, description, type, body),
            parse=_parse_written,
            what="RCS template",
        )
        options = call_options(timeout, extra_headers, extra_body)
        return await self._after_write(request, options, identifier)

    async def delete(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Remove a template (``NotFoundError`` when there is none)."""
        request: Request[None] = RCS_TEMPLATES.request(
            "DELETE", "{id}", id=check_id("id", id), answer=Answer.NOTHING
        )
        await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def _get(self, identifier: int | str, options: CallOptions) -> RcsTemplate:
        request = RCS_TEMPLATES.request(
            "GET",
            "{id}",
            id=identifier,
            parse=parse_rcs_template,
            what="RCS template",
        )
        return await self._call(request, options)

    async def _find(self, fields: Mapping[str, Any], options: CallOptions) -> RcsTemplate:
        """The template a bare acknowledgement created: the one listed with its name and type.

        It was created whatever the listing says, so a listing that fails is
        reported as the create's unreadable answer, not as the listing's error.
        """
        unknown = f"the platform created template {fields['name']!r} but did not say its id"
        try:
            listed = await self.list(
                timeout=options.timeout, extra_headers=options.extra_headers
            ).to_list()
        except (APIError, MalformedResponseError) as exc:
            raise MalformedResponseError(
                f"{unknown}, and listing the RCS templates failed: {exc}"
            ) from exc
        found = [t for t in listed if t.name == fields["name"] and t.type == fields["type"]]
        if len(found) != 1:
            raise MalformedResponseError(
                f"{unknown}, and {len(found)} listed templates have that name and type"
            )
        return found[0]

    async def _after_write(
        self,
        request: Request[RcsTemplate | None],
        options: CallOptions,
        template_id: int | str,
    ) -> RcsTemplate:
        """The written template; fetched again when the platform answered without it."""
        written = await self._call(request, options)
        if written is not None:
            return written
        return await self._get(
            template_id, call_options(options.timeout, options.extra_headers, None)
        )


def _parse_written(data: Any) -> RcsTemplate | None:
    """A write's answer: the template, or ``None`` for an empty answer or a bare ack."""
    if not has_id(data, "id", "templateId"):
        return None
    return parse_rcs_template(data)


class RcsTemplates(SyncResource):
    """Blocking ``client.rcs.templates``."""

    list = blocking_iter(AsyncRcsTemplates.list)
    get = blocking(AsyncRcsTemplates.get)
    create = blocking(AsyncRcsTemplates.create)
    update = blocking(AsyncRcsTemplates.update)
    delete = blocking(AsyncRcsTemplates.delete)
