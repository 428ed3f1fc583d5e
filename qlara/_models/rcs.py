"""RCS content (text, rich card, carousel, suggestions) and the RCS message.

The wire shapes follow the API facts §5.3: an inline body is sent as
``{"type": "TEXT"|"CARD"|"CAROUSEL", "body": {...}}``. Enum-like values
(orientation, alignment, heights, widths) are sent in upper case; only
VERTICAL, LEFT, TALL and MEDIUM are documented, the rest come from Google RBM,
so the SDK checks them against RBM's lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Union

import attrs

from qlara._errors import ValidationError
from qlara._models import _validate as v
from qlara._models.channel import Channel
from qlara._models.fallback import SmsFallback
from qlara._models.message import Message

SUGGESTION_TEXT_MAX = 25
CAROUSEL_CARDS = (2, 10)
ORIENTATIONS = frozenset({"VERTICAL", "HORIZONTAL"})
ALIGNMENTS = frozenset({"LEFT", "RIGHT"})
MEDIA_HEIGHTS = frozenset({"SHORT", "MEDIUM", "TALL"})
CARD_WIDTHS = frozenset({"SMALL", "MEDIUM"})
# The documented suggestion types without a class of their own (reply, url and
# dial have theirs). Their payload goes under the key named by the type, so a
# free type could collide with the chip's own keys ("text", "type").
ACTION_TYPES = frozenset({"coordinates", "location", "calendar"})


def template_number(value: int | str | None) -> Any:
    """A stored template's id as a send takes it: an ``RcsTemplate.id`` read as ``"7"`` is 7.

    The send documents ``templateId`` as an integer, while a template read
    back may carry its id as text; digits are sent as the integer, anything
    else is left for the integer check to refuse, naming the field.
    """
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _payload(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.optional_mapping(_, attribute, value)
    if value is not None:
        v.json_value(attribute.name, value)


@attrs.frozen(kw_only=True)
class RcsReply:
    """A suggested reply chip; tapping it sends ``text`` (and ``postback_data``) back."""

    text: str = attrs.field(validator=v.text_up_to(SUGGESTION_TEXT_MAX))
    postback_data: str | None = attrs.field(default=None, validator=v.optional_text())


@attrs.frozen(kw_only=True)
class RcsOpenUrl:
    """A chip that opens a web page."""

    text: str = attrs.field(validator=v.text_up_to(SUGGESTION_TEXT_MAX))
    url: str = attrs.field(validator=v.non_empty_text)


@attrs.frozen(kw_only=True)
class RcsDial:
    """A chip that dials a number."""

    text: str = attrs.field(validator=v.text_up_to(SUGGESTION_TEXT_MAX))
    phone_number: str = attrs.field(validator=v.e164)


@attrs.frozen(kw_only=True)
class RcsAction:
    """One of the other documented suggestions: ``coordinates``, ``location``, ``calendar``.

    Their payloads are undocumented, so ``payload`` (plain JSON) is sent as
    given, under the key named by ``type`` (the pattern of the documented
    ``url`` and ``dial``). Other types are refused: use ``RcsReply``,
    ``RcsOpenUrl`` or ``RcsDial`` for those.
    """

    type: str = attrs.field(converter=_lower, validator=v.one_of(ACTION_TYPES, optional=False))
    text: str = attrs.field(validator=v.text_up_to(SUGGESTION_TEXT_MAX))
    payload: Mapping[str, Any] | None = attrs.field(default=None, validator=_payload)


RcsSuggestion = Union[RcsReply, RcsOpenUrl, RcsDial, RcsAction]  # noqa: UP007
_SUGGESTION_TYPES = (RcsReply, RcsOpenUrl, RcsDial, RcsAction)


def _suggestions(value: object) -> tuple[RcsSuggestion, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(
            "suggestions", "must be a list of RcsReply/RcsOpenUrl/RcsDial/RcsAction"
        )
    for index, item in enumerate(value):
        if not isinstance(item, _SUGGESTION_TYPES):
            raise ValidationError(
                f"suggestions[{index}]",
                f"must be RcsReply, RcsOpenUrl, RcsDial or RcsAction, got {type(item).__name__}",
            )
    return tuple(value)


@attrs.frozen(kw_only=True)
class RcsMedia:
    """An image or video shown on a card; the URL must stay public for the send window."""

    file_url: str = attrs.field(validator=v.https_url)
    height: str | None = attrs.field(
        default=None, converter=v.upper, validator=v.one_of(MEDIA_HEIGHTS)
    )


_FALLBACK = v.optional_instance(SmsFallback, "qlara.SmsFallback")


@attrs.frozen(kw_only=True)
class RcsText:
    """A text message with optional suggestion chips."""

    text: str = attrs.field(validator=v.non_empty_text)
    suggestions: tuple[RcsSuggestion, ...] = attrs.field(default=(), converter=_suggestions)
    fallback_sms: SmsFallback | None = attrs.field(default=None, validator=_FALLBACK)


@attrs.frozen(kw_only=True)
class RcsCard:
    """A rich card: title, description, media and suggestions.

    Used alone as a message body, or as one card of an ``RcsCarousel`` (where
    ``orientation``, ``thumbnail_alignment`` and ``fallback_sms`` mean nothing
    and must be left at their defaults).
    """

    title: str | None = attrs.field(default=None, validator=v.optional_text(200))
    description: str | None = attrs.field(default=None, validator=v.optional_text(2000))
    media: RcsMedia | None = attrs.field(
        default=None, validator=v.optional_instance(RcsMedia, "qlara.RcsMedia")
    )
    suggestions: tuple[RcsSuggestion, ...] = attrs.field(default=(), converter=_suggestions)
    orientation: str = attrs.field(
        default="VERTICAL", converter=v.upper, validator=v.one_of(ORIENTATIONS, optional=False)
    )
    thumbnail_alignment: str | None = attrs.field(
        default=None, converter=v.upper, validator=v.one_of(ALIGNMENTS)
    )
    fallback_sms: SmsFallback | None = attrs.field(default=None, validator=_FALLBACK)

    def __attrs_post_init__(self) -> None:
        if self.title is None and self.description is None and self.media is None:
            raise ValidationError("card", "needs at least a title, a description or media")


def _carousel_cards(value: object) -> tuple[RcsCard, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError("cards", "must be a list of RcsCard")
    low, high = CAROUSEL_CARDS
    if not low <= len(value) <= high:
        raise ValidationError("cards", f"a carousel needs {low} to {high} cards, got {len(value)}")
    for index, card in enumerate(value):
        if not isinstance(card, RcsCard):
            raise ValidationError(
                f"cards[{index}]", f"must be an RcsCard, got {type(card).__name__}"
            )
        if card.orientation != "VERTICAL" or card.thumbnail_alignment or card.fallback_sms:
            raise ValidationError(
                f"cards[{index}]",
                "orientation, thumbnail_alignment and fallback_sms apply to a single card, "
                "not to a carousel card",
            )
    return tuple(value)


@attrs.frozen(kw_only=True)
class RcsCarousel:
    """Two to ten cards the user swipes through."""

    cards: tuple[RcsCard, ...] = attrs.field(converter=_carousel_cards)
    card_width: str = attrs.field(
        default="MEDIUM", converter=v.upper, validator=v.one_of(CARD_WIDTHS, optional=False)
    )
    fallback_sms: SmsFallback | None = attrs.field(default=None, validator=_FALLBACK)


RcsBody = Union[RcsText, RcsCard, RcsCarousel]  # noqa: UP007
_BODY_TYPES = (RcsText, RcsCard, RcsCarousel)


def _optional_body(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, _BODY_TYPES):
        raise ValidationError(
            attribute.name, f"must be RcsText, RcsCard or RcsCarousel, got {type(value).__name__}"
        )


@attrs.frozen(kw_only=True)
class RcsMessage(Message):
    """One RCS message: an inline ``body`` or a stored ``template_id``, not both.

    Attributes:
        agent_id: the RCS agent configured on the account.
        body: inline content (``RcsText``, ``RcsCard`` or ``RcsCarousel``).
        template_id: a stored RCS template (an ``RcsTemplate.id``; digits
            given as text are sent as the integer).
        enable_notification: ask for DELIVERY and READ callbacks.
        max_sms_parts: allow an SMS fallback of at most this many parts (no
            fallback happens unless it is set).
    """

    channel: ClassVar[Channel] = Channel.RCS

    agent_id: int = attrs.field(validator=v.integer(minimum=1))
    body: RcsBody | None = attrs.field(default=None, validator=_optional_body)
    template_id: int | None = attrs.field(
        default=None, converter=template_number, validator=v.optional_integer(minimum=1)
    )
    enable_notification: bool = attrs.field(default=True, validator=v.boolean)
    max_sms_parts: int | None = attrs.field(default=None, validator=v.optional_integer(minimum=1))

    def __attrs_post_init__(self) -> None:
        v.exactly_one(("body", "template_id"), self.body, self.template_id)
