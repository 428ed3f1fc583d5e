"""``client.rcs.templates``: stored RCS templates, written with the models ``rcs.send`` takes.

A template's ``body`` is the same ``RcsText`` / ``RcsCard`` / ``RcsCarousel``
an inline send takes (suggestions and ``fallback_sms`` included), serialized
by the same converter: the platform stores the inner body and keeps the kind
in ``type``. No approval is documented for RCS templates; they can be sent
with ``client.rcs.send(template_id=...)`` at once.

The platform's update is a ``PUT`` of the whole template; ``update`` takes
only the fields to change and fills in the rest from the stored template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._converter import unstructure
from qlara._errors import APIError, MalformedResponseError, ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.rcs import RcsBody, RcsCard, RcsCarousel, RcsText
from qlara._models.templates import RcsTemplate
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import has_id, listed_under, parse_rcs_template
from qlara._resources._created import Ack, reading_created
from qlara._resources._ids import check_id
from qlara._resources._template_fields import required_text

RCS_TEMPLATES = Route("/message-server/rcs/templates")
TYPES = frozenset({"TEXT", "CARD", "CAROUSEL"})
FIELDS = ("name", "description", "type", "body")  # what a PUT sends, in order


def _typed_body(kind: object, body: object) -> tuple[str, dict[str, Any]]:
    """``(type, inner body)``; ``type`` follows from a model body when not given."""
    if kind is not None and (not isinstance(kind, str) or kind.upper() not in TYPES):
        raise ValidationError("type", f"must be TEXT, CARD or CAROUSEL, got {kind!r}")
    given = None if kind is None else kind.upper()
    if isinstance(body, (RcsText, RcsCard, RcsCarousel)):
        wire = unstructure(body)
        if given is not None and given != wire["type"]:
            raise ValidationError(
                "type", f"is {given} but the body is an {type(body).__name__} ({wire['type']})"
            )
        return wire["type"], wire["body"]
    if isinstance(body, Mapping):
        if given is None:
            raise ValidationError("type", "is required with a dict body (TEXT, CARD or CAROUSEL)")
        return given, dict(body)
    raise ValidationError(
        "body", f"must be RcsText, RcsCard, RcsCarousel or a dict, got {type(body).__name__}"
    )


def template_body(name: object, description: object, kind: object, body: object) -> dict[str, Any]:
    """``{name, description, type, body}``, every field required (a create)."""
    given, inner = _typed_body(kind, body)
    return {
        "name": required_text("name", name),
        "description": required_text("description", description),
        "type": given,
        "body": inner,
    }


def template_changes(
    name: object, description: object, kind: object, body: object
) -> dict[str, Any]:
    """The fields an update gives (``None`` is "keep the stored value"), checked as for a create.

    ``type`` says what kind of body ``body`` is, so it only comes with one:
    alone it would send the stored body under another kind.
    """
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = required_text("name", name)
    if description is not None:
        changes["description"] = required_text("description", description)
    if body is not None:
        changes["type"], changes["body"] = _typed_body(kind, body)
    elif kind is not None:
        raise ValidationError("type", "comes with body (the kind of the body given), not alone")
    return changes


def stored_fields(template: RcsTemplate, needed: Sequence[str]) -> dict[str, Any]:
    """The ``needed`` fields of a stored template, in the shape a PUT sends them.

    The body is the stored wire body (``raw``), so fields the models do not
    carry survive the round trip; a stored ``{"type", "body"}`` (the send's
    shape) is unwrapped as ``parse_rcs_template`` reads it.
    """
    body = template.raw.get("body")
    if isinstance(body, Mapping) and isinstance(body.get("body"), Mapping):
        body = body["body"]
    known = {
        "name": template.name,
        "description": template.description,
        "type": template.type,
        "body": dict(body) if isinstance(body, Mapping) else None,
    }
    absent = [field for field in needed if known[field] is None]
    if absent:
        raise MalformedResponseError(
            f"malformed RCS template answer: template {template.id!r} as stored has no "
            f"{', '.join(absent)}, which a PUT must send back; give "
            f"{', '.join(f for f in absent if f != 'type') or 'body'} to the update"
        )
    return {field: known[field] for field in needed}


class AsyncRcsTemplates(AsyncResource):
    """List, create, change and remove stored RCS templates."""

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
        request: Request[RcsTemplate | Ack] = RCS_TEMPLATES.request(
            "POST",
            json=fields,
            read=reading_created(RCS_TEMPLATES, parse_rcs_template),
            what="RCS template",
        )
        options = call_options(timeout, extra_headers, extra_body)
        made = await self._call(request, options)
        if not isinstance(made, Ack):
            return made
        if made.id is not None:
            return made.build(parse_rcs_template, fields, extra_body)
        return await self._find(fields, options)

    async def update(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        name: str | None = None,
        description: str | None = None,
        body: RcsBody | Mapping[str, Any] | None = None,
        type: str | None = None,  # noqa: A002 - the platform's field name
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RcsTemplate:
        """Change a template: the fields left out keep their stored values.

        The platform's ``PUT`` replaces the whole template, so when ``name``,
        ``description`` or ``body`` is left out the stored template is read
        first (one ``GET``) and the ``PUT`` sends it whole, the given fields
        changed: ``update(7, description="new")`` keeps the name and body.
        Given all three, only the ``PUT`` is sent.

        Args:
            body: as for ``create``; ``type`` only comes with a body.

        Raises:
            ValidationError: nothing to change, ``type`` without ``body``, or an
                invalid argument (before anything is sent).
            MalformedResponseError: the stored template lacks a field left out
                (so the ``PUT`` cannot send it back).
        """
        identifier = check_id("id", id)
        changes = template_changes(name, description, type, body)
        if not changes and not extra_body:
            raise ValidationError("update", "give at least one field to change")
        options = call_options(timeout, extra_headers, extra_body)
        needed = [field for field in FIELDS if field not in changes]
        if needed:
            read = call_options(timeout, extra_headers, None)
            stored = stored_fields(await self._get(identifier, read), needed)
            changes = {**stored, **changes}
        request = RCS_TEMPLATES.request(
            "PUT",
            "{id}",
            id=identifier,
            json={field: changes[field] for field in FIELDS},
            parse=_parse_written,
            what="RCS template",
        )
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
