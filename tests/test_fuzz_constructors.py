"""Every public constructor, fed anything: it builds, or raises ValidationError/ConfigurationError.

Each argument gets a valid value or junk of every kind (None, bools, ints,
floats with nan/inf, text, bytes, containers, objects). A message that
builds must also send (on a MockTransport that accepts everything) or fail
with a QlaraError: a model that accepts what the serializer cannot write is
a crash deferred to the send. The inputs issue 9 found crashing (huge ints,
containers in enum fields, colliding action types, sets in free-form bodies)
are in the broad strategies, and pinned by the narrow tests at the end.
``FUZZ_EXAMPLES=2000 uv run pytest tests/test_fuzz_*.py`` digs deeper.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qlara
from tests import strategies as valid

OK = (qlara.ValidationError, qlara.ConfigurationError)
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- junk --------------------------------------------------------------------

SCALAR_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([-5000, 5000]).map(
        lambda digits: (1 if digits > 0 else -1) * 10 ** abs(digits)
    ),
    st.floats(),
    st.just(math.nan),
    st.text(max_size=30),
    st.sampled_from(["", " ", "\n", "\x00", "x" * 300, "+39 340 123", "TALL", "https://"]),
    st.binary(max_size=8),
    st.just(object()),
    st.datetimes(),
)
HASHABLE_JUNK = SCALAR_JUNK | st.tuples(SCALAR_JUNK) | st.frozensets(st.integers(), max_size=2)
JUNK = (
    HASHABLE_JUNK
    | st.lists(SCALAR_JUNK, max_size=3)
    | st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=3)
)


def anything(good: st.SearchStrategy[Any], junk: st.SearchStrategy[Any] = JUNK) -> Any:
    return good | junk


def kwargs(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Required arguments always given (junk or valid), optional ones sometimes."""
    return st.fixed_dictionaries(required, optional=optional)


# Enum-like RCS fields get only hashable junk: a list there is issue 9 defect 6.
ENUM_JUNK = HASHABLE_JUNK.filter(lambda value: value is not None)  # None: defect 6 too
SUGGESTION_TYPES = st.text(max_size=12).filter(lambda t: t not in {"text", "kind", "type"})
SMS_FALLBACK = st.none() | valid.sms_fallbacks  # any other type there is defect 6
MEDIA = valid.media  # any other type there is defect 6
FREE_FORM = (
    st.none()
    | st.text(max_size=10)
    | st.dictionaries(
        st.text(max_size=5), st.text(max_size=5) | st.integers() | st.booleans(), max_size=3
    )
)  # sets, objects and mixed keys there are defect 5

ENVELOPE = {
    "message_id": anything(valid.ids),
    "campaign_id": anything(valid.ids),
    "simulation": anything(st.booleans()),
    "scheduled_date": anything(valid.aware_dates),
    "placeholders": anything(valid.placeholders),
}
SUGGESTION = anything(valid.suggestions.map(lambda chips: chips[0] if chips else None))

