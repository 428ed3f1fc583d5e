"""``client.whatsapp.templates``: WhatsApp templates, their approval, and checks before a send.

Templates are written in the platform's create dialect (``lang``, named
``{placeholder}`` tokens; see ``_template_fields``) and read in Meta's
(``language``, ``components`` with ``{{1}}`` tokens; see
``qlara.WhatsAppTemplateDetails``). Meta reviews every new or edited
template (minutes to a day): it is ``PENDING`` until ``APPROVED`` or
``REJECTED``, and only an approved one can be sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import APIError, MalformedResponseError, ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.templates import WhatsAppButton, WhatsAppTemplateDetails
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import has_id, listed_under, parse_whatsapp_template
from qlara._resources._created import Ack, reading_created
from qlara._resources._ids import check_id
from qlara._resources._template_check import TemplateCache, check_template
from qlara._resources._template_fields import required, template_fields
from qlara._resources.phone_numbers import check_phone_number_id

TEMPLATES = Route("/message-server/whatsapp/templates")

ButtonSpec = WhatsAppButton | Mapping[str, Any]


def _status(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("status", f"must be a status such as 'APPROVED', got {value!r}")
    return value.upper()


class AsyncWhatsAppTemplates(AsyncResource):
    """List, create, change and remove WhatsApp templates; ``check`` one before sending it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache = TemplateCache()

    def list(
        self,
        *,
        status: str | None = None,
        phone_number_id: int | str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[WhatsAppTemplateDetails]:
        """Every template, optionally only those in ``status`` or of one sender number."""
        number = None if phone_number_id is None else check_phone_number_id(phone_number_id)
        return self._paged(
            TEMPLATES,
            item=parse_whatsapp_template,
            query={"status": _status(status), "phoneNumberId": number},
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="WhatsApp templates page",
            envelope=listed_under("templates"),
        )

    async def get(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WhatsAppTemplateDetails:
        """One template, with its current status (``NotFoundError`` when there is none)."""
        identifier = check_id("id", id)
        template = await self._get(identifier, call_options(timeout, extra_headers, extra_body))
        self.cache.put(template)
        return template

    async def create(
        self,
        *,
        phone_number_id: int | str,
        name: str,
        lang: str,
        category: str,
        body: str,
        header_text: str | None = None,
        header_format: str | None = None,
        header_media_url: str | None = None,
        footer: str | None = None,
        buttons: Sequence[ButtonSpec] | None = None,
        placeholder_fields: Sequence[Mapping[str, Any]] | None = None,
        track_button_links: bool | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WhatsAppTemplateDetails:
        """Create a template for one sender number and submit it to Meta's review.

        Written in the create dialect: ``lang`` (``"it"``) and named tokens,
        ``body="Hi {first_name}, order {order} has shipped"``; the platform
        answers (and later lists it) as Meta's ``language`` and ``{{1}}``,
        ``{{2}}`` in order of first appearance, and a send fills it with
        ``placeholders={"first_name": ..., "order": ...}``.

        Args:
            phone_number_id: the sender number (sent as ``?phoneNumberId=``).
            name: lowercase snake_case.
            category: ``MARKETING``, ``UTILITY`` or ``AUTHENTICATION``.
            header_text: a text header (not with ``header_format``).
            header_format: a media header: ``IMAGE``, ``VIDEO`` or ``DOCUMENT``,
                with ``header_media_url``.
            buttons: ``qlara.WhatsAppButton`` items (or dicts, sent as given).
            placeholder_fields: tracked-link definitions, sent as given.
            track_button_links: track the clicks on URL buttons.

        Returns:
            The new template, normally ``PENDING``. When the platform answers
            without it (an empty body, a bare acknowledgement), it is the
            template sent under the id the ``Location`` header names; without
            one, it is found in the number's listing by its name (unique per
            language), at the cost of a request.

        Raises:
            ValidationError: an argument is invalid (a body with ``{{1}}`` tokens
                included); nothing was sent.
            MalformedResponseError: the answer named no id and the listing does
                not show the template (or could not be read): it was created,
                but its id, which a send needs, is unknown.
        """
        number = check_phone_number_id(phone_number_id)
        fields = template_fields(
            name=name,
            lang=lang,
            category=category,
            body=body,
            header_text=header_text,
            header_format=header_format,
            header_media_url=header_media_url,
            footer=footer,
            buttons=buttons,
            placeholder_fields=placeholder_fields,
            track_button_links=track_button_links,
        )
        required(fields, ("name", "name"), ("lang", "lang"), ("category", "category"))
        required(fields, ("body", "body"))
        request: Request[WhatsAppTemplateDetails | Ack] = TEMPLATES.request(
            "POST",
            query={"phoneNumberId": number},
            json=fields,
            read=reading_created(TEMPLATES, parse_whatsapp_template),
            what="WhatsApp template",
        )
        options = call_options(timeout, extra_headers, extra_body)
        made = await self._call(request, options)
        if isinstance(made, Ack):
            if made.id is not None:
                sent = {**fields, "phoneNumberId": number}
                made = made.build(parse_whatsapp_template, sent, extra_body)
            else:  # an ack naming nothing: find it by its unique name
                made = await self._find(number, fields["name"], fields["lang"], options)
        self.cache.forget(made.id)
        return made

    async def update(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        name: str | None = None,
        lang: str | None = None,
        category: str | None = None,
        body: str | None = None,
        header_text: str | None = None,
        header_format: str | None = None,
        header_media_url: str | None = None,
        footer: str | None = None,
        buttons: Sequence[ButtonSpec] | None = None,
        placeholder_fields: Sequence[Mapping[str, Any]] | None = None,
        track_button_links: bool | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WhatsAppTemplateDetails:
        """Change a template (PATCH: only the arguments given are sent, create dialect).

        The fields left out keep their stored values; ``header_media_url``
        may come alone, replacing the media of a stored media header.

        Meta reviews an edited template again, so it is usually ``PENDING``
        afterwards. When the platform answers without the template, it is
        fetched again, so the result is always the current state.

        Raises:
            ValidationError: nothing to change, or an argument is invalid.
        """
        identifier = check_id("id", id)
        fields = template_fields(
            name=name,
            lang=lang,
            category=category,
            body=body,
            header_text=header_text,
            header_format=header_format,
            header_media_url=header_media_url,
            footer=footer,
            buttons=buttons,
            placeholder_fields=placeholder_fields,
            track_button_links=track_button_links,
            partial=True,
        )
        if not fields and not extra_body:
            raise ValidationError("update", "give at least one field to change")
        self.cache.forget(identifier)
        request = TEMPLATES.request(
            "PATCH",
            "{id}",
            id=identifier,
            json=fields,
            parse=_parse_written,
            what="WhatsApp template",
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
        identifier = check_id("id", id)
        self.cache.forget(identifier)
        request: Request[None] = TEMPLATES.request(
            "DELETE", "{id}", id=identifier, answer=Answer.NOTHING
        )
        await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def check(
        self,
        template_id: int | str,
        placeholders: Mapping[str, str] | None = None,
        *,
        cached: bool = False,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WhatsAppTemplateDetails:
        """Check that a send of ``template_id`` with ``placeholders`` would be accepted.

        Fetches the template (one request; with ``cached=True`` an approved
        template fetched in the last few minutes by this client is reused)
        and compares: see ``qlara/_resources/_template_check.py`` for what
        "fits" means when the platform answers with ``{{1}}`` tokens.

        Returns:
            The template, approved.

        Raises:
            ValidationError: the template is not ``APPROVED`` (its status is
                named), or the placeholders do not fit (the missing and
                unexpected ones are named where the mapping is knowable).
            NotFoundError: there is no such template.
        """
        identifier = check_id("template_id", template_id)
        template = self.cache.get(identifier) if cached else None
        if template is None:
            template = await self._get(identifier, call_options(timeout, extra_headers, extra_body))
            self.cache.put(template)
        check_template(template, placeholders)
        return template

    async def _get(self, identifier: int | str, options: CallOptions) -> WhatsAppTemplateDetails:
        request = TEMPLATES.request(
            "GET",
            "{id}",
            id=identifier,
            parse=parse_whatsapp_template,
            what="WhatsApp template",
        )
        return await self._call(request, options)

    async def _find(
        self, number: int | str, name: str, lang: str, options: CallOptions
    ) -> WhatsAppTemplateDetails:
        """The template just created, from the number's listing (a name is unique per language).

        It was created whatever the listing says, so a listing that fails is
        reported as the create's unreadable answer, not as the listing's error.
        """
        unknown = f"the platform created template {name!r} but did not say its id"
        try:
            listed = await self.list(
                phone_number_id=number,
                timeout=options.timeout,
                extra_headers=options.extra_headers,
            ).to_list()  # a number has few templates; a `break` would leave the walk to the GC
        except (APIError, MalformedResponseError) as exc:
            raise MalformedResponseError(
                f"{unknown}, and listing the templates of phone number {number!r} failed: {exc}"
            ) from exc
        found = [t for t in listed if t.name == name and (t.language is None or t.language == lang)]
        if not found:
            raise MalformedResponseError(
                f"{unknown}, and it is not listed for phone number {number!r}"
            )
        return found[-1]

    async def _after_write(
        self,
        request: Request[WhatsAppTemplateDetails | None],
        options: CallOptions,
        template_id: int | str,
    ) -> WhatsAppTemplateDetails:
        """The updated template; fetched again when the platform answered without it."""
        written = await self._call(request, options)
        if written is None:
            refetch = call_options(options.timeout, options.extra_headers, None)
            written = await self._get(template_id, refetch)
        self.cache.forget(written.id)
        return written


def _parse_written(data: Any) -> WhatsAppTemplateDetails | None:
    """A write's answer: the template, or ``None`` for an empty answer or a bare ack."""
    if not has_id(data, "id", "templateId"):
        return None
    return parse_whatsapp_template(data)


class WhatsAppTemplates(SyncResource):
    """Blocking ``client.whatsapp.templates``."""

    list = blocking_iter(AsyncWhatsAppTemplates.list)
    get = blocking(AsyncWhatsAppTemplates.get)
    create = blocking(AsyncWhatsAppTemplates.create)
    update = blocking(AsyncWhatsAppTemplates.update)
    delete = blocking(AsyncWhatsAppTemplates.delete)
    check = blocking(AsyncWhatsAppTemplates.check)
