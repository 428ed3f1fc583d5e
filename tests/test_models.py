"""Messages validate at construction and render the documented wire format."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given

import qlara
from qlara._converter import parse_message, unstructure
from tests import strategies
from tests.conftest import DESTINATION


def sms(**fields: Any) -> qlara.SmsMessage:
    values: dict[str, Any] = {"destination": DESTINATION, "body": "Hi", "sender": "Shop"}
    return qlara.SmsMessage(**{**values, **fields})


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"destination": "3401234567"}, "destination", "E.164"),
        ({"destination": "+39 340 1234567"}, "destination", "E.164"),
        ({"destination": "+0123456789"}, "destination", "E.164"),
        ({"destination": 393401234567}, "destination", "E.164"),
        ({"body": ""}, "body", "empty"),
        ({"body": "   "}, "body", "empty"),
        ({"sender": "TooLongSender1"}, "sender", "11"),
        ({"sender": "12345678901234567"}, "sender", "16 digits"),
        ({"sender": ""}, "sender", "non-empty"),
        ({"campaign_id": "x" * 256}, "campaign_id", "255"),
        ({"scheduled_date": datetime(2026, 1, 1)}, "scheduled_date", "timezone-aware"),
        ({"scheduled_date": "2026-01-01"}, "scheduled_date", "datetime"),
        ({"udh_data": "abc"}, "udh_data", "hexadecimal"),
        ({"simulation": "yes"}, "simulation", "True or False"),
        ({"placeholders": {"n": None}}, "placeholders.n", "text or a number"),
        ({"message_id": ""}, "message_id", "empty"),
    ],
)
def test_invalid_sms_fields_are_named(fields: dict[str, Any], field: str, fragment: str) -> None:
    """A bad SMS field raises ValidationError naming the field and the problem."""
    with pytest.raises(qlara.ValidationError) as caught:
        sms(**fields)
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_sender_forms() -> None:
    """Senders are up to 11 alphanumeric characters or up to 16 digits."""
    assert sms(sender="Shop 24").sender == "Shop 24"
    assert sms(sender="1234567890123456").sender == "1234567890123456"
    assert sms(sender="+393401234567").sender == "+393401234567"


def test_placeholder_numbers_become_text() -> None:
    """Numbers are accepted as placeholder values and sent as text."""
    assert sms(placeholders={"n": 3, "x": 1.5}).placeholders == {"n": "3", "x": "1.5"}


def test_sms_wire_format() -> None:
    """An SMS renders the documented camelCase fields, omitting what was not set."""
    when = datetime(2026, 4, 10, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    wire = unstructure(
        sms(
            message_id="order-1",
            campaign_id="spring",
            simulation=True,
            enable_notification=False,
            placeholders={"name": "Ada"},
            scheduled_date=when,
            skip_rcs_override=True,
            udh_data="050003",
        )
    )
    assert wire == {
        "destination": DESTINATION,
        "messageId": "order-1",
        "campaignId": "spring",
        "simulation": True,
        "scheduledDate": "2026-04-10 08:00:00.123+0200",
        "placeholders": {"name": "Ada"},
        "body": "Hi",
        "sender": "Shop",
        "enableNotification": False,
        "skipRcsOverride": True,
        "udhData": "050003",
    }


def test_rcs_card_wire_format() -> None:
    """An RCS card is sent as a typed body with its card nested, as in UC-002."""
    card = qlara.RcsCard(
        title="Sale",
        description="Today only",
        media=qlara.RcsMedia(file_url="https://cdn.example/a.png", height="tall"),
        suggestions=[
            qlara.RcsReply(text="Yes"),
            qlara.RcsOpenUrl(text="Shop", url="https://shop.example"),
            qlara.RcsDial(text="Call", phone_number="+390212345678"),
        ],
        orientation="vertical",
        thumbnail_alignment="left",
    )
    wire = unstructure(qlara.RcsMessage(destination=DESTINATION, agent_id=10, body=card))
    assert wire == {
        "destination": DESTINATION,
        "agentId": 10,
        "body": {
            "type": "CARD",
            "body": {
                "cardOrientation": "VERTICAL",
                "thumbnailAlignment": "LEFT",
                "card": {
                    "title": "Sale",
                    "description": "Today only",
                    "media": {"fileUrl": "https://cdn.example/a.png", "height": "TALL"},
                    "suggestions": [
                        {"type": "reply", "text": "Yes"},
                        {"type": "url", "text": "Shop", "url": {"url": "https://shop.example"}},
                        {"type": "dial", "text": "Call", "dial": {"phoneNumber": "+390212345678"}},
                    ],
                },
            },
        },
    }


def test_rcs_text_and_template_wire_format() -> None:
    """RCS text nests under a TEXT body; a template is sent by id with its placeholders."""
    text = qlara.RcsMessage(
        destination=DESTINATION,
        agent_id=10,
        body=qlara.RcsText(
            text="Hi {name}", fallback_sms=qlara.SmsFallback(sender="Shop", body="Hi")
        ),
        placeholders={"name": "Ada"},
    )
    assert unstructure(text)["body"] == {
        "type": "TEXT",
        "body": {"text": "Hi {name}", "fallbackSms": {"sender": "Shop", "text": "Hi"}},
    }
    template = qlara.RcsMessage(
        destination=DESTINATION, agent_id=10, template_id=7, max_sms_parts=2
    )
    assert unstructure(template) == {
        "destination": DESTINATION,
        "agentId": 10,
        "templateId": 7,
        "maxSmsParts": 2,
    }


def test_whatsapp_wire_format() -> None:
    """A WhatsApp template send carries placeholders and fallback objects (UC-005)."""
    message = qlara.WhatsAppMessage(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"name": "Ada"},
        fallback_rcs=qlara.RcsFallback(agent_id=10, template_id=3),
        fallback_sms=qlara.SmsFallback(sender="Shop", body="Your order shipped"),
    )
    assert unstructure(message) == {
        "destination": DESTINATION,
        "placeholders": {"name": "Ada"},
        "phoneNumberId": 5,
        "template": {"id": 42},
        "fallbackRcs": {"agentId": 10, "templateId": 3},
        "fallbackSms": {"sender": "Shop", "text": "Your order shipped"},
    }


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: qlara.RcsMessage(destination=DESTINATION, agent_id=1), "body/template_id"),
        (
            lambda: qlara.RcsMessage(
                destination=DESTINATION, agent_id=1, template_id=2, body=qlara.RcsText(text="x")
            ),
            "body/template_id",
        ),
        (
            lambda: qlara.RcsMessage(destination=DESTINATION, agent_id="10", template_id=2),  # type: ignore[arg-type]
            "agent_id",
        ),
        (
            lambda: qlara.RcsMessage(destination=DESTINATION, agent_id=True, template_id=2),
            "agent_id",
        ),
        (lambda: qlara.RcsCarousel(cards=[qlara.RcsCard(title="only one")]), "cards"),
        (lambda: qlara.RcsCarousel(cards=[qlara.RcsCard(title="x")] * 11), "cards"),
        (
            lambda: qlara.RcsCarousel(
                cards=[qlara.RcsCard(title="x", orientation="HORIZONTAL"), qlara.RcsCard(title="y")]
            ),
            "cards[0]",
        ),
        (qlara.RcsCard, "card"),
        (lambda: qlara.RcsCard(title="x", orientation="DIAGONAL"), "orientation"),
        (lambda: qlara.RcsReply(text="x" * 26), "text"),
        (lambda: qlara.RcsMedia(file_url="http://insecure.example/a.png"), "file_url"),
        (lambda: qlara.RcsText(text="x", suggestions=["not a suggestion"]), "suggestions[0]"),
        (qlara.WhatsAppTemplate, "template"),
        (
            lambda: qlara.WhatsAppMessage(destination=DESTINATION, phone_number_id=5),
            "template/body",
        ),
        (
            lambda: qlara.WhatsAppMessage(
                destination=DESTINATION,
                phone_number_id=5,
                template=qlara.WhatsAppTemplate(id=1),
                fallback_rcs=qlara.RcsFallback(agent_id=1, template_id=1),
            ),
            "fallback_sms",
        ),
        (
            lambda: qlara.WhatsAppMessage(
                destination=DESTINATION,
                phone_number_id=None,  # type: ignore[arg-type]
                template=qlara.WhatsAppTemplate(id=1),
            ),
            "phone_number_id",
        ),
    ],
)
def test_invalid_rich_messages_are_named(build: Any, field: str) -> None:
    """RCS and WhatsApp rules (exactly one content, card counts, fallbacks) name the field."""
    with pytest.raises(qlara.ValidationError) as caught:
        build()
    assert caught.value.field == field


def test_channel_lookup_ignores_case() -> None:
    """Channels are spelled SMS, sms or Sms across the docs; all mean the same."""
    assert qlara.Channel("sms") is qlara.Channel.SMS
    assert qlara.Channel("WhatsApp") is qlara.Channel.WHATSAPP
    assert str(qlara.Channel.RCS) == "RCS"
    with pytest.raises(ValueError, match="EMAIL"):
        qlara.Channel("EMAIL")


@given(strategies.messages)
def test_wire_format_round_trips(
    message: qlara.SmsMessage | qlara.RcsMessage | qlara.WhatsAppMessage,
) -> None:
    """Any valid message survives model -> wire JSON -> model unchanged."""
    assert parse_message(unstructure(message), type(message)) == message


@given(strategies.messages)
def test_wire_format_is_camel_case_json(
    message: qlara.SmsMessage | qlara.RcsMessage | qlara.WhatsAppMessage,
) -> None:
    """Every key on the wire is camelCase; None is never sent."""

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                assert "_" not in key or key.startswith("shortLink")
                assert item is not None
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    wire = unstructure(message)
    placeholders = wire.pop("placeholders", None)
    walk(wire)
    assert placeholders is None or all(isinstance(v, str) for v in placeholders.values())


def test_results_and_templates_take_documented_positions() -> None:
    """SendResult, ChannelResult and WhatsAppTemplate can be built as the design writes them."""
    channel = qlara.ChannelResult(True, False, 1, [])
    assert channel == qlara.ChannelResult(accepted=True, unicode=False, parts=1, reasons=())
    result = qlara.SendResult("id", False, {qlara.Channel.SMS: channel})
    assert result == qlara.SendResult(
        "id", False, {qlara.Channel.SMS: channel}, platform_message_id="other"
    )
    assert result.accepted
    assert qlara.WhatsAppTemplate(42).id == 42


def test_rcs_fallback_needs_only_an_agent() -> None:
    """UC-005 documents fallbackRcs by agentId alone."""
    fallback = qlara.RcsFallback(agent_id=10)
    message = qlara.WhatsAppMessage(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=1),
        fallback_rcs=fallback,
        fallback_sms=qlara.SmsFallback(sender="Shop", body="x"),
    )
    assert unstructure(message)["fallbackRcs"] == {"agentId": 10}


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: qlara.WhatsAppTemplate(name="order_shipped"), "template.language"),
        (lambda: qlara.WhatsAppTemplate(id=1, parameters=[None]), "parameters[0]"),
        (lambda: qlara.RcsAction(type="calendar", text="x", payload="abc"), "payload"),  # type: ignore[arg-type]
        (lambda: sms(body="hi \ud800"), "body"),
        (
            lambda: qlara.RcsFallback(agent_id=1, template_id=2, body=qlara.RcsText(text="x")),
            "fallback_rcs.body/fallback_rcs.template_id",
        ),
    ],
)
def test_more_invalid_fields_are_named(build: Any, field: str) -> None:
    """Templates without a language, None parameters, bad payloads and unsendable text."""
    with pytest.raises(qlara.ValidationError) as caught:
        build()
    assert caught.value.field == field
