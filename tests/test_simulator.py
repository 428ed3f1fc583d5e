"""The simulator behaves as the platform's documentation says, seen through the SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara.testing import Delay, Drop, Lifecycle, Malformed, SimRequest, Simulator, Status
from tests.conftest import DESTINATION, FAST_RETRIES, KEY

OTHER = "+393409999999"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def sim(events: list[dict[str, Any]]) -> Simulator:
    return Simulator(clock=FakeClock(), callback=events.append)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[qlara.AsyncQlara]:
    async with qlara.AsyncQlara(
        api_key=KEY, transport=sim.transport(), rate_limit=None, retry_policy=FAST_RETRIES
    ) as client:
        yield client


async def send(client: qlara.AsyncQlara, **fields: Any) -> qlara.SendResult:
    fields = {"destination": DESTINATION, "body": "Hello", "sender": "Shop", **fields}
    return await client.sms.send(**fields)


async def test_sms_is_accepted_with_parts_and_encoding(client: qlara.AsyncQlara) -> None:
    """An SMS send answers accepted, with parts and unicode computed from the text."""
    result = await send(client, body="x" * 161)
    sms = result.results[qlara.Channel.SMS]
    assert (sms.accepted, sms.parts, sms.unicode) == (True, 2, False)
    result = await send(client, body="Ciao 👋")
    assert result.results[qlara.Channel.SMS].unicode is True


async def test_placeholders_count_in_the_parts(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """Placeholders are filled before the parts are counted."""
    result = await send(client, body="Hi {name}", placeholders={"name": "y" * 200})
    assert result.results[qlara.Channel.SMS].parts == 2
    assert sim.message(result.message_id).text == "Hi " + "y" * 200


async def test_rcs_and_whatsapp_are_accepted(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """RCS and WhatsApp sends answer under their own channel key."""
    rcs = await client.rcs.send(destination=DESTINATION, agent_id=10, body=qlara.RcsText(text="Hi"))
    assert rcs.results[qlara.Channel.RCS].accepted
    whatsapp = await client.whatsapp.send(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        fallback_sms=qlara.SmsFallback(sender="Shop", body="Hi"),
    )
    assert whatsapp.results[qlara.Channel.WHATSAPP].accepted
    assert [m.channel for m in sim.sent] == [qlara.Channel.RCS, qlara.Channel.WHATSAPP]


async def test_whatsapp_with_an_agent_only_rcs_fallback(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A WhatsApp send whose RCS fallback names only its agent (as UC-005) is accepted."""
    result = await client.whatsapp.send(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        fallback_rcs=qlara.RcsFallback(agent_id=10),
        fallback_sms=qlara.SmsFallback(sender="Shop", body="Hi"),
    )
    assert result.results[qlara.Channel.WHATSAPP].accepted
    assert sim.sent[-1].body["fallbackRcs"] == {"agentId": 10}


@pytest.mark.parametrize("message_id", ["a/b", "x/../y", "50% off?", "%2F"])
async def test_status_finds_ids_with_url_characters(
    client: qlara.AsyncQlara, sim: Simulator, message_id: str
) -> None:
    """An id with '/', '..', '%' or '?' is refused at send; polled, it is looked up as given."""
    with pytest.raises(qlara.ValidationError, match="message_id"):
        await send(client, message_id=message_id)
    await send(client, message_id="y")
    sim.advance(5)
    # Not the path it would spell (``x/../y`` is not ``y``): the id as given, unknown.
    with pytest.raises(qlara.NotFoundError):
        await client.messages.status(message_id, channel="SMS")


async def test_rcs_fallback_errors_name_the_field_once(client: qlara.AsyncQlara) -> None:
    """An RCS fallback with both a body and a template id names each path once."""
    with pytest.raises(qlara.BadRequestError) as caught:
        await client.whatsapp.send(
            destination=DESTINATION,
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=42),
            fallback_rcs=qlara.RcsFallback(agent_id=10, template_id=3),
            fallback_sms=qlara.SmsFallback(sender="Shop", body="Hi"),
            extra_body={"fallbackRcs": {"agentId": 10, "templateId": 3, "body": TEXT_BODY}},
        )
    assert caught.value.message.startswith("fallbackRcs.body/fallbackRcs.templateId: ")


