"""Every documented callback dialect becomes a typed event; nothing else crashes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara import webhooks

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def test_every_fixture_parses_to_a_known_event() -> None:
    """Each documented payload file parses to a delivery, read or inbound event."""
    files = sorted(FIXTURES.glob("*.json"))
    assert len(files) >= 9
    for path in files:
        event = webhooks.parse(path.read_bytes())
        assert not isinstance(event, webhooks.UnknownEvent), path.name
        assert event.raw == json.loads(path.read_bytes())


def test_guide_delivery_dialect() -> None:
    """The guide's DELIVERY payload: statusCode 3 is DELIVERED, both ids and the time are read."""
    event = webhooks.parse(fixture("guide_delivery"))
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert event.status_code == 3
    assert event.description == "Message delivered"
    assert event.destination == "+393401234567"
    assert event.channel is qlara.Channel.SMS
    assert event.message_id == "e76614d1-3f0b-4c1e-9a55-7b1f3c2d9e01"
    assert event.customer_message_id == "order-12345"
    assert event.sent_message_id == "order-12345"
    assert event.timestamp == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)


def test_status_code_six_is_an_error() -> None:
    """statusCode 6 means undeliverable, and the offset of the timestamp is kept."""
    event = webhooks.parse(fixture("guide_delivery_failed"))
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.ERROR
    assert event.timestamp is not None
    assert event.timestamp.utcoffset() == timedelta(hours=2)
    assert event.timestamp == datetime(2026, 4, 9, 8, 31, tzinfo=timezone.utc)


def test_sms_reference_dialect() -> None:
    """The SMS reference's receipt: statusDescription, price and the part numbers."""
    event = webhooks.parse(fixture("sms_reference_delivery"))
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert event.description == "DELIVERED"
    assert event.price == pytest.approx(0.035)
    assert (event.part, event.total_parts) == (1, 2)
    assert event.customer_message_id is None
    assert event.sent_message_id == "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b05"
    assert event.timestamp == datetime(2026, 4, 9, 8, 30, 0, 123000, tzinfo=timezone.utc)


def test_rcs_reference_dialects() -> None:
    """The RCS reference's eventDate and receivedDate stand in for timestamp; mediaKey is read."""
    delivery = webhooks.parse(fixture("rcs_reference_delivery"))
    assert isinstance(delivery, webhooks.DeliveryEvent)
    assert delivery.channel is qlara.Channel.RCS
    assert delivery.timestamp == datetime(2026, 4, 9, 9, 30, tzinfo=timezone.utc)
    read = webhooks.parse(fixture("rcs_reference_read"))
    assert isinstance(read, webhooks.ReadEvent)
    assert read.destination == "+393401234567"
    assert read.timestamp == datetime(2026, 4, 9, 9, 32, tzinfo=timezone.utc)
    inbound = webhooks.parse(fixture("rcs_reference_inbound"))
    assert isinstance(inbound, webhooks.InboundEvent)
    assert inbound.message_type == "IMAGE"
    assert inbound.media_key == "media/2026/04/abc123.jpg"
    assert inbound.text is None
    assert inbound.timestamp == datetime(2026, 4, 9, 10, 45, tzinfo=timezone.utc)


def test_guide_read_and_inbound() -> None:
    """READ and INBOUND from the guide carry their own fields."""
    read = webhooks.parse(fixture("guide_read"))
    assert isinstance(read, webhooks.ReadEvent)
    assert read.channel is qlara.Channel.WHATSAPP
    inbound = webhooks.parse(fixture("guide_inbound"))
    assert isinstance(inbound, webhooks.InboundEvent)
    assert (inbound.source, inbound.destination) == ("+393401234567", "+390212345678")
    assert inbound.text == "Yes, please confirm"
    assert inbound.message_type == "TEXT"


def test_old_dialect() -> None:
    """The old payload: no eventType, a status string, phoneNumber, error, lower-case channel."""
    event = webhooks.parse(fixture("old_status"))
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.EXPIRED
    assert event.status_code is None
    assert event.destination == "+393401234567"
    assert event.description == "Validity period expired"
    assert event.channel is qlara.Channel.SMS
    assert event.sent_message_id == "order-777"


@pytest.mark.parametrize("spelling", ["sms", "Sms", "SMS", " sms "])
def test_channel_in_any_case(spelling: str) -> None:
    """Channel names are read whatever their case."""
    event = webhooks.parse({"eventType": "DELIVERY", "messageId": "m", "channel": spelling})
    assert event.channel is qlara.Channel.SMS


def test_unknown_values_are_kept_not_fatal() -> None:
    """An unknown statusCode or status string becomes UNKNOWN with the original in raw."""
    coded = webhooks.parse({"eventType": "delivery", "messageId": "m", "statusCode": 42})
    assert isinstance(coded, webhooks.DeliveryEvent)
    assert coded.status is qlara.DeliveryStatus.UNKNOWN
    assert coded.status_code == 42
    worded = webhooks.parse({"messageId": "m", "status": "BOUNCED_BY_MOON", "channel": "FAX"})
    assert isinstance(worded, webhooks.DeliveryEvent)
    assert worded.status is qlara.DeliveryStatus.UNKNOWN
    assert worded.raw["status"] == "BOUNCED_BY_MOON"
    assert worded.channel is None


