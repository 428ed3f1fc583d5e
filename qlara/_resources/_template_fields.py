"""The create dialect of WhatsApp templates: keyword arguments -> the JSON the platform takes.

Written with ``lang`` and named ``{placeholder}`` tokens (the platform turns
them into Meta's ``{{1}}``, ``{{2}}`` in order of first appearance); a text
holding ``{{1}}`` is the read dialect and is refused here, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from qlara._errors import ValidationError
from qlara._models.templates import META_TOKEN, WhatsAppButton

__all__ = ["CATEGORIES", "HEADER_FORMATS", "required_text", "template_fields"]

CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
HEADER_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT"})
_NAME = re.compile(r"[a-z0-9_]{1,512}")

_MISSING: Any = object()


def required_text(field: str, value: object) -> str:
    """A field that must hold some text (a template's name, body, description)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be non-empty text, got {value!r}")
    return value


def _written(field: str, value: object) -> str:
    text = required_text(field, value)
    if META_TOKEN.search(text):
        raise ValidationError(
            field,
            "uses Meta's {{1}} tokens, which is how the platform answers; write named "
            "tokens such as {first_name} (the placeholders map of a send uses those names)",
        )
    return text


def _choice(field: str, value: object, choices: frozenset[str]) -> str:
    if not isinstance(value, str) or value.upper() not in choices:
        raise ValidationError(field, f"must be one of {', '.join(sorted(choices))}, got {value!r}")
    return value.upper()


def _button(index: int, value: object) -> dict[str, Any]:
    if isinstance(value, WhatsAppButton):
        out: dict[str, Any] = {"type": value.type, "text": value.text}
        if value.url is not None:
            out["url"] = value.url
        if value.phone_number is not None:
            out["phoneNumber"] = value.phone_number
        return out
    if isinstance(value, Mapping):
        return dict(value)
    raise ValidationError(
        f"buttons[{index}]", f"must be a qlara.WhatsAppButton or a dict, got {type(value).__name__}"
    )


def _sequence(field: str, value: object) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(field, f"must be a list, got {type(value).__name__}")
    return value


def template_fields(
    *,
    name: object = _MISSING,
    lang: object = _MISSING,
    category: object = _MISSING,
    body: object = _MISSING,
    header_text: object = None,
    header_format: object = None,
    header_media_url: object = None,
    footer: object = None,
    buttons: object = None,
    placeholder_fields: object = None,
    track_button_links: object = None,
    partial: bool = False,
) -> dict[str, Any]:
    """The JSON body; ``None`` (and, for an update, an argument not given) is not sent.

    ``partial`` is an update (a PATCH of the stored template): there
    ``header_media_url`` may come alone, the new media of a stored media
    header, whose format the PATCH leaves as it is.
    """
    out: dict[str, Any] = {}
    if name is not _MISSING and name is not None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(
                "name", f"must be lowercase snake_case (a-z, 0-9, _), got {name!r}"
            )
        out["name"] = name
    if lang is not _MISSING and lang is not None:
        out["lang"] = required_text("lang", lang)
    if category is not _MISSING and category is not None:
        out["category"] = _choice("category", category, CATEGORIES)
    if body is not _MISSING and body is not None:
        out["body"] = _written("body", body)
    if header_text is not None and header_format is not None:
        raise ValidationError("header_text", "give header_text or header_format, not both")
    if header_text is not None:
        out["headerText"] = _written("header_text", header_text)
    if header_format is not None:
        out["headerFormat"] = _choice("header_format", header_format, HEADER_FORMATS)
    if header_media_url is not None:
        if header_format is None and not partial:
            raise ValidationError("header_media_url", "needs header_format (IMAGE, VIDEO...)")
        url = required_text("header_media_url", header_media_url)
        if not url.startswith("https://"):
            raise ValidationError("header_media_url", f"must be an https:// URL, got {url!r}")
        out["headerMediaUrl"] = url
    if footer is not None:
        out["footer"] = _written("footer", footer)
    if buttons is not None:
        out["buttons"] = [_button(i, b) for i, b in enumerate(_sequence("buttons", buttons))]
    if placeholder_fields is not None:
        fields = _sequence("placeholder_fields", placeholder_fields)
        for index, item in enumerate(fields):
            if not isinstance(item, Mapping):
                raise ValidationError(f"placeholder_fields[{index}]", "must be a dict")
        out["placeholderFields"] = [dict(item) for item in fields]
    if track_button_links is not None:
        if not isinstance(track_button_links, bool):
            raise ValidationError("track_button_links", "must be True, False or None")
        out["trackButtonLinks"] = track_button_links
    return out


def required(fields: Mapping[str, Any], *names: tuple[str, str]) -> None:
    """Each ``(argument, wire name)`` must be present (create needs them)."""
    for argument, wire in names:
        if wire not in fields:
            raise ValidationError(argument, "is required")
