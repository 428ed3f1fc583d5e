"""Where in a send body a problem lies, as a full wire path.

The simulator validates a send by structuring it into the SDK's own models,
so a 400 says exactly what the SDK would refuse. cattrs reports the failing
attribute at each level of the tree; this module follows that trail through
the wire data and names the field as the platform's JSON spells it:
``fallbackRcs.body.body.suggestions[0].text``, each segment once.

An inline RCS body is built by one hook (its ``{type, body}`` envelope does
not map onto attributes), so cattrs can only blame ``body`` as a whole; the
body's parts are then checked one by one, in the hook's order, to find the
one at fault.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import cattrs

from qlara._converter import camel, converter, wire_name
from qlara._errors import ValidationError
from qlara._models import (
    RcsBody,
    RcsCard,
    RcsFallback,
    RcsMedia,
    RcsMessage,
    RcsSuggestion,
    SmsFallback,
)

__all__ = ["InvalidRequestError", "first_problem"]

Path = tuple[str, ...]

# Model field -> wire path, where the RCS hook does not keep the attribute's name.
SUGGESTION_FIELDS = {
    "postback_data": "postbackData",
    "url": "url.url",
    "phone_number": "dial.phoneNumber",
}
TEXT_FIELDS = {"text": "text", "suggestions": "suggestions"}
CARD_FIELDS = {
    "card": "card",
    "title": "card.title",
    "description": "card.description",
    "media": "card.media",
    "suggestions": "card.suggestions",
    "orientation": "cardOrientation",
    "thumbnail_alignment": "thumbnailAlignment",
}
CARD_OWN_FIELDS = {
    "card": "",
    "title": "title",
    "description": "description",
    "media": "media",
    "suggestions": "suggestions",
}
CAROUSEL_FIELDS = {"cards": "cards", "card_width": "cardWidth"}


class InvalidRequestError(Exception):
    """A request the platform answers with 400; ``field`` uses wire names."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def join(path: Sequence[str]) -> str:
    """``("body", "suggestions", "[0]", "text")`` -> ``body.suggestions[0].text``."""
    text = ""
    for segment in path:
        if not segment:
            continue
        text += segment if segment.startswith("[") or not text else f".{segment}"
    return text or "body"


def split(field: str) -> Path:
    """``suggestions[0].text`` -> ``("suggestions", "[0]", "text")``."""
    return tuple(part for part in re.split(r"\.|(?=\[)", field) if part)


def wire_path(field: str) -> str:
    """``fallback_sms.body`` -> ``fallbackSms.body`` (indexes untouched)."""
    return re.sub(r"[A-Za-z_]+", lambda m: camel(m.group(0)), field)


def wire_text(problem: str) -> str:
    """The SDK's problems name fields in snake_case; the wire speaks camelCase."""
    return re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", lambda m: camel(m.group(0)), problem)


def qualify(here: Path, field: str, owner: type[Any] | None = None) -> str:
    """A model's own field name, placed under ``here`` without repeating a segment.

    The first segment is an attribute of ``owner`` when it names one, and takes
    its wire name (``SmsFallback.body`` is ``text`` on the wire). Models name
    some problems from their parent's side (``RcsFallback`` says
    ``fallback_rcs.body``, ``WhatsAppTemplate`` says ``template.language``):
    when the field starts with the segment ``here`` ends in, it is not added
    twice. ``a/b`` alternatives are qualified one by one.
    """
    paths = []
    for alternative in field.split("/"):
        head, *rest = split(alternative) or ("",)
        segments = (_field_name(owner, head), *(wire_path(part) for part in rest))
        base = here[:-1] if here and segments[:1] == here[-1:] else here
        paths.append(join(base + segments))
    return "/".join(paths)


def _field_name(owner: type[Any] | None, attribute: str) -> str:
    """The wire name of an attribute of ``owner`` (its ``wire`` metadata, else camelCase)."""
    if owner is not None and attrs.has(owner):
        field = attrs.fields_dict(owner).get(attribute)
        if field is not None:
            return wire_name(field)
    return camel(attribute)


def _child(data: Any, key: str | int) -> Any:
    if isinstance(key, str):
        return data.get(key) if isinstance(data, Mapping) else None
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)) and key < len(data):
        return data[key]
    return None


