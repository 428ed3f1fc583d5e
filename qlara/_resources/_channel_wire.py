"""Pure readers from the channel endpoints' JSON to the models: phone numbers and templates.

Lenient, as every reader: unknown fields stay in ``raw``, an odd optional
field reads as ``None``. Strict only where a wrong type means the answer is
not that thing at all: an item that is not an object, or has no usable id
(raised as ``MalformedResponseError`` naming the path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qlara._converter import converter
from qlara._errors import MalformedResponseError
from qlara._models.rcs import RcsBody
from qlara._models.templates import (
    PhoneNumber,
    RcsTemplate,
    TemplateButton,
    TemplateComponent,
    WhatsAppTemplateDetails,
)
from qlara._wire import text as _text

__all__ = [
    "has_id",
    "listed_under",
    "optional_id",
    "parse_phone_number",
    "parse_rcs_template",
    "parse_whatsapp_template",
    "read_id",
    "read_object",
    "unwrap",
    "upper",
]


def read_object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed {what}: expected an object, got {type(data).__name__} @ $"
        )
    return data


def read_id(data: Mapping[str, Any], what: str, *keys: str) -> int | str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip():
            return value
    raise MalformedResponseError(f"malformed {what}: no {' or '.join(keys)} @ $.{keys[0]}")


def optional_id(value: Any) -> int | str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value if isinstance(value, str) and value else None


def upper(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text.upper()


def parse_phone_number(data: Any) -> PhoneNumber:
    """One phone-numbers item (or the single-number answer)."""
    item = read_object(data, "phone number")
    return PhoneNumber(
        id=read_id(item, "phone number", "id", "phoneNumberId"),
        phone_number=_text(item.get("phoneNumber") or item.get("displayPhoneNumber")),
        display_name=_text(item.get("displayName")),
        verified_name=_text(item.get("verifiedName")),
        status=upper(item.get("status")),
        quality_rating=upper(item.get("qualityRating")),
        messaging_limit=_text(item.get("messagingLimit")),
        platform=_text(item.get("platform")),
        raw=item,
    )


def unwrap(data: Any, *keys: str) -> Any:
    """A single-item answer, whether bare, wrapped (``{"data": {...}}``) or a list of one."""
    if isinstance(data, Mapping):
        for key in keys:
            inner = data.get(key)
            if isinstance(inner, Mapping):
                return inner
            if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], Mapping):
                return inner[0]
    return data


def listed_under(*keys: str) -> Callable[[Any], Any]:
    """A page envelope: the items under one of ``keys`` when the answer names them so.

    ``{"media": [...], "folders": [...]}`` holds two lists, which the generic
    page reader cannot choose between; the endpoint's own noun settles it.
    """

    def envelope(data: Any) -> Any:
        if isinstance(data, Mapping) and not isinstance(data.get("data"), (list, Mapping)):
            for key in keys:
                if isinstance(data.get(key), list):
                    return {**data, "data": data[key]}
        return data

    return envelope


def has_id(data: Any, *keys: str) -> bool:
    """Whether a write's answer is the written thing (it carries an id), not a bare ack."""
    item = unwrap(data, "data", "template")
    return isinstance(item, Mapping) and any(item.get(key) not in (None, "") for key in keys)


def _button(data: Any) -> TemplateButton | None:
    if not isinstance(data, Mapping):
        return None
    return TemplateButton(
        type=upper(data.get("type")),
        text=_text(data.get("text")),
        url=_text(data.get("url")),
        phone_number=_text(data.get("phoneNumber") or data.get("phone_number")),
        raw=data,
    )


def _buttons(value: Any) -> tuple[TemplateButton, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(b for b in (_button(item) for item in value) if b is not None)


def _component(data: Any) -> TemplateComponent | None:
    if not isinstance(data, Mapping):
        return None
    kind = upper(data.get("type"))
    if kind is None:
        return None
    media = data.get("example") if isinstance(data.get("example"), Mapping) else {}
    handle = media.get("header_handle") if isinstance(media, Mapping) else None
    media_url = _text(data.get("mediaUrl") or data.get("headerMediaUrl"))
    if media_url is None and isinstance(handle, list) and handle:
        media_url = _text(handle[0])
    return TemplateComponent(
        type=kind,
        format=upper(data.get("format")),
        text=_text(data.get("text")),
        media_url=media_url,
        buttons=_buttons(data.get("buttons")),
        raw=data,
    )


def _written_components(item: Mapping[str, Any]) -> tuple[TemplateComponent, ...]:
    """Components from the create dialect (``headerText``, ``body``, ``footer``, ``buttons``)."""
    found: list[TemplateComponent] = []
    header_text = _text(item.get("headerText"))
    header_format = upper(item.get("headerFormat"))
    if header_text is not None or header_format is not None:
        found.append(
            TemplateComponent(
                type="HEADER",
                format=header_format or "TEXT",
                text=header_text,
                media_url=_text(item.get("headerMediaUrl")),
            )
        )
    body = item.get("body")
    if isinstance(body, str):
        found.append(TemplateComponent(type="BODY", text=body))
    footer = _text(item.get("footer"))
    if footer is not None:
        found.append(TemplateComponent(type="FOOTER", text=footer))
    buttons = _buttons(item.get("buttons"))
    if buttons:
        found.append(TemplateComponent(type="BUTTONS", buttons=buttons))
    return tuple(found)


def parse_whatsapp_template(data: Any) -> WhatsAppTemplateDetails:
    """A template in either dialect: Meta's ``components`` or the create dialect's fields."""
    item = read_object(unwrap(data, "data", "template"), "WhatsApp template")
    raw_components = item.get("components")
    components: tuple[TemplateComponent, ...] = ()
    if isinstance(raw_components, list):
        components = tuple(c for c in (_component(x) for x in raw_components) if c is not None)
    if not components:  # no (readable) components: the create dialect's fields, if any
        components = _written_components(item)
    return WhatsAppTemplateDetails(
        id=read_id(item, "WhatsApp template", "id", "templateId"),
        name=_text(item.get("name")),
        language=_text(item.get("language") or item.get("lang")),
        category=upper(item.get("category")),
        status=upper(item.get("status")),
        components=components,
        rejection_reason=_text(item.get("rejectionReason") or item.get("rejectedReason")),
        phone_number_id=optional_id(item.get("phoneNumberId")),
        raw=item,
    )


def _rcs_body(kind: str | None, body: Any) -> RcsBody | None:
    if kind is None or not isinstance(body, Mapping):
        return None
    try:
        return converter.structure({"type": kind, "body": body}, RcsBody)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an unreadable body stays in raw; the template is still one
        return None


def parse_rcs_template(data: Any) -> RcsTemplate:
    """A stored RCS template; its body read into ``RcsText``/``RcsCard``/``RcsCarousel``."""
    item = read_object(unwrap(data, "data", "template"), "RCS template")
    kind = upper(item.get("type"))
    body = item.get("body")
    if isinstance(body, Mapping) and isinstance(body.get("body"), Mapping):
        # The send's wire shape stored whole: {"type": "TEXT", "body": {...}}.
        kind = kind or upper(body.get("type"))
        body = body["body"]
    return RcsTemplate(
        id=read_id(item, "RCS template", "id", "templateId"),
        name=_text(item.get("name")),
        description=_text(item.get("description")),
        type=kind,
        body=_rcs_body(kind, body),
        raw=item,
    )
