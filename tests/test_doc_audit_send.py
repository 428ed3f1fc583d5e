"""Audit of the sends (api §3.1.1, §3.1.3, §3.1.4; design §3) against doc-shaped fakes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

import qlara
from tests.test_doc_audit_support import MS, Fake, Route, async_client, respond, sync_client

DEST = "+393401234567"
SMS_PATH = f"{MS}/sms/send"
RCS_PATH = f"{MS}/rcs/send"
WA_PATH = f"{MS}/whatsapp/send"

UC001 = {
    "messageId": "e76614d1-6f7b-4a9e-a8de-1c2b3d4e5f60",
    "simulation": False,
    "results": {"sms": {"accepted": True, "unicode": False, "parts": 1, "reasons": []}},
}


def _echo(channel: str, status: int = 200) -> Route:
    """The documented NEW answer, echoing the messageId the SDK sent."""
    import json

    import httpx

    def route(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.read())
        return httpx.Response(
            status,
            json={
                "messageId": sent.get("messageId"),
                "simulation": sent.get("simulation", False),
                "results": {
                    channel: {"accepted": True, "unicode": False, "parts": 1, "reasons": []}
                },
            },
        )

    return route


async def test_sms_send_posts_documented_body_and_reads_uc001_answer() -> None:
    """sms.send POSTs destination/sender/body plus a UUID4 messageId and reads UC-001's answer."""
    fake = Fake({("POST", SMS_PATH): respond(200, UC001)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    call = fake.only()
    assert call.headers["x-api-key"] == "k" * 32
    assert call.json["destination"] == DEST
    assert call.json["sender"] == "Qlara"
    assert call.json["body"] == "Hi"
    sent_id = call.json["messageId"]
    assert uuid.UUID(sent_id).version == 4
    assert isinstance(result, qlara.SendResult)
    assert result.message_id == sent_id
    assert result.simulation is False
    sms = result.results[qlara.Channel.SMS]
    assert isinstance(sms, qlara.ChannelResult)
    assert (sms.accepted, sms.unicode, sms.parts, tuple(sms.reasons)) == (True, False, 1, ())
    assert result.accepted is True


async def test_sms_send_reasons_compare_equal_to_the_documented_empty_array() -> None:
    """UC-001 answers ``"reasons": []``; a user compares ``reasons == []``."""
    fake = Fake({("POST", SMS_PATH): respond(200, UC001)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    reasons: object = result.results[qlara.Channel.SMS].reasons
    assert reasons == []


async def test_sms_send_numbers_as_strings_keep_the_accepted_verdict() -> None:
    """String ``parts``/``unicode`` must not turn a readable ``accepted`` into an unknown."""
    answer = {
        "messageId": "m",
        "simulation": False,
        "results": {"sms": {"accepted": True, "unicode": "false", "parts": "1", "reasons": []}},
    }
    fake = Fake({("POST", SMS_PATH): respond(200, answer)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    assert result.accepted is True
    assert result.results[qlara.Channel.SMS].parts == 1


async def test_sms_send_every_documented_field_in_camel_case() -> None:
    """Every optional SMS field goes out under its documented camelCase name and format."""
    fake = Fake({("POST", SMS_PATH): _echo("sms")})
    when = datetime(2026, 4, 10, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    async with async_client(fake) as client:
        result = await client.sms.send(
            destination=DEST,
            body="Hi {name}",
            sender="Qlara",
            message_id="order-12345",
            campaign_id="spring",
            simulation=True,
            enable_notification=False,
            placeholders={"name": "Ada"},
            scheduled_date=when,
            skip_rcs_override=True,
            udh_data="050003CC0201",
        )
    body = fake.only().json
    assert body["messageId"] == "order-12345"
    assert body["campaignId"] == "spring"
    assert body["simulation"] is True
    assert body["enableNotification"] is False
    assert body["placeholders"] == {"name": "Ada"}
    assert body["scheduledDate"] == "2026-04-10 08:00:00.000+0200"
    assert body["skipRcsOverride"] is True
    assert body["udhData"] == "050003CC0201"
    assert result.message_id == "order-12345"
    assert result.simulation is True


async def test_sms_send_accepts_202_accepted() -> None:
    """The [MID] pages answer 202 Accepted with the same body: a normal result (D5)."""
    fake = Fake({("POST", SMS_PATH): respond(202, UC001)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    assert result.accepted is True


async def test_sms_send_reads_the_older_list_shape_with_customer_message_id() -> None:
    """D4's OLD answer (results as a list, customerMessageId) maps onto the same SendResult."""
    old = {
        "messageId": "plat-1",
        "customerMessageId": "order-12345",
        "simulation": False,
        "results": [
            {"phoneNumber": DEST, "accepted": True, "channel": "sms", "statusCode": 200},
        ],
    }
    fake = Fake({("POST", SMS_PATH): respond(200, old)})
    async with async_client(fake) as client:
        result = await client.sms.send(
            destination=DEST, body="Hi", sender="Qlara", message_id="order-12345"
        )
    assert result.message_id == "order-12345"
    assert result.accepted is True
    assert result.results[qlara.Channel.SMS].accepted is True
    assert result.raw["customerMessageId"] == "order-12345"


async def test_sms_send_older_shape_without_accepted_uses_status_code() -> None:
    """An OLD result with only ``statusCode`` (200 = ok, others refused) is read, not an error."""
    old = {
        "messageId": "plat-1",
        "customerMessageId": "c-1",
        "results": [{"phoneNumber": DEST, "channel": "sms", "statusCode": 400}],
    }
    fake = Fake({("POST", SMS_PATH): respond(200, old)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    assert result.accepted is False
    assert result.results[qlara.Channel.SMS].status_code == 400


async def test_sms_send_rejection_is_a_result_not_an_error() -> None:
    """A 2xx with accepted=false and reasons is returned as a result (§4.1 send-level rejection)."""
    answer = {
        "messageId": "m",
        "simulation": False,
        "results": {"sms": {"accepted": False, "unicode": False, "parts": 1, "reasons": ["bad"]}},
    }
    fake = Fake({("POST", SMS_PATH): respond(200, answer)})
    async with async_client(fake) as client:
        result = await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    assert result.accepted is False
    assert tuple(result.results[qlara.Channel.SMS].reasons) == ("bad",)


async def test_sms_send_400_error_carries_every_documented_attribute() -> None:
    """A 400 is BadRequestError with status_code, message, body, headers and the message_id."""
    body = {"status": 400, "error": "Bad Request", "message": "destination is invalid"}
    fake = Fake({("POST", SMS_PATH): respond(400, body, headers={"X-Trace": "t1"})})
    async with async_client(fake) as client:
        with pytest.raises(qlara.BadRequestError) as caught:
            await client.sms.send(destination=DEST, body="Hi", sender="Qlara", message_id="mid-1")
    error = caught.value
    assert isinstance(error, qlara.APIStatusError)
    assert isinstance(error, qlara.APIError)
    assert isinstance(error, qlara.QlaraError)
    assert error.status_code == 400
    assert error.message == "destination is invalid"
    assert error.body == body
    assert error.headers["x-trace"] == "t1"
    assert error.message_id == "mid-1"
    assert "k" * 32 not in str(error) + repr(error)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, qlara.BadRequestError),
        (401, qlara.AuthenticationError),
        (403, qlara.PermissionDeniedError),
        (404, qlara.NotFoundError),
        (409, qlara.ConflictError),
    ],
)
async def test_send_status_errors_map_to_the_design_tree(
    status: int, kind: type[qlara.APIStatusError]
) -> None:
    """Each documented error status maps to its class of design §5, never retried."""
    fake = Fake({("POST", SMS_PATH): respond(status, {"status": status, "message": "no"})})
    async with async_client(fake) as client:
        with pytest.raises(kind) as caught:
            await client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    assert caught.value.status_code == status
    assert caught.value.message_id is not None
    assert len(fake.calls) == 1


async def test_bad_destination_is_a_validation_error_before_sending() -> None:
    """A destination that is not E.164 raises ValidationError naming it; nothing is sent."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.sms.send(destination="3401234567", body="Hi", sender="Qlara")
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "destination"
    assert fake.calls == []


async def test_rcs_send_inline_text_matches_the_documented_shape() -> None:
    """rcs.send with RcsText POSTs {destination, agentId, body:{type:TEXT, body:{text}}}."""
    fake = Fake({("POST", RCS_PATH): _echo("rcs")})
    async with async_client(fake) as client:
        result = await client.rcs.send(
            destination=DEST, agent_id=10, body=qlara.RcsText(text="Hello {name}")
        )
    body = fake.only().json
    assert body["destination"] == DEST
    assert body["agentId"] == 10
    assert body["body"] == {"type": "TEXT", "body": {"text": "Hello {name}"}}
    assert "templateId" not in body
    assert result.results[qlara.Channel.RCS].accepted is True
    assert result.accepted is True


async def test_rcs_send_template_with_placeholders_and_options() -> None:
    """rcs.send(template_id=7, placeholders=...) sends templateId, placeholders and maxSmsParts."""
    fake = Fake({("POST", RCS_PATH): _echo("rcs")})
    async with async_client(fake) as client:
        await client.rcs.send(
            destination=DEST,
            agent_id=10,
            template_id=7,
            placeholders={"name": "Ada"},
            max_sms_parts=2,
            campaign_id="c",
            simulation=True,
            enable_notification=False,
        )
    body = fake.only().json
    assert body["templateId"] == 7
    assert body["placeholders"] == {"name": "Ada"}
    assert body["maxSmsParts"] == 2
    assert body["campaignId"] == "c"
    assert body["simulation"] is True
    assert body["enableNotification"] is False
    assert "body" not in body


async def test_rcs_send_card_follows_the_documented_card_body() -> None:
    """An RcsCard goes out as §5.3's CARD body: cardOrientation, thumbnailAlignment, card{...}."""
    card = qlara.RcsCard(
        title="T",
        description="D",
        media=qlara.RcsMedia(file_url="https://cdn.example.com/a.jpg", height="TALL"),
        suggestions=[
            qlara.RcsOpenUrl(text="Open", url="https://example.com"),
            qlara.RcsDial(text="Call", phone_number=DEST),
            qlara.RcsReply(text="Yes"),
        ],
        orientation="VERTICAL",
        thumbnail_alignment="LEFT",
        fallback_sms=qlara.SmsFallback(sender="AZIENDA", body="fallback"),
    )
    fake = Fake({("POST", RCS_PATH): _echo("rcs")})
    async with async_client(fake) as client:
        await client.rcs.send(destination=DEST, agent_id=10, body=card)
    body = fake.only().json["body"]
    assert body["type"] == "CARD"
    inner = body["body"]
    assert inner["cardOrientation"] == "VERTICAL"
    assert inner["thumbnailAlignment"] == "LEFT"
    assert inner["card"]["title"] == "T"
    assert inner["card"]["description"] == "D"
    assert inner["card"]["media"] == {"height": "TALL", "fileUrl": "https://cdn.example.com/a.jpg"}
    chips = inner["card"]["suggestions"]
    assert chips[0] == {"type": "url", "text": "Open", "url": {"url": "https://example.com"}}
    assert chips[1] == {"type": "dial", "text": "Call", "dial": {"phoneNumber": DEST}}
    assert chips[2]["type"] == "reply"
    assert chips[2]["text"] == "Yes"
    assert inner["fallbackSms"] == {"sender": "AZIENDA", "text": "fallback"}


async def test_rcs_send_carousel_follows_the_documented_carousel_body() -> None:
    """An RcsCarousel goes out as §5.3's CAROUSEL body: cardWidth and cards[]."""
    media = qlara.RcsMedia(file_url="https://cdn.example.com/a.jpg", height="MEDIUM")
    carousel = qlara.RcsCarousel(
        cards=[qlara.RcsCard(title="A", media=media), qlara.RcsCard(title="B", media=media)],
        card_width="MEDIUM",
    )
    fake = Fake({("POST", RCS_PATH): _echo("rcs")})
    async with async_client(fake) as client:
        await client.rcs.send(destination=DEST, agent_id=10, body=carousel)
    body = fake.only().json["body"]
    assert body["type"] == "CAROUSEL"
    assert body["body"]["cardWidth"] == "MEDIUM"
    assert [c["title"] for c in body["body"]["cards"]] == ["A", "B"]
    assert body["body"]["cards"][0]["media"]["fileUrl"] == "https://cdn.example.com/a.jpg"


async def test_rcs_send_needs_exactly_one_of_body_and_template() -> None:
    """body and templateId are mutually exclusive (§3.1.3): both, or neither, raise first."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.rcs.send(
                destination=DEST, agent_id=10, body=qlara.RcsText(text="x"), template_id=7
            )
        with pytest.raises(qlara.ValidationError):
            await client.rcs.send(destination=DEST, agent_id=10)
    assert fake.calls == []


async def test_whatsapp_send_template_with_both_fallbacks() -> None:
    """whatsapp.send sends phoneNumberId, template, placeholders and UC-005's fallback objects."""
    fake = Fake({("POST", WA_PATH): _echo("whatsapp")})
    async with async_client(fake) as client:
        result = await client.whatsapp.send(
            destination=DEST,
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=42),
            placeholders={"name": "Ada", "shortLinkT1": "https://example.com/t"},
            fallback_rcs=qlara.RcsFallback(agent_id=10),
            fallback_sms=qlara.SmsFallback(sender="Qlara", body="Hi by SMS"),
        )
    body = fake.only().json
    assert body["destination"] == DEST
    assert body["phoneNumberId"] == 5
    assert body["template"]["id"] == 42
    assert body["placeholders"] == {"name": "Ada", "shortLinkT1": "https://example.com/t"}
    assert body["fallbackRcs"]["agentId"] == 10
    assert body["fallbackSms"]["sender"] == "Qlara"
    assert "Hi by SMS" in body["fallbackSms"].values()
    assert uuid.UUID(body["messageId"]).version == 4
    assert result.results[qlara.Channel.WHATSAPP].accepted is True


async def test_whatsapp_send_string_phone_number_id_and_named_template() -> None:
    """A string phoneNumberId (D7, "waba-num-001") and the [MID] name/language/parameters go out."""
    fake = Fake({("POST", WA_PATH): _echo("whatsapp")})
    template = qlara.WhatsAppTemplate(name="order_shipped", language="it", parameters=["Ada"])
    async with async_client(fake) as client:
        await client.whatsapp.send(
            destination=DEST, phone_number_id="waba-num-001", template=template
        )
    body = fake.only().json
    assert body["phoneNumberId"] == "waba-num-001"
    assert body["template"] == {"name": "order_shipped", "language": "it", "parameters": ["Ada"]}


async def test_whatsapp_free_form_body_object() -> None:
    """A free-form WhatsApp body object (NEW) is sent as given, without a template."""
    fake = Fake({("POST", WA_PATH): _echo("whatsapp")})
    async with async_client(fake) as client:
        await client.whatsapp.send(
            destination=DEST, phone_number_id=5, body={"type": "text", "text": "hello"}
        )
    body = fake.only().json
    assert body["body"] == {"type": "text", "text": "hello"}
    assert "template" not in body


async def test_whatsapp_fallback_rcs_requires_fallback_sms() -> None:
    """UC-005: fallbackRcs requires fallbackSms; the SDK refuses it before sending."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.whatsapp.send(
                destination=DEST,
                phone_number_id=5,
                template=qlara.WhatsAppTemplate(id=42),
                fallback_rcs=qlara.RcsFallback(agent_id=10),
            )
    assert fake.calls == []


async def test_client_send_dispatches_each_message_to_its_channel() -> None:
    """client.send(message) POSTs each message class to its own channel's path."""
    fake = Fake(
        {
            ("POST", SMS_PATH): _echo("sms"),
            ("POST", RCS_PATH): _echo("rcs"),
            ("POST", WA_PATH): _echo("whatsapp"),
        }
    )
    messages: list[qlara.SmsMessage | qlara.RcsMessage | qlara.WhatsAppMessage] = [
        qlara.SmsMessage(destination=DEST, body="a", sender="Qlara"),
        qlara.RcsMessage(destination=DEST, agent_id=10, body=qlara.RcsText(text="b")),
        qlara.WhatsAppMessage(
            destination=DEST, phone_number_id=5, template=qlara.WhatsAppTemplate(id=1)
        ),
    ]
    async with async_client(fake) as client:
        results = [await client.send(m) for m in messages]
    assert [c.path for c in fake.calls] == [SMS_PATH, RCS_PATH, WA_PATH]
    assert all(r.accepted for r in results)
    assert [r.message_id for r in results] == [c.json["messageId"] for c in fake.calls]


async def test_rcs_answer_keyed_rcs_with_fallback_sms_result() -> None:
    """An RCS answer that also reports an SMS fallback result keeps both channels (Q4)."""
    answer = {
        "messageId": "m",
        "simulation": False,
        "results": {
            "rcs": {"accepted": False, "reasons": ["not capable"]},
            "sms": {"accepted": True, "unicode": False, "parts": 1, "reasons": []},
        },
    }
    fake = Fake({("POST", RCS_PATH): respond(200, answer)})
    async with async_client(fake) as client:
        result = await client.rcs.send(destination=DEST, agent_id=10, body=qlara.RcsText(text="x"))
    assert result.results[qlara.Channel.RCS].accepted is False
    assert result.results[qlara.Channel.SMS].accepted is True
    assert result.accepted is True


def test_sync_client_sends_the_same_request() -> None:
    """The blocking client sends the same SMS body and reads the same answer."""
    fake = Fake({("POST", SMS_PATH): respond(200, UC001)})
    with sync_client(fake) as client:
        result = client.sms.send(destination=DEST, body="Hi", sender="Qlara")
    body = fake.only().json
    assert body["destination"] == DEST
    assert body["sender"] == "Qlara"
    assert body["body"] == "Hi"
    assert result.results[qlara.Channel.SMS].parts == 1
    assert result.message_id == body["messageId"]