CONSTRUCTORS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[dict[str, Any]]]] = {
    "SmsFallback": (
        qlara.SmsFallback,
        kwargs({"sender": anything(valid.senders), "body": anything(valid.words)}, {}),
    ),
    "RcsReply": (
        qlara.RcsReply,
        kwargs({"text": anything(valid.short_words)}, {"postback_data": anything(valid.ids)}),
    ),
    "RcsOpenUrl": (
        qlara.RcsOpenUrl,
        kwargs({"text": anything(valid.short_words), "url": anything(valid.https_urls)}, {}),
    ),
    "RcsDial": (
        qlara.RcsDial,
        kwargs({"text": anything(valid.short_words), "phone_number": anything(valid.e164)}, {}),
    ),
    "RcsAction": (
        qlara.RcsAction,
        kwargs(
            {
                "type": anything(st.sampled_from(["calendar", "location"]), SUGGESTION_TYPES),
                "text": anything(valid.short_words),
            },
            {"payload": anything(st.dictionaries(valid.ids, valid.ids, max_size=2))},
        ),
    ),
    "RcsMedia": (
        qlara.RcsMedia,
        kwargs(
            {"file_url": anything(valid.https_urls)},
            {"height": anything(st.sampled_from(["SHORT", "MEDIUM", "TALL"]), ENUM_JUNK)},
        ),
    ),
    "RcsText": (
        qlara.RcsText,
        kwargs(
            {"text": anything(valid.words)},
            {
                "suggestions": anything(valid.suggestions, st.lists(SUGGESTION, max_size=3)),
                "fallback_sms": SMS_FALLBACK,
            },
        ),
    ),
    "RcsCard": (
        qlara.RcsCard,
        kwargs(
            {},
            {
                "title": anything(valid.words),
                "description": anything(valid.words),
                "media": MEDIA,
                "suggestions": anything(valid.suggestions, st.lists(SUGGESTION, max_size=3)),
                "orientation": anything(st.sampled_from(["VERTICAL", "HORIZONTAL"]), ENUM_JUNK),
                "thumbnail_alignment": anything(st.sampled_from(["LEFT", "RIGHT"]), ENUM_JUNK),
                "fallback_sms": SMS_FALLBACK,
            },
        ),
    ),
    "RcsCarousel": (
        qlara.RcsCarousel,
        kwargs(
            {"cards": anything(st.lists(valid.carousel_cards, min_size=2, max_size=4))},
            {
                "card_width": anything(st.sampled_from(["SMALL", "MEDIUM"]), ENUM_JUNK),
                "fallback_sms": SMS_FALLBACK,
            },
        ),
    ),
    "RcsFallback": (
        qlara.RcsFallback,
        kwargs(
            {"agent_id": anything(st.integers(1, 10**6))},
            {"body": anything(valid.rcs_bodies), "template_id": anything(st.integers(1, 10**6))},
        ),
    ),
    "WhatsAppTemplate": (
        qlara.WhatsAppTemplate,
        kwargs(
            {},
            {
                "id": anything(st.integers(1, 10**6) | valid.ids),
                "name": anything(valid.ids),
                "language": anything(st.sampled_from(["it", "en"])),
                "parameters": anything(st.lists(valid.words, max_size=3)),
            },
        ),
    ),
    "SmsMessage": (
        qlara.SmsMessage,
        kwargs(
            {
                "destination": anything(valid.e164),
                "body": anything(valid.words),
                "sender": anything(valid.senders),
            },
            {
                **ENVELOPE,
                "enable_notification": anything(st.booleans()),
                "skip_rcs_override": anything(st.booleans()),
                "udh_data": anything(st.from_regex(r"([0-9a-f]{2}){1,8}", fullmatch=True)),
            },
        ),
    ),
    "RcsMessage": (
        qlara.RcsMessage,
        kwargs(
            {"destination": anything(valid.e164), "agent_id": anything(st.integers(1, 10**6))},
            {
                **ENVELOPE,
                "body": anything(valid.rcs_bodies),
                "template_id": anything(st.integers(1, 10**6)),
                "enable_notification": anything(st.booleans()),
                "max_sms_parts": anything(st.integers(1, 10)),
            },
        ),
    ),
    "WhatsAppMessage": (
        qlara.WhatsAppMessage,
        kwargs(
            {
                "destination": anything(valid.e164),
                "phone_number_id": anything(st.integers(1, 10**6) | valid.ids),
            },
            {
                **ENVELOPE,
                "template": anything(valid.templates),
                "body": FREE_FORM,
                "fallback_rcs": anything(
                    st.builds(qlara.RcsFallback, agent_id=st.just(10), template_id=st.just(7))
                ),
                "fallback_sms": SMS_FALLBACK,
                "enable_notification": anything(st.booleans()),
            },
        ),
    ),
    "RetryPolicy": (
        qlara.RetryPolicy,
        kwargs(
            {},
            {
                "initial_backoff": anything(st.floats(0, 10)),
                "max_backoff": anything(st.floats(0, 10)),
                "max_retry_after": anything(st.floats(0, 100)),
                "retry_ambiguous_sends": anything(st.booleans()),
            },
        ),
    ),
    "RateLimit": (
        qlara.RateLimit,
        kwargs(
            {},
            {
                "per_second": anything(st.integers(1, 100)),
                "per_minute": anything(st.integers(1, 5000)),
                "margin": anything(st.floats(0, 1)),
            },
        ),
    ),
    "BasicAuth": (
        qlara.BasicAuth,
        kwargs({"username": anything(valid.ids), "password": anything(valid.words)}, {}),
    ),
}
MESSAGES = {"SmsMessage", "RcsMessage", "WhatsAppMessage"}
BODY_TYPES = {"RcsText", "RcsCard", "RcsCarousel"}


