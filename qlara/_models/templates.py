"""WhatsApp phone numbers and templates, and stored RCS templates, as the platform describes them.

WhatsApp templates have two dialects. The platform *answers* in Meta's: a
``language`` and a list of ``components`` (``HEADER``, ``BODY``, ``FOOTER``,
``BUTTONS``) whose text holds numbered tokens, ``{{1}}``, ``{{2}}``. It is
*written* (create, update) in its own: ``lang``, and ``body`` / ``headerText``
/ ``footer`` / ``buttons`` fields whose text holds named tokens,
``{first_name}``. The platform numbers the named tokens for Meta; a send's
``placeholders`` map is keyed by the names. ``WhatsAppTemplateDetails`` reads
either dialect into the same components.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from qlara._errors import ValidationError
from qlara._models import _validate as v
from qlara._models.rcs import RcsBody

__all__ = [
    "PhoneNumber",
    "RcsTemplate",
    "TemplateButton",
    "TemplateComponent",
    "WhatsAppButton",
    "WhatsAppTemplateDetails",
    "template_tokens",
]

# Meta's numbered (or named) tokens: {{1}}, {{ 2 }}, {{first_name}}.
META_TOKEN = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# The create dialect's named tokens: {first_name}, not part of a {{...}}.
NAMED_TOKEN = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def template_tokens(text: str | None) -> tuple[str, ...]:
    """The placeholder tokens of one text, in order of first appearance: ``("1", "2")``."""
    if not text:
        return ()
    found: dict[str, None] = {}
    for match in sorted(
        [*META_TOKEN.finditer(text), *NAMED_TOKEN.finditer(text)], key=lambda m: m.start()
    ):
        found.setdefault(match.group(1), None)
    return tuple(found)


def _raw() -> Any:
    return attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """A WhatsApp sender number of the account.

    Attributes:
        id: what ``client.whatsapp.send(phone_number_id=...)`` takes. The
            platform's Postman collection says to use the item's ``id``; the
            use-case pages show only ``phoneNumberId``; the first present wins.
            Also readable as ``phone_number_id``.
        phone_number: the number in international format.
        status: ``ACTIVE``, ``PENDING``...
        quality_rating: Meta's rating: ``GREEN``, ``UNKNOWN``...
        messaging_limit: ``TIER_1K``, ``TIER_10K``...
    """

    id: int | str
    phone_number: str | None = None
    display_name: str | None = None
    verified_name: str | None = None
    status: str | None = None
    quality_rating: str | None = None
    messaging_limit: str | None = None
    platform: str | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def phone_number_id(self) -> int | str:
        """``id`` under UC-025's documented wire name, ``phoneNumberId``."""
        return self.id


@attrs.frozen(kw_only=True)
class TemplateButton:
    """One button of a template's ``BUTTONS`` component (read side)."""

    type: str | None = None
    text: str | None = None
    url: str | None = None
    phone_number: str | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Tokens in a dynamic URL (``https://x.test/track/{{1}}``)."""
        return template_tokens(self.url)


@attrs.frozen(kw_only=True)
class TemplateComponent:
    """One component of a WhatsApp template: ``HEADER``, ``BODY``, ``FOOTER`` or ``BUTTONS``.

    Attributes:
        type: the component kind, upper case.
        format: a header's ``TEXT``, ``IMAGE``, ``VIDEO`` or ``DOCUMENT``.
        text: its text, with ``{{n}}`` tokens (or ``{name}`` when the platform
            answered in the create dialect).
        media_url: a media header's sample or fixed media.
        buttons: the buttons of a ``BUTTONS`` component.
    """

    type: str
    format: str | None = None
    text: str | None = None
    media_url: str | None = None
    buttons: tuple[TemplateButton, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The tokens this component needs values for, in order."""
        found: dict[str, None] = dict.fromkeys(template_tokens(self.text))
        for button in self.buttons:
            found.update(dict.fromkeys(button.placeholders))
        return tuple(found)


@attrs.frozen(kw_only=True)
class WhatsAppTemplateDetails:
    """A WhatsApp template as stored on the platform (``client.whatsapp.templates``).

    Send it with ``qlara.WhatsAppTemplate(id=details.id)``; only ``APPROVED``
    templates can be sent (``client.whatsapp.templates.check`` says why not).

    Attributes:
        id: the template's id on the platform.
        name: its snake_case name.
        language: its language code (``lang`` when it is written).
        category: ``MARKETING``, ``UTILITY`` or ``AUTHENTICATION``.
        status: ``APPROVED``, ``PENDING``, ``REJECTED``...
        components: the header, body, footer and buttons, in the platform's order.
        rejection_reason: why Meta rejected it, when the platform says.
        phone_number_id: the sender number it belongs to, when the platform says.
    """

    id: int | str
    name: str | None = None
    language: str | None = None
    category: str | None = None
    status: str | None = None
    components: tuple[TemplateComponent, ...] = ()
    rejection_reason: str | None = None
    phone_number_id: int | str | None = None
    raw: Mapping[str, Any] = _raw()

    def component(self, kind: str) -> TemplateComponent | None:
        """The first component of ``kind`` (``"BODY"``...), or ``None``."""
        kind = kind.upper()
        return next((c for c in self.components if c.type == kind), None)

    @property
    def header(self) -> TemplateComponent | None:
        return self.component("HEADER")

    @property
    def body(self) -> TemplateComponent | None:
        return self.component("BODY")

    @property
    def footer(self) -> TemplateComponent | None:
        return self.component("FOOTER")

    @property
    def buttons(self) -> tuple[TemplateButton, ...]:
        found = self.component("BUTTONS")
        return () if found is None else found.buttons

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every token the template needs a value for, header first, each once."""
        found: dict[str, None] = {}
        for component in self.components:
            found.update(dict.fromkeys(component.placeholders))
        return tuple(found)

    @property
    def is_approved(self) -> bool:
        return self.status == "APPROVED"


BUTTON_TYPES = frozenset({"QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP"})


@attrs.frozen(kw_only=True)
class WhatsAppButton:
    """A button to create a template with (the create dialect).

    Sent as ``{"type", "text", "url", "phoneNumber"}`` (fields left ``None``
    are not sent). The platform does not document its button fields beyond
    this list; pass a plain dict in ``buttons=`` for anything else.
    """

    type: str = attrs.field(converter=v.upper, validator=v.one_of(BUTTON_TYPES))
    text: str = attrs.field(validator=v.text_up_to(25))
    url: str | None = attrs.field(default=None, validator=v.optional_text())
    phone_number: str | None = attrs.field(default=None, validator=v.optional_text())

    def __attrs_post_init__(self) -> None:
        if self.type == "URL" and self.url is None:
            raise ValidationError("buttons.url", "is required for a URL button")
        if self.type == "PHONE_NUMBER" and self.phone_number is None:
            raise ValidationError("buttons.phone_number", "is required for a PHONE_NUMBER button")


@attrs.frozen(kw_only=True)
class RcsTemplate:
    """A stored RCS template (``client.rcs.templates``); send it with ``template_id=``.

    Attributes:
        id: the template's id, what ``client.rcs.send(template_id=...)`` takes.
        type: ``TEXT``, ``CARD`` or ``CAROUSEL``.
        body: the content, as the models ``client.rcs.send(body=...)`` takes;
            ``None`` when the platform's body could not be read as one (it
            is in ``raw`` then).
    """

    id: int | str
    name: str | None = None
    description: str | None = None
    type: str | None = None
    body: RcsBody | None = None
    raw: Mapping[str, Any] = _raw()
