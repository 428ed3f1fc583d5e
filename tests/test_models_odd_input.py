"""Odd values (non-JSON bodies, colliding chip types, huge ints, unpollable ids) are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qlara
from qlara.testing import Simulator
from tests.conftest import DESTINATION, accepted

MakeClient = Callable[..., qlara.AsyncQlara]
HUGE = 10**5000  # past Python's int-to-text limit (4,300 digits)
CARDS = [qlara.RcsCard(title="a"), qlara.RcsCard(title="b")]


def odd(value: object) -> Any:
    """A value of the wrong type, as untyped callers pass them."""
    return value


def whatsapp(body: Any) -> qlara.WhatsAppMessage:
    return qlara.WhatsAppMessage(destination=DESTINATION, phone_number_id=5, body=body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": {1, 2}}, "body.items"),
        ({"thing": object()}, "body.thing"),
        ({1: "one", "b": 2}, "body"),
        ({"a": [1, {"b": b"bytes"}]}, "body.a[1].b"),
        ({"n": float("nan")}, "body.n"),
        ({"n": HUGE}, "body.n"),
        ({"text": "\ud800"}, "body.text"),
        ("\ud800", "body"),
    ],
)
def test_whatsapp_body_must_be_plain_json(body: Any, field: str) -> None:
    """A free-form body holding a set, an object, bytes, mixed keys or NaN is refused by name."""
    with pytest.raises(qlara.ValidationError) as caught:
        whatsapp(body)
    assert caught.value.field == field


def test_whatsapp_plain_json_body_is_accepted() -> None:
    """Nested objects, lists, numbers, booleans and null are a valid free-form body."""
    body = {"type": "text", "text": {"body": "hi"}, "n": [1, 2.5, True, None]}
    assert whatsapp(body).body == body


async def test_journaled_batch_survives_a_body_changed_after_construction(
    tmp_path: Path,
) -> None:
    """A body made unencodable after construction fails alone, in a run and in its resume."""
    body: dict[str, Any] = {"text": "hi"}
    messages: list[Any] = [
        qlara.SmsMessage(destination=DESTINATION, body="a", sender="S"),
        whatsapp(body),
        qlara.SmsMessage(destination=DESTINATION, body="b", sender="S"),
        qlara.SmsMessage(destination=DESTINATION, body="c", sender="S"),
    ]
    journal = tmp_path / "run.jsonl"
    async with qlara.AsyncQlara("k", transport=Simulator().transport(), rate_limit=None) as client:
        # A first run starts all four, then stops before any is journaled done.
        first = client.send_many(messages, concurrency=4, journal=journal)
        await anext(first)
        await first.aclose()
        body["items"] = {1, 2}  # the model holds the caller's mapping as given
        resumed = {
            o.index: o for o in [o async for o in client.send_many(messages, journal=journal)]
        }
        assert sorted(resumed) == [0, 1, 2, 3]
        assert isinstance(resumed[1].error, qlara.ValidationError)
        assert all(resumed[i].ok for i in (0, 2, 3))
        # A fresh journaled run: the odd input is one failed outcome, the rest are sent.
        fresh = [o async for o in client.send_many(messages, journal=tmp_path / "new.jsonl")]
    assert sorted(o.index for o in fresh if o.ok) == [0, 2, 3]
    assert [str(o.error.field) for o in fresh if isinstance(o.error, qlara.ValidationError)] == [
        "messages[1]"
    ]


@pytest.mark.parametrize("kind", ["text", "kind", "type", "reply", "postbackData", "weird"])
def test_rcs_action_refuses_types_it_cannot_send(kind: str) -> None:
    """An ``RcsAction`` type other than the documented ones is refused at construction."""
    with pytest.raises(qlara.ValidationError) as caught:
        qlara.RcsAction(type=kind, text="Go")
    assert caught.value.field == "type"


@pytest.mark.parametrize("kind", ["coordinates", "location", "Calendar"])
async def test_rcs_action_of_a_documented_type_is_sent_under_its_key(
    make_client: MakeClient, kind: str
) -> None:
    """A documented action type goes on the wire as ``{type, text, <type>: payload}``."""
    seen: list[dict[str, Any]] = []
    answer = accepted("rcs")

    def handler(request: Any) -> Any:
        seen.append(json.loads(request.content))
        return answer(request)

    client = make_client(handler)
    action = qlara.RcsAction(type=kind, text="Go", payload={"x": 1})
    body = qlara.RcsText(text="Hi", suggestions=[action])
    await client.rcs.send_message(qlara.RcsMessage(destination=DESTINATION, agent_id=1, body=body))
    chip = seen[0]["body"]["body"]["suggestions"][0]
    assert chip == {"type": kind.lower(), "text": "Go", kind.lower(): {"x": 1}}


def test_rcs_action_payload_must_be_plain_json() -> None:
    """An action payload holding a set is refused by name."""
    with pytest.raises(qlara.ValidationError) as caught:
        qlara.RcsAction(type="location", text="Go", payload={"at": {1}})
    assert caught.value.field == "payload.at"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: qlara.RcsMedia(file_url="https://x.test/a.png", height=["TALL"]), "height"),
        (lambda: qlara.RcsCard(title="t", orientation=["VERTICAL"]), "orientation"),
        (lambda: qlara.RcsCard(title="t", thumbnail_alignment={"LEFT"}), "thumbnail_alignment"),
        (lambda: qlara.RcsCard(title="t", orientation=None), "orientation"),
        (lambda: qlara.RcsCarousel(cards=CARDS, card_width=None), "card_width"),
        (lambda: qlara.RcsCarousel(cards=CARDS, card_width=["SMALL"]), "card_width"),
        (lambda: qlara.RcsCard(title="t", media=odd("https://x.test/a.png")), "media"),
        (lambda: qlara.RcsText(text="t", fallback_sms=odd("text")), "fallback_sms"),
        (lambda: qlara.RcsCard(title="t", fallback_sms=odd({"sender": "S"})), "fallback_sms"),
        (lambda: qlara.RcsCarousel(cards=CARDS, fallback_sms=odd(1)), "fallback_sms"),
    ],
)
def test_rcs_fields_refuse_wrong_types(build: Callable[[], object], field: str) -> None:
    """Enum-like fields given a list or None, and non-model media/fallbacks, name the field."""
    with pytest.raises(qlara.ValidationError) as caught:
        build()
    assert caught.value.field == field


def rcs(agent_id: int, template_id: int) -> qlara.RcsMessage:
    return qlara.RcsMessage(destination=DESTINATION, agent_id=agent_id, template_id=template_id)


def sms_with(**fields: Any) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=DESTINATION, body="x", sender="S", **fields)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: rcs(HUGE, 1), "agent_id"),
        (lambda: rcs(-HUGE, 1), "agent_id"),
        (lambda: rcs(1, 2**63), "template_id"),
        (lambda: whatsapp_template(qlara.WhatsAppTemplate(id=HUGE)), "template.id"),
        (
            lambda: qlara.WhatsAppMessage(destination=DESTINATION, phone_number_id=HUGE, body="x"),
            "phone_number_id",
        ),
        (
            lambda: qlara.WhatsAppTemplate(name="n", language="it", parameters=[HUGE]),
            "parameters[0]",
        ),
        (lambda: sms_with(placeholders={"n": HUGE}), "placeholders.n"),
    ],
)
def test_huge_integers_are_refused_without_printing_them(
    build: Callable[[], object], field: str
) -> None:
    """Ints of thousands of digits raise ``ValidationError`` with a short description."""
    with pytest.raises(qlara.ValidationError) as caught:
        build()
    assert caught.value.field == field
    assert len(str(caught.value)) < 300


def whatsapp_template(template: qlara.WhatsAppTemplate) -> qlara.WhatsAppMessage:
    return qlara.WhatsAppMessage(destination=DESTINATION, phone_number_id=5, template=template)


@pytest.mark.parametrize(
    "message_id", ["a,b", "a/b", "a b", " a", "a\n", "a?b", "a#b", "50%", "a\\b", "a\tb"]
)
def test_message_ids_that_break_status_lookups_are_refused(message_id: str) -> None:
    """An id that cannot be polled by path or in a batch query is refused, naming message_id."""
    with pytest.raises(qlara.ValidationError) as caught:
        sms_with(message_id=message_id)
    assert caught.value.field == "message_id"


def test_ordinary_message_ids_are_kept() -> None:
    """Letters, digits, dashes, dots, colons and underscores make a valid id."""
    message_id = "order-42_v1.2:retry"
    sms = qlara.SmsMessage(destination=DESTINATION, body="x", sender="S", message_id=message_id)
    assert sms.message_id == message_id