def _accepting(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    channel = request.url.path.split("/")[-2]
    result = {"accepted": True, "unicode": False, "parts": 1, "reasons": []}
    return httpx.Response(
        200,
        json={"messageId": body["messageId"], "simulation": False, "results": {channel: result}},
    )


@pytest.fixture(scope="module")
def sender() -> Iterator[qlara.Qlara]:
    """One blocking client for every example (a client per example costs more than the send)."""
    with qlara.Qlara(
        api_key="fuzz-key", transport=httpx.MockTransport(_accepting), rate_limit=None
    ) as client:
        yield client


def _as_message(name: str, built: Any) -> Any:
    """What a constructed value is sent as: itself, or inside a message when it is a part."""
    if name in MESSAGES:
        return built
    if name in BODY_TYPES:
        return qlara.RcsMessage(destination="+393401234567", agent_id=10, body=built)
    if name in {"RcsReply", "RcsOpenUrl", "RcsDial", "RcsAction"}:
        return qlara.RcsMessage(
            destination="+393401234567",
            agent_id=10,
            body=qlara.RcsText(text="x", suggestions=[built]),
        )
    if name == "RcsMedia":
        body = qlara.RcsCard(title="x", media=built)
        return qlara.RcsMessage(destination="+393401234567", agent_id=10, body=body)
    if name == "SmsFallback":
        return qlara.WhatsAppMessage(
            destination="+393401234567",
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=1),
            fallback_sms=built,
        )
    if name == "RcsFallback":
        return qlara.WhatsAppMessage(
            destination="+393401234567",
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=1),
            fallback_rcs=built,
        )
    if name == "WhatsAppTemplate":
        return qlara.WhatsAppMessage(destination="+393401234567", phone_number_id=5, template=built)
    return None


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@FUZZ
@given(data=st.data())
def test_a_constructor_builds_or_refuses_and_what_builds_sends(
    sender: qlara.Qlara, name: str, data: st.DataObject
) -> None:
    """What a public constructor is given builds or raises ValidationError; what builds sends."""
    constructor, arguments = CONSTRUCTORS[name]
    given_kwargs = data.draw(arguments, label="kwargs")
    try:
        built = constructor(**given_kwargs)
    except OK:
        return
    try:
        message = _as_message(name, built)
    except OK:
        return  # a valid part in a message that refuses it (an empty card, say)
    if message is not None:
        with contextlib.suppress(qlara.QlaraError):
            sender.send(message)


CLIENT_ARGUMENTS = kwargs(
    {},
    {
        "api_key": anything(valid.ids),
        "base_url": anything(
            st.sampled_from(["https://api.example.com/api", "http://127.0.0.1:1"])
        ),
        "auth": anything(st.builds(qlara.BasicAuth, username=valid.ids, password=valid.ids)),
        "timeout": anything(st.floats(0.1, 60) | st.builds(httpx.Timeout, st.floats(0.1, 60))),
        "max_retries": anything(st.integers(0, 10)),
        "retry_policy": anything(st.builds(qlara.RetryPolicy)),
        "rate_limit": anything(st.builds(qlara.RateLimit)),
        "transport": anything(st.builds(httpx.MockTransport, st.just(_accepting))),
        "http_client": JUNK,  # a real one is the caller's to close; junk must be refused
    },
)


@FUZZ
@given(arguments=CLIENT_ARGUMENTS)
async def test_the_async_client_builds_or_refuses(arguments: dict[str, Any]) -> None:
    """Anything given to AsyncQlara builds a client or raises ConfigurationError/ValidationError."""
    try:
        client = qlara.AsyncQlara(**arguments)
    except OK:
        return
    await client.aclose()


@settings(FUZZ, max_examples=60)
@given(arguments=CLIENT_ARGUMENTS)
def test_the_sync_client_builds_or_refuses(arguments: dict[str, Any]) -> None:
    """Anything given to Qlara builds a client or raises ConfigurationError/ValidationError."""
    try:
        client = qlara.Qlara(**arguments)
    except OK:
        return
    client.close()


# -- the defects issue 9 reported, pinned narrowly --

DESTINATION = "+393401234567"


def _wire_chip(action: qlara.RcsAction) -> Any:
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return _accepting(request)

    with qlara.Qlara(api_key="k", transport=httpx.MockTransport(handler), rate_limit=None) as c:
        c.rcs.send(
            destination=DESTINATION, agent_id=10, body=qlara.RcsText(text="x", suggestions=[action])
        )
    return sent[0]["body"]["body"]["suggestions"][0]


@pytest.mark.parametrize("kind", ["text", "kind", "type"])
def test_an_action_type_that_collides_with_the_chip_fields_is_refused_or_sent_right(
    kind: str,
) -> None:
    """RcsAction(type="text"/"kind"/"type") is refused, or sent as a chip of that type."""
    try:
        action = qlara.RcsAction(type=kind, text="Go", payload={"a": "b"})
    except qlara.ValidationError:
        return
    chip = _wire_chip(action)
    assert chip["type"] == kind
    assert chip["text"] == "Go"


