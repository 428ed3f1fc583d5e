"""The WhatsApp message, its template reference and its fallbacks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from qlara._errors import ValidationError
from qlara._models import _validate as v
from qlara._models.channel import Channel
from qlara._models.fallback import SmsFallback
from qlara._models.message import Message
from qlara._models.rcs import RcsBody, _optional_body, template_number


def _parameters(value: Sequence[object] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError("parameters", "must be a list of strings")
    return tuple(v.number_or_text(f"parameters[{index}]", item) for index, item in enumerate(value))


@attrs.frozen
class WhatsAppTemplate:
    """A Meta-approved template.

    The reference sends a template by ``id``; older pages use ``name`` +
    ``language`` + ``parameters``. Give either; fields left ``None`` are not sent.
    """

    id: int | str | None = None
    name: str | None = attrs.field(default=None, validator=v.optional_text())
    language: str | None = attrs.field(default=None, validator=v.optional_text())
    parameters: tuple[str, ...] | None = attrs.field(default=None, converter=_parameters)

    def __attrs_post_init__(self) -> None:
        if self.id is None and self.name is None:
            raise ValidationError("template", "give the template's id, or its name and language")
        if self.id is None and self.language is None:
            raise ValidationError("template.language", "is required with a template name")
        if isinstance(self.id, bool) or not isinstance(self.id, (int, str, type(None))):
            raise ValidationError(
                "template.id", f"must be an integer or a string, got {v.show(self.id)}"
            )
        if isinstance(self.id, int) and not 0 <= self.id <= v.MAX_LONG:
            raise ValidationError(
                "template.id", f"must be between 0 and {v.MAX_LONG}, got {v.show(self.id)}"
            )


@attrs.frozen(kw_only=True)
class RcsFallback:
    """The RCS message to try when WhatsApp cannot reach the handset.

    Only ``agentId`` is documented (UC-005), so content is optional: give an
    inline ``body`` or a ``template_id`` (not both) when the agent needs one.
    Requires an ``SmsFallback`` on the message too.
    """

    agent_id: int = attrs.field(validator=v.integer(minimum=1))
    body: RcsBody | None = attrs.field(default=None, validator=_optional_body)
    template_id: int | None = attrs.field(
        default=None, converter=template_number, validator=v.optional_integer(minimum=1)
    )

    def __attrs_post_init__(self) -> None:
        if self.body is not None and self.template_id is not None:
            raise ValidationError(
                "fallback_rcs.body/fallback_rcs.template_id", "give body or template_id, not both"
            )


def _phone_number_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Documented as integer by the guide and as a string by other pages (D7).
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise ValidationError(
            attribute.name, f"must be an integer or a non-empty string, got {v.show(value)}"
        )
    if isinstance(value, int) and not 0 <= value <= v.MAX_LONG:
        raise ValidationError(
            attribute.name, f"must be between 0 and {v.MAX_LONG}, got {v.show(value)}"
        )


def _free_form(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, str):
        if not value.strip():
            raise ValidationError(attribute.name, "must not be empty")
        v.json_value(attribute.name, value)
        return
    if not isinstance(value, Mapping) or not value:
        raise ValidationError(attribute.name, "must be a non-empty object or text")
    v.json_value(attribute.name, value)


@attrs.frozen(kw_only=True)
class WhatsAppMessage(Message):
    """One WhatsApp message: a ``template``, or a free-form ``body`` (24 h window only).

    Attributes:
        phone_number_id: the sending WABA number, from the phone-numbers list.
        template: the approved template to send.
        body: free-form content, passed through as given (its schema is not
            documented; an object per the reference, text per older pages).
        fallback_rcs: try RCS when WhatsApp fails; needs ``fallback_sms`` too.
        fallback_sms: send an SMS when the rich channels fail.
        enable_notification: ask for callbacks; ``None`` leaves the platform default.
    """

    channel: ClassVar[Channel] = Channel.WHATSAPP

    phone_number_id: int | str = attrs.field(validator=_phone_number_id)
    template: WhatsAppTemplate | None = None
    body: Mapping[str, Any] | str | None = attrs.field(default=None, validator=_free_form)
    fallback_rcs: RcsFallback | None = None
    fallback_sms: SmsFallback | None = None
    enable_notification: bool | None = None

    def __attrs_post_init__(self) -> None:
        v.exactly_one(("template", "body"), self.template, self.body)
        if self.template is not None and not isinstance(self.template, WhatsAppTemplate):
            raise ValidationError("template", "must be a qlara.WhatsAppTemplate")
        if self.fallback_rcs is not None and not isinstance(self.fallback_rcs, RcsFallback):
            raise ValidationError("fallback_rcs", "must be a qlara.RcsFallback")
        if self.fallback_sms is not None and not isinstance(self.fallback_sms, SmsFallback):
            raise ValidationError("fallback_sms", "must be a qlara.SmsFallback")
        if self.fallback_rcs is not None and self.fallback_sms is None:
            raise ValidationError("fallback_sms", "is required when fallback_rcs is given")
        if self.enable_notification is not None and not isinstance(self.enable_notification, bool):
            raise ValidationError("enable_notification", "must be True, False or None")
