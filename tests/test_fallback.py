"""``send_with_fallback``: channels tried in turn until one delivers within a deadline.

Every async test runs on a virtual clock (trio's ``MockClock`` with autojump,
and an asyncio loop whose time jumps to the next timer when nothing is ready),
so deadlines of minutes take no real time.
"""

from __future__ import annotations

import asyncio
import json
import selectors
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

import qlara
from qlara import webhooks
from qlara.testing import Drop, Lifecycle, Simulator
from tests.conftest import DESTINATION, FAST_RETRIES, KEY

STATUS = "/api/partner-gateway/v1/messages/status/"


class _JumpingSelector(selectors.DefaultSelector):
    """Never sleeps: when nothing is ready, time jumps to the next timer."""

    def __init__(self, advance: Callable[[float], None]) -> None:
        super().__init__()
        self._advance = advance

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if not ready and timeout is not None and timeout > 0:
            self._advance(timeout)
        elif not ready and timeout is None:
            ready = super().select(None)
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on a virtual clock (no sockets here: everything is in-process)."""

    def __init__(self) -> None:
        self._now = 0.0
        super().__init__(_JumpingSelector(self._jump))

    def _jump(self, seconds: float) -> None:
        self._now += seconds

    def time(self) -> float:
        return self._now


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    if request.param == "trio":
        from trio.testing import MockClock

        return ("trio", {"clock": MockClock(autojump_threshold=0)})
    return ("asyncio", {"loop_factory": VirtualTimeLoop})


def whatsapp(**fields: Any) -> qlara.WhatsAppMessage:
    return qlara.WhatsAppMessage(
        destination=DESTINATION,
        phone_number_id="5",
        template=qlara.WhatsAppTemplate(id="42"),
        **fields,
    )


def sms(**fields: Any) -> qlara.SmsMessage:
    return qlara.SmsMessage(
        destination=DESTINATION, sender="Shop", body="Your code: 1234", **fields
    )


def simulated(**options: Any) -> tuple[Simulator, qlara.AsyncQlara]:
    sim = Simulator(clock=anyio.current_time, **options)
    client = qlara.AsyncQlara(
        KEY, transport=sim.transport(), retry_policy=FAST_RETRIES, rate_limit=None
    )
    return sim, client


async def test_delivered_first_try() -> None:
    """A message delivered in time ends the chain: the SMS is never sent."""
    sim, client = simulated()
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=60)
    assert outcome.delivered_by is qlara.Channel.WHATSAPP
    assert outcome.delivered
    assert not outcome.unknown
    [step] = outcome.steps
    assert step.ended == "delivered"
    assert step.result is not None
    assert step.result.accepted
    assert step.status is not None
    assert step.status.status is qlara.DeliveryStatus.DELIVERED
    assert 2.0 <= step.elapsed < 4.0  # the simulator delivers after 2 s; polls at 1 s, 3 s
    assert [m.channel for m in sim.all_messages()] == [qlara.Channel.WHATSAPP]


async def test_undelivered_whatsapp_is_rescued_by_sms_at_the_deadline() -> None:
    """A WhatsApp message stuck in SENT is given up at the deadline, and the SMS delivers."""
    sim, client = simulated()
    sim.mark_number(DESTINATION, "SENT", channel="WHATSAPP")
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=30)
    assert outcome.delivered_by is qlara.Channel.SMS
    first, second = outcome.steps
    assert first.ended == "timed_out"
    assert first.status is not None
    assert first.status.status is qlara.DeliveryStatus.SENT
    assert 30.0 <= first.elapsed < 30.5
    assert second.ended == "delivered"
    assert second.started_at >= first.ended_at
    assert first.message_id != second.message_id
    sent = sim.all_messages()
    assert [m.message_id for m in sent] == [first.message_id, second.message_id]


async def test_failed_fast_moves_on_before_the_deadline() -> None:
    """An ERROR on the first channel sends the next one at once, not at the deadline."""
    sim, client = simulated()
    sim.mark_number(DESTINATION, "ERROR", channel="WHATSAPP")
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=600)
    first, second = outcome.steps
    assert first.ended == "failed"
    assert first.status is not None
    assert first.status.status is qlara.DeliveryStatus.ERROR
    assert first.elapsed < 4.0
    assert second.ended == "delivered"
    assert outcome.delivered_by is qlara.Channel.SMS


async def test_refused_send_moves_on_at_once() -> None:
    """A send the platform does not accept is refused, and the next message goes out."""
    sim, client = simulated()
    sim.mark_number(DESTINATION, "REJECTED", channel="WHATSAPP")
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=60)
    assert [s.ended for s in outcome.steps] == ["refused", "delivered"]
    assert outcome.steps[0].elapsed == 0.0
    assert outcome.delivered_by is qlara.Channel.SMS


async def test_nothing_delivered() -> None:
    """When every message fails, ``delivered_by`` is None and every step is reported."""
    sim, client = simulated()
    sim.mark_number(DESTINATION, "EXPIRED")
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=60)
    assert outcome.delivered_by is None
    assert [s.ended for s in outcome.steps] == ["failed", "failed"]


async def test_unknown_send_that_landed_is_waited_for() -> None:
    """An unknown outcome found by the status lookup is waited for, never sent around."""
    sim, client = simulated()
    sim.faults.queue("/message-server/whatsapp/send", Drop(processed=True))
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=60)
    [step] = outcome.steps
    assert isinstance(step.error, qlara.OutcomeUnknownError)
    assert step.result is None
    assert step.ended == "delivered"
    assert outcome.delivered_by is qlara.Channel.WHATSAPP
    assert len(sim.all_messages()) == 1


async def test_unknown_send_that_never_arrived_moves_on() -> None:
    """An unknown outcome the platform has never heard of counts as failed: the SMS goes out."""
    sim, client = simulated()
    sim.faults.queue("/message-server/whatsapp/send", Drop(processed=False))
    async with client:
        outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=60)
    assert [s.ended for s in outcome.steps] == ["failed", "delivered"]
    assert isinstance(outcome.steps[0].error, qlara.OutcomeUnknownError)
    assert [m.channel for m in sim.all_messages()] == [qlara.Channel.SMS]


@pytest.mark.parametrize(("on_unknown", "sent"), [("stop", 1), ("continue", 2)])
async def test_still_unknown_is_a_stated_choice(on_unknown: Any, sent: int) -> None:
    """When even the lookup fails, the chain stops unless told to continue."""
    sim, client = simulated()
    sim.faults.queue("/message-server/whatsapp/send", Drop(processed=True))
    sim.faults.queue("/partner-gateway/v1/messages/status/*", *[500] * 5)
    async with client:
        outcome = await client.send_with_fallback(
            [whatsapp(), sms()], deliver_within=60, on_unknown=on_unknown
        )
    assert outcome.steps[0].ended == "unknown"
    assert len(sim.all_messages()) == sent
    if on_unknown == "stop":
        assert outcome.unknown
        assert outcome.delivered_by is None
        assert len(outcome.steps) == 1
    else:
        assert outcome.delivered_by is qlara.Channel.SMS


async def test_cancelled_midway_sends_nothing_more() -> None:
    """Cancelling while the first message is waited for sends nothing else, ever."""
    sim, client = simulated()
    sim.mark_number(DESTINATION, "SENT", channel="WHATSAPP")
    tracker = webhooks.DeliveryTracker()
    async with client:
        with anyio.move_on_after(10) as scope:
            await client.send_with_fallback([whatsapp(), sms()], deliver_within=30, tracker=tracker)
        assert scope.cancelled_caught
        await anyio.sleep(120)  # well past the deadline the cancelled wait had
        assert [m.channel for m in sim.all_messages()] == [qlara.Channel.WHATSAPP]
        # The cancelled wait left no waiter behind: a feed wakes nobody and works.
        [tracked] = tracker.pending()
        assert tracker.feed(qlara.MessageStatus(tracked, qlara.DeliveryStatus.DELIVERED))


async def test_tracker_wakes_the_wait_without_polling() -> None:
    """With a tracker fed by callbacks, the wait ends on the event, with no status poll."""
    tracker = webhooks.DeliveryTracker()
    sim, client = simulated(callback=lambda event: tracker.feed(webhooks.parse(event)))
    sim.mark_number(DESTINATION, "ERROR", channel="WHATSAPP")

    async def tick() -> None:
        while True:
            await anyio.sleep(0.25)
            sim.tick()  # a served simulator does this on its own

    async with client, anyio.create_task_group() as group:
        group.start_soon(tick)
        outcome = await client.send_with_fallback(
            [whatsapp(), sms()], deliver_within=300, tracker=tracker, backstop_interval=200
        )
        group.cancel_scope.cancel()
    assert [s.ended for s in outcome.steps] == ["failed", "delivered"]
    assert all(s.elapsed < 2.5 for s in outcome.steps)
    assert sim.requests_seen == 2  # two sends; not one status request
    assert tracker.status(outcome.steps[1].message_id) is qlara.DeliveryStatus.DELIVERED


async def test_tracker_backstop_polls_when_no_callback_comes() -> None:
    """A tracker that hears nothing is backed up by polls, and the result is fed into it."""
    tracker = webhooks.DeliveryTracker()
    _, client = simulated()  # no callbacks reach the tracker
    async with client:
        outcome = await client.send_with_fallback(
            [whatsapp()], deliver_within=100, tracker=tracker, backstop_interval=10
        )
    [step] = outcome.steps
    assert step.ended == "delivered"
    assert 10.0 <= step.elapsed < 10.5  # the first backstop poll found it
    assert tracker.status(step.message_id) is qlara.DeliveryStatus.DELIVERED


def fake_platform(
    statuses: Callable[[str, float], str | None],
) -> tuple[list[tuple[str, float]], Callable[[httpx.Request], httpx.Response]]:
    """A MockTransport handler written from the docs: sends accepted, statuses scripted."""
    calls: list[tuple[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        now = anyio.current_time()
        path = request.url.path
        calls.append((path, now))
        if path.endswith("/send"):
            body = json.loads(request.content)
            channel = path.split("/")[-2]
            result = {"accepted": True, "unicode": False, "parts": 1, "reasons": []}
            return httpx.Response(
                200,
                json={
                    "messageId": body["messageId"],
                    "simulation": False,
                    "results": {channel: result},
                },
            )
        assert path.startswith(STATUS)
        assert request.url.params["channel"] in ("SMS", "WHATSAPP", "RCS")
        identifier = path.removeprefix(STATUS)
        status = statuses(request.url.params["channel"], now)
        if status is None:
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})
        return httpx.Response(200, json={"customerMessageId": identifier, "deliveryStatus": status})

    return calls, handler


async def test_polls_back_off_and_once_more_at_the_deadline(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """Without a tracker, polls double from ``poll_interval``, and one comes at the deadline."""
    start = anyio.current_time()
    calls, handler = fake_platform(
        lambda channel, _now: "DELIVERED" if channel == "SMS" else "SENT"
    )
    client = make_client(handler)
    outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=30)
    polls = [round(at - start, 3) for path, at in calls if path.startswith(STATUS)]
    assert polls[:5] == [1.0, 3.0, 7.0, 15.0, 30.0]
    assert polls[5] == 31.0  # the SMS's first poll
    assert [s.ended for s in outcome.steps] == ["timed_out", "delivered"]


async def test_not_yet_listed_is_waited_for(make_client: Callable[..., qlara.AsyncQlara]) -> None:
    """A status lookup answering 404 while the platform catches up is no failure."""
    start = anyio.current_time()
    _, handler = fake_platform(lambda _c, now: None if now - start < 5 else "DELIVERED")
    client = make_client(handler)
    outcome = await client.send_with_fallback([sms()], deliver_within=20, max_poll_interval=2.0)
    assert outcome.delivered_by is qlara.Channel.SMS
    assert 5.0 <= outcome.steps[0].elapsed <= 7.0


async def test_many_fallbacks_share_the_rate_limiter() -> None:
    """Fallbacks run side by side share the client's one rate limit: no request is refused."""
    limit = qlara.RateLimit(per_second=5, per_minute=600)
    sim = Simulator(clock=anyio.current_time, rate_limit=limit)
    sim.mark_number(DESTINATION, "ERROR", channel="WHATSAPP")
    # No retries: a 429 on a send would show as a "refused" step.
    client = qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=limit, max_retries=0)
    outcomes: list[qlara.FallbackOutcome] = []

    async def one() -> None:
        outcomes.append(await client.send_with_fallback([whatsapp(), sms()], deliver_within=60))

    async with client, anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(one)
    assert len(outcomes) == 12
    assert all([s.ended for s in o.steps] == ["failed", "delivered"] for o in outcomes)
    assert all(s.error is None for o in outcomes for s in o.steps)
    assert sim.send_counts.total() == 24
    # Twelve sends at 5 per second cannot all arrive within two seconds.
    arrivals = [m.accepted_at for m in sim.sent if m.channel is qlara.Channel.WHATSAPP]
    assert max(arrivals) - min(arrivals) >= 2.0