def test_unknown_event_type() -> None:
    """A new event type becomes UnknownEvent, keeping the payload."""
    event = webhooks.parse(b'{"eventType": "REACTION", "messageId": "m", "emoji": "x"}')
    assert isinstance(event, webhooks.UnknownEvent)
    assert event.event_type == "REACTION"
    assert event.message_id == "m"
    assert event.raw["emoji"] == "x"
    assert isinstance(webhooks.parse({}), webhooks.UnknownEvent)


def test_wrong_field_types_are_left_out() -> None:
    """Fields of an unexpected type become None instead of raising."""
    event = webhooks.parse(
        {
            "eventType": "DELIVERY",
            "messageId": 12345,
            "statusCode": "3",
            "price": "n/a",
            "numPart": True,
            "timestamp": "yesterday",
            "destination": ["+39"],
        }
    )
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.message_id == "12345"
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert event.price is None
    assert event.part is None
    assert event.timestamp is None
    assert event.destination is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-09T10:30:00Z", datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)),
        ("2026-04-09T10:30:00", datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)),
        ("2026-04-09 12:30:00.5+02:00", datetime(2026, 4, 9, 10, 30, 0, 500000, timezone.utc)),
        ("2026-04-09T05:30-0500", datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)),
        ("2026-04-09T10:30:00.123456789Z", datetime(2026, 4, 9, 10, 30, 0, 123456, timezone.utc)),
        (1775730600, datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)),
        (1775730600000, datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)),
        ("2026-13-40T10:30:00Z", None),
        ("", None),
        (None, None),
    ],
)
def test_timestamps(text: object, expected: datetime | None) -> None:
    """Z, offsets with or without colon, odd fractions and epochs parse; naive means UTC."""
    event = webhooks.parse({"eventType": "READ", "messageId": "m", "timestamp": text})
    assert event.timestamp == expected
    if event.timestamp is not None:
        assert event.timestamp.tzinfo is not None


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe\x00", "[]", "{", 42],
)
def test_garbage_raises_webhook_error(body: Any) -> None:
    """A body that is not a JSON object raises WebhookError, nothing else."""
    with pytest.raises(qlara.WebhookError):
        webhooks.parse(body)


HUGE = "9" * 400


@pytest.mark.parametrize("field", ["price", "statusCode", "numPart", "totalParts", "timestamp"])
def test_numbers_too_large_for_a_float_are_left_out(field: str) -> None:
    """A 400-digit number in a numeric field is left None, not an OverflowError."""
    body = f'{{"eventType": "DELIVERY", "messageId": "m", "status": "SENT", "{field}": {HUGE}}}'
    event = webhooks.parse(body.encode())
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.SENT
    assert (event.price, event.status_code, event.part, event.total_parts) == (None,) * 4
    assert event.timestamp is None
    assert event.raw[field] == int(HUGE)


def test_numbers_too_long_to_print_are_left_out() -> None:
    """An id given as an integer with more digits than str() allows is left None."""
    event = webhooks.parse(
        {"eventType": "DELIVERY", "messageId": 10**5000, "customerMessageId": "c", "price": "1e999"}
    )
    assert isinstance(event, webhooks.DeliveryEvent)
    assert (event.message_id, event.customer_message_id, event.price) == (None, "c", None)


def test_a_json_integer_longer_than_python_reads_is_a_webhook_error() -> None:
    """A body whose number literal Python refuses to read is a WebhookError, not ValueError."""
    with pytest.raises(qlara.WebhookError):
        webhooks.parse(b'{"eventType": "DELIVERY", "price": ' + b"9" * 5000 + b"}")


def test_deeply_nested_body_is_a_webhook_error() -> None:
    """Pathological nesting is refused cleanly rather than crashing the receiver."""
    with pytest.raises(qlara.WebhookError):
        webhooks.parse("[" * 100_000 + "]" * 100_000)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_webhook_error(body: bytes) -> None:
    """Arbitrary bytes either parse to an event or raise WebhookError."""
    try:
        event = webhooks.parse(body)
    except qlara.WebhookError:
        return
    assert isinstance(event, webhooks.WebhookEvent.__args__)  # type: ignore[attr-defined]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(
    [
        "eventType", "messageId", "customerMessageId", "statusCode", "status", "channel",
        "timestamp", "eventDate", "receivedDate", "price", "numPart", "totalParts",
        "description", "statusDescription", "error", "destination", "phoneNumber", "source",
        "text", "messageType", "mediaKey",
    ]
)  # fmt: skip


@given(st.dictionaries(KEYS, JSON_VALUES | st.sampled_from(["DELIVERY", "READ", "INBOUND"])))
def test_any_object_parses(payload: dict[str, Any]) -> None:
    """Any JSON object with any mix of known fields parses without raising."""
    event = webhooks.parse(json.dumps(payload))
    assert event.raw == payload
    assert event.timestamp is None or event.timestamp.tzinfo is not None
    if isinstance(event, webhooks.DeliveryEvent):
        assert isinstance(event.status, qlara.DeliveryStatus)


def test_old_error_object() -> None:
    """An old-dialect error given as an object contributes its message."""
    event = webhooks.parse(
        {"messageId": "m", "status": "ERROR", "error": {"code": 4, "message": "bad"}}
    )
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.description == "bad"


def test_message_status_positional_order() -> None:
    """MessageStatus takes its documented first fields by position."""
    status = qlara.MessageStatus(
        "m1", qlara.DeliveryStatus.SENT, "queued", {"deliveryStatus": "SENT"}
    )
    assert (status.customer_message_id, status.description, status.raw_status) == (
        "m1",
        "queued",
        "SENT",
    )
