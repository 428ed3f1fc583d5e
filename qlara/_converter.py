"""The single cattrs converter: snake_case models <-> the API's camelCase JSON.

Unstructuring (model -> wire) omits fields left at their default, so the SDK
sends only what the caller set and the platform's documented defaults apply.
A field's wire name is its camelCase name unless its metadata says
``{"wire": "..."}``. Structuring (wire -> model) is strict about types (cattrs
would otherwise turn ``1`` into ``"1"``), tolerant of unknown fields, and turns
every failure into ``MalformedResponseError`` with readable paths
(``... @ $.results.sms.parts``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Optional, TypeVar, Union

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from qlara._errors import MalformedResponseError
from qlara._models import (
    Channel,
    RcsAction,
    RcsBody,
    RcsCard,
    RcsCarousel,
    RcsDial,
    RcsMedia,
    RcsOpenUrl,
    RcsReply,
    RcsSuggestion,
    RcsText,
    SmsFallback,
)

__all__ = [
    "converter",
    "format_scheduled_date",
    "parse_message",
    "structure",
    "unstructure",
]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    return str(attribute.metadata.get("wire", camel(attribute.name)))


# -- strict primitives: a wrong type from the server is an error, not a coercion --


def _strict(expected: type[Any], *accepted: type[Any]) -> Callable[[Any, Any], Any]:
    allowed = accepted or (expected,)

    def hook(value: Any, _: Any) -> Any:
        if isinstance(value, bool) and expected is not bool:
            raise TypeError(f"expected {expected.__name__}, got a boolean")
        if not isinstance(value, allowed):
            raise TypeError(f"expected {expected.__name__}, got {type(value).__name__}")
        return expected(value) if expected is float else value

    return hook


converter.register_structure_hook(str, _strict(str))
converter.register_structure_hook(int, _strict(int))
converter.register_structure_hook(float, _strict(float, int, float))
converter.register_structure_hook(bool, _strict(bool))


# -- attrs classes: camelCase both ways --


def _unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    overrides = {
        a.name: override(rename=wire_name(a), omit_if_default=True) for a in attrs.fields(cls)
    }
    return make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]


def _structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
    overrides = {a.name: override(rename=wire_name(a)) for a in attrs.fields(cls)}
    return make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]


converter.register_unstructure_hook_factory(attrs.has, _unstructure_factory)
converter.register_structure_hook_factory(attrs.has, _structure_factory)


# -- values with a wire format of their own --


def format_scheduled_date(value: datetime) -> str:
    """Render ``yyyy-MM-dd HH:mm:ss.SSSZ``, e.g. ``2026-04-10 08:00:00.000+0200``."""
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond // 1000:03d}{value:%z}"


converter.register_unstructure_hook(datetime, format_scheduled_date)
converter.register_unstructure_hook(Channel, lambda channel: channel.value)


def _suggestion(kind: str, text: str, **payload: Any) -> dict[str, Any]:
    return {"type": kind, "text": text, **{k: v for k, v in payload.items() if v is not None}}


converter.register_unstructure_hook(
    RcsReply, lambda s: _suggestion("reply", s.text, postbackData=s.postback_data)
)
converter.register_unstructure_hook(
    RcsOpenUrl, lambda s: _suggestion("url", s.text, url={"url": s.url})
)
converter.register_unstructure_hook(
    RcsDial, lambda s: _suggestion("dial", s.text, dial={"phoneNumber": s.phone_number})
)
converter.register_unstructure_hook(
    RcsAction, lambda s: _suggestion(s.type, s.text, **{s.type: dict(s.payload or {})})
)


def _with_extras(inner: dict[str, Any], suggestions: Any, fallback_sms: Any) -> dict[str, Any]:
    if suggestions:
        inner["suggestions"] = [converter.unstructure(s) for s in suggestions]
    if fallback_sms is not None:
        inner["fallbackSms"] = converter.unstructure(fallback_sms)
    return inner


def _card_content(card: RcsCard) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    if card.title is not None:
        inner["title"] = card.title
    if card.description is not None:
        inner["description"] = card.description
    if card.media is not None:
        inner["media"] = converter.unstructure(card.media)
    return _with_extras(inner, card.suggestions, None)


def _rcs_text(body: RcsText) -> dict[str, Any]:
    inner = _with_extras({"text": body.text}, body.suggestions, body.fallback_sms)
    return {"type": "TEXT", "body": inner}


def _rcs_card(body: RcsCard) -> dict[str, Any]:
    inner: dict[str, Any] = {"cardOrientation": body.orientation}
    if body.thumbnail_alignment is not None:
        inner["thumbnailAlignment"] = body.thumbnail_alignment
    inner["card"] = _card_content(body)
    return {"type": "CARD", "body": _with_extras(inner, (), body.fallback_sms)}


def _rcs_carousel(body: RcsCarousel) -> dict[str, Any]:
    inner = {"cardWidth": body.card_width, "cards": [_card_content(c) for c in body.cards]}
    return {"type": "CAROUSEL", "body": _with_extras(inner, (), body.fallback_sms)}


converter.register_unstructure_hook(RcsText, _rcs_text)
converter.register_unstructure_hook(RcsCard, _rcs_card)
converter.register_unstructure_hook(RcsCarousel, _rcs_carousel)


def unstructure(value: Any) -> Any:
    """Model -> JSON-ready data."""
    return converter.unstructure(value)


# -- the way back (wire -> message), used by the simulator and the round-trip tests --


def parse_scheduled_date(value: Any, _: Any = None) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected a date string, got {type(value).__name__}")
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f%z")


def _passthrough(*allowed: type[Any]) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if value is None and type(None) in allowed:
            return None
        if isinstance(value, bool) or not isinstance(value, allowed):
            names = " or ".join(t.__name__ for t in allowed)
            raise TypeError(f"expected {names}, got {type(value).__name__}")
        return value

    return hook


def _structure_suggestion(data: Any, _: Any = None) -> RcsSuggestion:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a suggestion object, got {type(data).__name__}")
    # The models validate the values; Any keeps mypy out of a runtime check.
    kind: Any = data.get("type")
    text: Any = data.get("text")
    if kind == "reply":
        return RcsReply(text=text, postback_data=data.get("postbackData"))
    if kind == "url":
        url: Any = (data.get("url") or {}).get("url")
        return RcsOpenUrl(text=text, url=url)
    if kind == "dial":
        number: Any = (data.get("dial") or {}).get("phoneNumber")
        return RcsDial(text=text, phone_number=number)
    return RcsAction(
        type=kind, text=text, payload=data.get(kind) if isinstance(kind, str) else None
    )


def _card_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    media = data.get("media")
    return {
        "title": data.get("title"),
        "description": data.get("description"),
        "media": None if media is None else converter.structure(media, RcsMedia),
        "suggestions": [_structure_suggestion(s) for s in data.get("suggestions") or ()],
    }


def _fallback(data: Mapping[str, Any]) -> SmsFallback | None:
    value = data.get("fallbackSms")
    return None if value is None else converter.structure(value, SmsFallback)


def _structure_rcs_body(data: Any, _: Any = None) -> RcsBody | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("body"), Mapping):
        raise TypeError("expected {type, body} for an RCS body")
    kind, inner = data.get("type"), data["body"]
    if kind == "TEXT":
        suggestions = [_structure_suggestion(s) for s in inner.get("suggestions") or ()]
        return RcsText(
            text=inner.get("text"), suggestions=suggestions, fallback_sms=_fallback(inner)
        )
    if kind == "CARD":
        return RcsCard(
            **_card_fields(inner.get("card") or {}),
            orientation=inner.get("cardOrientation", "VERTICAL"),
            thumbnail_alignment=inner.get("thumbnailAlignment"),
            fallback_sms=_fallback(inner),
        )
    if kind == "CAROUSEL":
        cards = [RcsCard(**_card_fields(card)) for card in inner.get("cards") or ()]
        return RcsCarousel(
            cards=cards, card_width=inner.get("cardWidth", "MEDIUM"), fallback_sms=_fallback(inner)
        )
    raise ValueError(f"unknown RCS body type {kind!r}")


converter.register_structure_hook(datetime, parse_scheduled_date)
converter.register_structure_hook(RcsBody, _structure_rcs_body)
converter.register_structure_hook(Optional[RcsBody], _structure_rcs_body)  # noqa: UP045
converter.register_structure_hook(RcsSuggestion, _structure_suggestion)
converter.register_structure_hook(Union[int, str], _passthrough(int, str))  # noqa: UP007
converter.register_structure_hook(Optional[Union[int, str]], _passthrough(int, str, type(None)))  # noqa: UP007, UP045
converter.register_structure_hook(
    Optional[Union[Mapping[str, Any], str]],  # noqa: UP007, UP045
    _passthrough(Mapping, str, type(None)),
)


def parse_message(data: Any, cls: type[T]) -> T:
    """Wire body -> message model, validated exactly as a caller's would be."""
    return converter.structure(data, cls)


# -- answers --


_MAPPING_KEY = re.compile(r"\['([A-Za-z_][A-Za-z0-9_]*)'\]")
_SNAKE_SEGMENT = re.compile(r"\.([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")


def _camel_segment(match: re.Match[str]) -> str:
    return "." + camel(match.group(1))


def _describe(exc: Exception) -> str:
    if isinstance(exc, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        # cattrs writes mapping keys as ['sms'] and attributes by their Python
        # names; $.results.sms.statusCode is what the platform actually sent.
        lines = cattrs.transform_error(exc, path="$")
        return "; ".join(
            _SNAKE_SEGMENT.sub(_camel_segment, _MAPPING_KEY.sub(r".\1", e)) for e in lines
        )
    return f"{type(exc).__name__}: {exc} @ $"


def structure(data: Any, cls: type[T], *, what: str | None = None) -> T:
    """Wire data -> model, or ``MalformedResponseError`` naming where it broke."""
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs raises a zoo of types; all mean the same here
        label = what or cls.__name__
        raise MalformedResponseError(f"malformed {label} answer: {_describe(exc)}") from exc