@pytest.mark.parametrize(
    ("messages", "options", "field"),
    [
        ([], {"deliver_within": 10}, "messages"),
        ("text", {"deliver_within": 10}, "messages"),
        ([sms(), "sms"], {"deliver_within": 10}, "messages[1]"),
        (
            [sms(message_id="a"), whatsapp(message_id="a")],
            {"deliver_within": 10},
            "messages[1].message_id",
        ),
        ([sms()], {"deliver_within": 0}, "deliver_within"),
        ([sms()], {"deliver_within": float("inf")}, "deliver_within"),
        ([sms()], {"deliver_within": 10, "on_unknown": "guess"}, "on_unknown"),
        ([sms()], {"deliver_within": 10, "tracker": object()}, "tracker"),
        ([sms()], {"deliver_within": 10, "poll_interval": -1}, "poll_interval"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    messages: Any, options: dict[str, Any], field: str
) -> None:
    """Unusable arguments raise a ValidationError naming the field; nothing is sent."""
    sim, client = simulated()
    async with client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.send_with_fallback(messages, **options)
    assert caught.value.field == field
    assert sim.requests_seen == 0


def test_blocking_twin() -> None:
    """``Qlara.send_with_fallback`` runs the same chain from plain code."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    sim.mark_number(DESTINATION, "ERROR", channel="WHATSAPP")
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        outcome = client.send_with_fallback(
            [whatsapp(), sms()], deliver_within=5, poll_interval=0.01
        )
    assert outcome.delivered_by is qlara.Channel.SMS
    assert [s.ended for s in outcome.steps] == ["failed", "delivered"]