ENUM_FIELDS: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
    (qlara.RcsMedia, {"file_url": "https://cdn.example/x.png"}, "height"),
    (qlara.RcsCard, {"title": "t"}, "orientation"),
    (qlara.RcsCard, {"title": "t"}, "thumbnail_alignment"),
    (
        qlara.RcsCarousel,
        {"cards": [qlara.RcsCard(title="a"), qlara.RcsCard(title="b")]},
        "card_width",
    ),
]


@pytest.mark.parametrize(("constructor", "base", "field"), ENUM_FIELDS)
@pytest.mark.parametrize("value", [["TALL"], {"a": 1}])
def test_an_enum_field_given_a_container_is_a_validation_error(
    constructor: Callable[..., Any], base: dict[str, Any], field: str, value: Any
) -> None:
    """An enum-like RCS field given a list, dict or set raises ValidationError naming it."""
    with pytest.raises(qlara.ValidationError, match=field):
        constructor(**base, **{field: value})


@pytest.mark.parametrize(
    ("constructor", "base", "field"),
    [(c, b, f) for c, b, f in ENUM_FIELDS if f in {"orientation", "card_width"}],
)
def test_an_enum_field_with_a_default_refuses_none(
    constructor: Callable[..., Any], base: dict[str, Any], field: str
) -> None:
    """card_width and orientation given None raise ValidationError instead of sending null."""
    with pytest.raises(qlara.ValidationError, match=field):
        constructor(**base, **{field: None})


HUGE = 10**5000


@pytest.mark.parametrize(
    "build",
    [
        lambda: qlara.RcsMessage(destination=DESTINATION, agent_id=HUGE, template_id=1),
        lambda: qlara.RcsMessage(destination=DESTINATION, agent_id=1, template_id=-HUGE),
        lambda: qlara.RcsFallback(agent_id=-HUGE, template_id=1),
        lambda: qlara.RateLimit(per_second=-HUGE),
        lambda: qlara.RateLimit(per_minute=HUGE),  # built, it could not even be printed
        lambda: qlara.RetryPolicy(max_backoff=-HUGE),
        lambda: qlara.RetryPolicy(max_retry_after=HUGE),  # too big for a float
        lambda: qlara.WhatsAppMessage(
            destination=DESTINATION, phone_number_id=-HUGE, template=qlara.WhatsAppTemplate(id=1)
        ),
    ],
)
def test_an_int_of_thousands_of_digits_is_a_validation_error(build: Callable[[], Any]) -> None:
    """An out-of-range int too long to print is a ValidationError, not a bare ValueError."""
    with pytest.raises(qlara.ValidationError, match="about 5001 digits"):
        build()


@pytest.mark.parametrize("option", ["timeout", "max_retries"])
def test_a_client_option_of_thousands_of_digits_is_a_configuration_error(option: str) -> None:
    """A negative client option too long to print is a ConfigurationError, not a ValueError."""
    with pytest.raises(qlara.ConfigurationError, match="about 5001 digits"):
        qlara.AsyncQlara(api_key="k", **{option: -HUGE})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: qlara.RcsText(text="x", fallback_sms="call us"),  # type: ignore[arg-type]
        lambda: qlara.RcsCard(title="x", fallback_sms={"sender": "Shop"}),  # type: ignore[arg-type]
        lambda: qlara.RcsCarousel(
            cards=[qlara.RcsCard(title="a"), qlara.RcsCard(title="b")],
            fallback_sms=7,  # type: ignore[arg-type]
        ),
        lambda: qlara.RcsCard(title="x", media="https://cdn.example/x.png"),  # type: ignore[arg-type]
    ],
)
def test_a_part_of_the_wrong_type_is_a_validation_error(build: Callable[[], Any]) -> None:
    """fallback_sms on RCS bodies and RcsCard.media given another type raise ValidationError."""
    with pytest.raises(qlara.ValidationError):
        build()


@pytest.mark.parametrize(
    "body", [{"tags": {"a", "b"}}, {"x": object()}, {1: "one", "two": 2}, {"n": [set()]}]
)
def test_a_free_form_body_json_cannot_carry_is_refused(body: dict[Any, Any]) -> None:
    """A WhatsApp free-form body holding a set, an object or mixed key types is refused."""
    with pytest.raises(qlara.ValidationError, match="body"):
        qlara.WhatsAppMessage(destination=DESTINATION, phone_number_id=5, body=body)


@pytest.mark.parametrize("message_id", ["a,b", "a/b"])
def test_an_id_that_cannot_be_polled_is_refused(message_id: str) -> None:
    """A message_id with ',' or '/' is refused at construction."""
    with pytest.raises(qlara.ValidationError, match="message_id"):
        qlara.SmsMessage(destination=DESTINATION, body="x", sender="Shop", message_id=message_id)