def first_problem(
    exc: BaseException, data: Any, here: Path = (), owner: type[Any] | None = None
) -> InvalidRequestError:
    """The first leaf of a cattrs error tree, with its full path in wire names.

    Args:
        exc: what structuring ``data`` into ``owner`` raised.
        data: the wire data at ``here``.
        here: the wire path of ``data`` in the request body.
        owner: the attrs class ``data`` was being structured into, when known.
    """
    attribute = None
    for note in getattr(exc, "__notes__", ()):
        name = getattr(note, "name", None)
        index = getattr(note, "index", None)
        if isinstance(name, str):
            attribute = name
            wire = _field_name(owner, name)
            here, data = (*here, wire), _child(data, wire)
        elif isinstance(index, int):
            here, data = (*here, f"[{index}]"), _child(data, index)
    if attribute == "body" and owner in (RcsMessage, RcsFallback):
        # The RCS hook fails as a whole (even for a nested media or fallbackSms).
        located = rcs_body_problem(data, here)
        if located is not None:
            return located
    if isinstance(exc, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        inner = getattr(exc, "cl", None)
        return first_problem(
            exc.exceptions[0], data, here, inner if isinstance(inner, type) else None
        )
    return leaf_problem(exc, here, owner)


def leaf_problem(
    exc: BaseException, here: Path, owner: type[Any] | None = None
) -> InvalidRequestError:
    """One failure that is not a group, blamed on ``here`` (or on its own field of ``owner``)."""
    if isinstance(exc, ValidationError):
        return InvalidRequestError(qualify(here, exc.field, owner), wire_text(exc.problem))
    if isinstance(exc, KeyError):
        return InvalidRequestError(join(here), "is required")
    if isinstance(exc, ValueError) and "does not match format" in str(exc):
        return InvalidRequestError(join(here), "must be formatted yyyy-MM-dd HH:mm:ss.SSSZ")
    return InvalidRequestError(join(here), f"invalid value ({exc})")


def _mapped(exc: BaseException, here: Path, fields: Mapping[str, str]) -> InvalidRequestError:
    """A problem a model raised while the RCS hook built it, under its wire path."""
    if isinstance(exc, ValidationError):
        head, _, rest = exc.field.partition("[")
        wire = fields.get(head)
        if wire is not None:
            tail = f"[{rest}" if rest else ""
            return InvalidRequestError(join((*here, *split(wire + tail))), wire_text(exc.problem))
    return leaf_problem(exc, here)


def _structure(value: Any, cls: Any) -> Any:
    # Any: the RCS unions are typing forms, which cattrs' signature does not admit.
    return converter.structure(value, cls)


def _attempt(build: Callable[[], object]) -> BaseException | None:
    try:
        build()
    except Exception as exc:  # noqa: BLE001 - any failure is the one we are looking for
        return exc
    return None


def _suggestions_problem(holder: Mapping[str, Any], here: Path) -> InvalidRequestError | None:
    items = holder.get("suggestions")
    if items is None:
        return None
    at = (*here, "suggestions")
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        return InvalidRequestError(join(at), "must be a list")
    for index, item in enumerate(items):
        failure = _attempt(functools.partial(_structure, item, RcsSuggestion))
        if failure is not None:
            kind = item.get("type") if isinstance(item, Mapping) else None
            fields = {**SUGGESTION_FIELDS, "text": "text", "type": "type"}
            if isinstance(kind, str) and kind:
                fields["payload"] = kind
            return _mapped(failure, (*at, f"[{index}]"), fields)
    return None


def _structured_problem(
    holder: Mapping[str, Any], key: str, cls: type[Any], here: Path
) -> InvalidRequestError | None:
    value = holder.get(key)
    if value is None:
        return None
    failure = _attempt(functools.partial(_structure, value, cls))
    return None if failure is None else first_problem(failure, value, (*here, key), None)


def _card_problem(card: Any, here: Path, fields: Mapping[str, str]) -> InvalidRequestError | None:
    """A problem in one card's media, suggestions or own fields, ``here`` being the card."""
    if not isinstance(card, Mapping):
        return InvalidRequestError(join(here), "must be an object")
    problem = _structured_problem(card, "media", RcsMedia, here) or _suggestions_problem(card, here)
    if problem is not None:
        return problem
    failure = _attempt(
        lambda: RcsCard(
            title=card.get("title"),
            description=card.get("description"),
            media=None if card.get("media") is None else _structure(card["media"], RcsMedia),
            suggestions=[_structure(s, RcsSuggestion) for s in card.get("suggestions") or ()],
        )
    )
    return None if failure is None else _mapped(failure, here, fields)


def rcs_body_problem(data: Any, here: Path) -> InvalidRequestError | None:
    """The part of an inline RCS body (``{type, body}``) that the SDK refuses.

    Returns None when every part passes on its own (the caller then blames the
    body as a whole).
    """
    if not isinstance(data, Mapping):
        return InvalidRequestError(join(here), "must be an object with type and body")
    kind, inner = data.get("type"), data.get("body")
    if kind not in ("TEXT", "CARD", "CAROUSEL"):
        wrong = "is required" if kind is None else "must be TEXT, CARD or CAROUSEL"
        return InvalidRequestError(join((*here, "type")), wrong)
    at = (*here, "body")
    if not isinstance(inner, Mapping):
        return InvalidRequestError(
            join(at), "is required" if inner is None else "must be an object"
        )
    fields: Mapping[str, str]
    if kind == "TEXT":
        problem, fields = _suggestions_problem(inner, at), TEXT_FIELDS
    elif kind == "CARD":
        card = inner.get("card")
        if card is None:
            return InvalidRequestError(join((*at, "card")), "is required")
        problem = _card_problem(card, (*at, "card"), CARD_OWN_FIELDS)
        fields = CARD_FIELDS
    else:
        problem, fields = _carousel_cards_problem(inner, at), CAROUSEL_FIELDS
    # In the hook's order: the content first, then the body's SMS fallback.
    problem = problem or _structured_problem(inner, "fallbackSms", SmsFallback, at)
    if problem is not None:
        return problem
    failure = _attempt(functools.partial(_structure, data, RcsBody))
    return None if failure is None else _mapped(failure, at, fields)


def _carousel_cards_problem(inner: Mapping[str, Any], here: Path) -> InvalidRequestError | None:
    cards = inner.get("cards")
    if cards is None:
        return None
    if isinstance(cards, (str, bytes, Mapping)) or not isinstance(cards, Sequence):
        return InvalidRequestError(join((*here, "cards")), "must be a list")
    for index, card in enumerate(cards):
        problem = _card_problem(card, (*here, "cards", f"[{index}]"), CARD_OWN_FIELDS)
        if problem is not None:
            return problem
    return None