TEXT_BODY = {"type": "TEXT", "body": {"text": "Hi"}}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"destination": "3401234567"}, "destination"),
        ({"sender": "A sender that is far too long"}, "sender"),
        ({"simulation": "yes"}, "simulation"),
        ({"scheduledDate": "2026-01-01T10:00:00Z"}, "scheduledDate"),
        ({"body": None}, "body"),
    ],
)
async def test_invalid_fields_are_400_naming_the_field(
    client: qlara.AsyncQlara, extra: dict[str, Any], field: str
) -> None:
    """A field the documentation rules out answers 400 with a Spring-style body naming it."""
    with pytest.raises(qlara.BadRequestError) as caught:
        await send(client, extra_body=extra)
    assert caught.value.status_code == 400
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["status"] == 400
    assert body["error"] == "Bad Request"
    assert body["message"].startswith(field + ":")


async def test_rcs_needs_exactly_one_of_body_and_template(client: qlara.AsyncQlara) -> None:
    """An RCS send with both a body and a template id is refused."""
    with pytest.raises(qlara.BadRequestError, match="templateId"):
        await client.rcs.send(
            destination=DESTINATION,
            agent_id=10,
            body=qlara.RcsText(text="Hi"),
            extra_body={"templateId": 7},
        )


async def test_simulation_is_validated_but_not_sent(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A simulated send is answered but never tracked or delivered."""
    result = await send(client, simulation=True)
    assert result.simulation
    assert result.accepted
    assert sim.sent == []
    assert sim.status_of(result.message_id) is None


async def test_lifecycle_follows_the_clock(
    client: qlara.AsyncQlara, sim: Simulator, events: list[dict[str, Any]]
) -> None:
    """A message is UNKNOWN, then SENT, then DELIVERED with one DELIVERY callback."""
    result = await send(client, message_id="order-1")
    assert sim.status_of("order-1") == "UNKNOWN"
    sim.advance(0.5)
    assert sim.status_of("order-1") == "SENT"
    assert events == []
    sim.advance(1.5)
    assert sim.status_of("order-1") == "DELIVERED"
    assert len(events) == 1
    event = events[0]
    assert event["eventType"] == "DELIVERY"
    assert event["statusCode"] == 3
    assert event["messageId"] == event["customerMessageId"] == result.message_id
    assert event["channel"] == "SMS"
    assert event["destination"] == DESTINATION
    assert event["timestamp"].endswith("Z")


@pytest.mark.parametrize("final", ["ERROR", "EXPIRED"])
async def test_marked_numbers_fail(
    client: qlara.AsyncQlara, sim: Simulator, events: list[dict[str, Any]], final: str
) -> None:
    """A number marked ERROR or EXPIRED ends so, with a statusCode 6 callback."""
    sim.mark_number(OTHER, final)
    await send(client, destination=OTHER, message_id="m1")
    sim.advance(10)
    assert sim.status_of("m1") == final
    assert events[0]["statusCode"] == 6


async def test_rejected_numbers_answer_not_accepted(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A number marked REJECTED gets accepted=false with a reason, and is not tracked."""
    sim.mark_number(OTHER, "REJECTED")
    result = await send(client, destination=OTHER)
    assert not result.accepted
    assert result.results[qlara.Channel.SMS].reasons
    assert sim.sent == []


async def test_stuck_numbers_stay_sent(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """A number marked SENT never reaches a final state."""
    sim.mark_number(OTHER, "SENT")
    await send(client, destination=OTHER, message_id="stuck")
    sim.advance(3600)
    assert sim.status_of("stuck") == "SENT"


async def test_no_callbacks_without_notification(
    client: qlara.AsyncQlara, sim: Simulator, events: list[dict[str, Any]]
) -> None:
    """enable_notification=False delivers the message but sends no callback."""
    await send(client, enable_notification=False, message_id="quiet")
    sim.advance(10)
    assert sim.status_of("quiet") == "DELIVERED"
    assert events == []


async def test_read_and_per_part_receipts(client: qlara.AsyncQlara) -> None:
    """Per-part receipts number the parts; rich channels get a READ after delivery."""
    seen: list[dict[str, Any]] = []
    clock = FakeClock()
    sim = Simulator(
        clock=clock,
        callback=seen.append,
        lifecycle=Lifecycle(sent_after=0, final_after=1, read_after=1, per_part_receipts=True),
    )
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=None) as c:
        await c.sms.send(destination=DESTINATION, body="z" * 200, sender="Shop")
        await c.rcs.send(destination=DESTINATION, agent_id=1, body=qlara.RcsText(text="Hi"))
    sim.advance(1)
    assert [(e["numPart"], e["totalParts"]) for e in seen if e["channel"] == "SMS"] == [
        (1, 2),
        (2, 2),
    ]
    sim.advance(1)
    assert seen[-1]["eventType"] == "READ"
    assert seen[-1]["channel"] == "RCS"


async def test_scheduled_messages_wait_for_their_date(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A message scheduled an hour ahead is not delivered before that hour."""
    when = sim.wall() + timedelta(hours=1)
    await send(client, scheduled_date=when, message_id="later")
    sim.advance(60)
    assert sim.status_of("later") == "UNKNOWN"
    sim.advance(3600)
    assert sim.status_of("later") == "DELIVERED"


def test_inbound_replies_are_callbacks(sim: Simulator, events: list[dict[str, Any]]) -> None:
    """inject_inbound produces an INBOUND event for the receiver."""
    sim.inject_inbound(DESTINATION, "STOP", channel="RCS")
    assert events[0]["eventType"] == "INBOUND"
    assert events[0]["source"] == DESTINATION
    assert events[0]["text"] == "STOP"
    assert events[0]["channel"] == "RCS"
    assert events[0]["messageType"] == "TEXT"


async def test_missing_credentials_are_401(sim: Simulator) -> None:
    """Without credentials the platform answers 401."""
    async with httpx.AsyncClient(transport=sim.transport()) as raw:
        response = await raw.post("http://sim/api/message-server/sms/send", json={})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_only_known_keys_pass_when_keys_are_given() -> None:
    """With a set of keys, others get AuthenticationError; Basic credentials work too."""
    sim = Simulator(api_keys={"good", "user:pw"})
    async with qlara.AsyncQlara(api_key="bad", transport=sim.transport(), rate_limit=None) as c:
        with pytest.raises(qlara.AuthenticationError):
            await send(c)
    basic = qlara.BasicAuth("user", "pw")
    async with qlara.AsyncQlara(auth=basic, transport=sim.transport(), rate_limit=None) as c:
        assert (await send(c)).accepted


async def test_rate_limit_answers_429_with_retry_after() -> None:
    """Past the per-second burst the platform answers 429 with retryAfter and headers."""
    clock = FakeClock()
    sim = Simulator(clock=clock, rate_limit=qlara.RateLimit(per_second=2, per_minute=100))
    async with qlara.AsyncQlara(
        api_key=KEY,
        transport=sim.transport(),
        rate_limit=None,
        max_retries=0,
    ) as c:
        await send(c)
        await send(c)
        with pytest.raises(qlara.RateLimitError) as caught:
            await send(c)
        assert caught.value.retry_after == 1
        body = caught.value.body
        assert isinstance(body, dict)
        assert body["retryAfter"] == 1
        assert body["message"] == "Rate limit exceeded. Please retry after 1 seconds."
        assert caught.value.headers["x-ratelimit-limit"] == "100"
        assert caught.value.headers["x-ratelimit-remaining"] == "98"
        clock.now += 1.0
        assert (await send(c)).accepted


async def test_rate_limit_is_per_key() -> None:
    """Another key has its own budget."""
    sim = Simulator(clock=FakeClock(), rate_limit=qlara.RateLimit(per_second=1, per_minute=10))
    for key in ("one", "two"):
        async with qlara.AsyncQlara(
            api_key=key, transport=sim.transport(), rate_limit=None, max_retries=0
        ) as c:
            assert (await send(c)).accepted


async def test_queued_status_faults_are_retried(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """Queued 503s are served first; the SDK retries them and the send lands once."""
    sim.faults.queue("/message-server/sms/send", 503, Status(code=429, retry_after=0))
    result = await send(client, message_id="retried")
    assert result.accepted
    assert sim.count("retried") == 1
    assert sim.faults.pending == 0


async def test_dropped_after_processing_is_outcome_unknown(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A connection dropped after the send landed is reported as unknown, not retried."""
    sim.faults.queue("/api/message-server/sms/send", Drop(processed=True))
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await send(client, message_id="ambiguous")
    assert caught.value.message_id == "ambiguous"
    assert sim.count("ambiguous") == 1


async def test_dropped_before_processing_never_lands(
    client: qlara.AsyncQlara, sim: Simulator
) -> None:
    """A connection dropped before handling leaves nothing behind."""
    sim.faults.queue("*", Drop())
    with pytest.raises(qlara.OutcomeUnknownError):
        await send(client, message_id="lost")
    assert sim.count("lost") == 0


async def test_malformed_bodies_are_reported(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """A broken 2xx send answer is an unknown outcome (it landed), caused by a malformed body."""
    sim.faults.queue("/message-server/*/send", Malformed())
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await send(client)
    assert isinstance(caught.value.__cause__, qlara.MalformedResponseError)
    assert sim.count(caught.value.message_id or "") == 1


async def test_delays_beyond_the_timeout_time_out(sim: Simulator) -> None:
    """A delay longer than the read timeout surfaces as a timeout of unknown outcome."""
    sim.faults.queue("*", Delay(seconds=5))
    async with qlara.AsyncQlara(
        api_key=KEY, transport=sim.transport(), rate_limit=None, timeout=0.01
    ) as c:
        with pytest.raises(qlara.OutcomeUnknownError):
            await send(c)


async def fails(client: qlara.AsyncQlara) -> bool:
    try:
        await send(client)
    except qlara.OutcomeUnknownError:
        return True
    return False


async def test_random_faults_follow_their_probability() -> None:
    """chance() strikes about as often as asked, reproducibly with a seed."""
    sim = Simulator(seed=7)
    sim.faults.chance("*", 0.5, 500)
    async with qlara.AsyncQlara(
        api_key=KEY, transport=sim.transport(), rate_limit=None, max_retries=0
    ) as c:
        outcomes = [await fails(c) for _ in range(40)]
    failures = sum(outcomes)
    assert 10 < failures < 30
    assert sim.faults.injected == failures


async def test_duplicates_are_counted(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """Two sends with one messageId are both accepted and counted twice."""
    await send(client, message_id="twice")
    await send(client, message_id="twice")
    assert sim.count("twice") == 2
    assert len(sim.sent) == 2


async def test_reset_forgets_everything(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """reset() clears messages, events, marks and faults."""
    sim.mark_number(DESTINATION, "ERROR")
    sim.faults.queue("*", 500)
    sim.reset()
    await send(client, message_id="fresh")
    sim.advance(5)
    assert sim.status_of("fresh") == "DELIVERED"
    sim.reset()
    assert sim.sent == []
    assert sim.count("fresh") == 0


def test_bad_configuration_is_refused() -> None:
    """Unknown marks, shapes and lifecycles raise at once."""
    with pytest.raises(ValueError, match="history_shape"):
        Simulator(history_shape="xml")
    with pytest.raises(ValueError, match="status"):
        Simulator().mark_number(DESTINATION, "LOST")
    with pytest.raises(ValueError, match="final_after"):
        Lifecycle(sent_after=2, final_after=1)
    with pytest.raises(ValueError, match="forward"):
        Simulator().advance(-1)


ORDER = ["UNKNOWN", "SENT", "DELIVERED", "ERROR", "EXPIRED"]


@given(
    steps=st.lists(st.floats(min_value=0, max_value=1.5), max_size=8),
    final=st.sampled_from(["DELIVERED", "ERROR", "EXPIRED", "SENT"]),
)
def test_status_only_moves_forward(steps: list[float], final: str) -> None:
    """Whatever the clock does, a status never goes back and one callback at most is sent."""
    seen: list[dict[str, Any]] = []
    clock = FakeClock()
    sim = Simulator(clock=clock, callback=seen.append)
    sim.mark_number(DESTINATION, final)
    body = {"destination": DESTINATION, "body": "x", "sender": "S", "messageId": "p"}
    request = SimRequest(
        "POST",
        "/api/message-server/sms/send",
        headers={"x-api-key": KEY, "content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert sim.handle(request).status == 200
    elapsed, last = 0.0, 0
    for step in steps:
        sim.advance(step)
        elapsed += step
        status = sim.status_of("p")
        assert status is not None
        assert ORDER.index(status) >= last
        last = ORDER.index(status)
        if elapsed >= 2.0:
            assert status == final
    assert len(seen) <= 1
    assert len(seen) == (1 if final != "SENT" and elapsed >= 2.0 else 0)


def test_public_surface_is_sorted_and_complete() -> None:
    """qlara.testing exports a sorted __all__ of names that exist."""
    import qlara.testing

    assert qlara.testing.__all__ == sorted(qlara.testing.__all__)
    for name in qlara.testing.__all__:
        assert hasattr(qlara.testing, name)
