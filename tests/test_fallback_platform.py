"""``send_with_fallback`` against fakes of the platform that answer as its documentation says.

The virtual clocks of ``tests/test_fallback.py`` drive these too, so deadlines take no real time.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
import httpx

import qlara
from qlara import webhooks
from tests.conftest import DESTINATION
from tests.test_fallback import STATUS, anyio_backend, sms, whatsapp

__all__ = ["anyio_backend"]  # the virtual-clock backends, for this module too

Handler = Callable[[httpx.Request], httpx.Response]


def platform(
    accepted_on: Callable[[str], dict[str, bool]], statuses: dict[str, str]
) -> tuple[list[tuple[str, str]], Handler]:
    """Sends answer ``results`` per channel; a status lookup on another channel is a 404."""
    calls: list[tuple[str, str]] = []
    filed: dict[str, str] = {}  # message id -> the channel the platform sent it on

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/send"):
            calls.append(("send", path.split("/")[-2]))
            body = json.loads(request.content)
            results = {
                channel: {"accepted": ok, "unicode": False, "parts": 1, "reasons": []}
                for channel, ok in accepted_on(path.split("/")[-2]).items()
            }
            for channel, ok in results.items():
                if ok["accepted"]:
                    filed.setdefault(body["messageId"], channel.upper())
            answer = {"messageId": body["messageId"], "simulation": False, "results": results}
            return httpx.Response(200, json=answer)
        identifier = path.removeprefix(STATUS)
        channel = request.url.params["channel"]
        calls.append(("status", channel))
        if filed.get(identifier) != channel:
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})
        return httpx.Response(200, json={"deliveryStatus": statuses[channel]})

    return calls, handler


async def test_platform_fallback_is_followed_on_the_channel_that_took_it(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """A WhatsApp send the platform moved to SMS itself is polled on SMS; no second SMS goes out."""

    def accepted_on(channel: str) -> dict[str, bool]:
        return {"whatsapp": False, "sms": True} if channel == "whatsapp" else {channel: True}

    calls, handler = platform(accepted_on, {"SMS": "DELIVERED", "WHATSAPP": "SENT"})
    client = make_client(handler)
    first = whatsapp(fallback_sms=qlara.SmsFallback(sender="Shop", body="Your code: 1234"))
    outcome = await client.send_with_fallback([first, sms()], deliver_within=30)
    [step] = outcome.steps
    assert step.ended == "delivered"
    assert step.channel is qlara.Channel.SMS
    assert outcome.delivered_by is qlara.Channel.SMS
    assert [call for call in calls if call[0] == "send"] == [("send", "whatsapp")]
    assert ("status", "WHATSAPP") not in calls
    assert step.message.destination == DESTINATION


async def test_a_message_taken_on_its_own_channel_is_polled_there(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """When the message's own channel accepted it, that is the channel polled and reported."""
    calls, handler = platform(lambda channel: {channel: True}, {"WHATSAPP": "DELIVERED"})
    client = make_client(handler)
    outcome = await client.send_with_fallback([whatsapp(), sms()], deliver_within=30)
    [step] = outcome.steps
    assert step.channel is qlara.Channel.WHATSAPP
    assert outcome.delivered_by is qlara.Channel.WHATSAPP
    assert ("status", "WHATSAPP") in calls


async def test_a_timed_out_step_keeps_what_the_tracker_heard(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """At the deadline, a callback's SENT is the step's last status even when no poll found it."""
    calls, sends = platform(lambda channel: {channel: True}, {})

    def never_filed(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(STATUS):  # the platform never lists it
            calls.append(("status", request.url.params["channel"]))
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})
        return sends(request)

    client = make_client(never_filed)
    tracker = webhooks.DeliveryTracker()
    first = whatsapp(message_id="wa-1")

    async def callback() -> None:
        await anyio.sleep(1)
        tracker.feed(qlara.MessageStatus("wa-1", qlara.DeliveryStatus.SENT))

    async with anyio.create_task_group() as group:
        group.start_soon(callback)
        outcome = await client.send_with_fallback([first], deliver_within=10, tracker=tracker)
    [step] = outcome.steps
    assert step.ended == "timed_out"
    assert ("status", "WHATSAPP") in calls
    assert step.status is not None
    assert step.status.status is qlara.DeliveryStatus.SENT


async def test_unknown_send_is_looked_up_on_the_platform_fallback_channel_too(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """An unknown WhatsApp send with ``fallback_sms`` is found on SMS: no second SMS goes out."""
    sends: list[str] = []
    lookups: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/send"):
            sends.append(path.split("/")[-2])
            return httpx.Response(502)  # the platform took it (moved to SMS), the answer was lost
        channel = request.url.params["channel"]
        lookups.append(channel)
        if channel != "SMS":
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})
        return httpx.Response(200, json={"deliveryStatus": "DELIVERED"})

    client = make_client(handler)
    first = whatsapp(fallback_sms=qlara.SmsFallback(sender="Shop", body="Your code: 1234"))
    outcome = await client.send_with_fallback([first, sms()], deliver_within=30)
    [step] = outcome.steps
    assert isinstance(step.error, qlara.OutcomeUnknownError)
    assert step.ended == "delivered"
    assert step.channel is qlara.Channel.SMS
    assert outcome.delivered_by is qlara.Channel.SMS
    assert sends == ["whatsapp"]
    assert lookups == ["WHATSAPP", "SMS"]


async def test_unknown_send_found_nowhere_never_arrived(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """Not found on its channel nor on its platform fallback's, an unknown send moves on."""
    lookups: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/whatsapp/send"):
            return httpx.Response(502)
        if path.endswith("/send"):
            body = json.loads(request.content)
            result = {"sms": {"accepted": True, "unicode": False, "parts": 1, "reasons": []}}
            answer = {"messageId": body["messageId"], "simulation": False, "results": result}
            return httpx.Response(200, json=answer)
        lookups.append(request.url.params["channel"])
        if len(lookups) <= 2:  # the WhatsApp message: unknown on both channels
            return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})
        return httpx.Response(200, json={"deliveryStatus": "DELIVERED"})

    client = make_client(handler)
    first = whatsapp(fallback_sms=qlara.SmsFallback(sender="Shop", body="Your code: 1234"))
    outcome = await client.send_with_fallback([first, sms()], deliver_within=30)
    assert [s.ended for s in outcome.steps] == ["failed", "delivered"]
    assert lookups[:2] == ["WHATSAPP", "SMS"]
    assert outcome.delivered_by is qlara.Channel.SMS


async def test_unknown_send_the_tracker_heard_of_has_landed(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """A lost send answer with a failing lookup is no "unknown" when a callback already told."""
    tracker = webhooks.DeliveryTracker()
    sends: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            sends.append(request.url.path.split("/")[-2])
            body = json.loads(request.content)
            # The delivery callback beats the lost answer; the status endpoint is down.
            tracker.feed(qlara.MessageStatus(body["messageId"], qlara.DeliveryStatus.SENT))
            return httpx.Response(502)
        return httpx.Response(503)

    client = make_client(handler)
    first = whatsapp(message_id="wa-1")

    async def deliver() -> None:
        await anyio.sleep(5)
        tracker.feed(qlara.MessageStatus("wa-1", qlara.DeliveryStatus.DELIVERED))

    async with anyio.create_task_group() as group:
        group.start_soon(deliver)
        outcome = await client.send_with_fallback(
            [first, sms()], deliver_within=60, tracker=tracker
        )
    [step] = outcome.steps
    assert isinstance(step.error, qlara.OutcomeUnknownError)
    assert step.ended == "delivered"
    assert outcome.delivered_by is qlara.Channel.WHATSAPP
    assert sends == ["whatsapp"]


async def test_unknown_send_not_listed_yet_but_heard_of_has_landed(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """A 404 right after a lost answer is "not listed yet" when a callback already told."""
    tracker = webhooks.DeliveryTracker()
    sends: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            sends.append(request.url.path.split("/")[-2])
            body = json.loads(request.content)
            tracker.feed(qlara.MessageStatus(body["messageId"], qlara.DeliveryStatus.DELIVERED))
            return httpx.Response(502)
        return httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "?"})

    client = make_client(handler)
    outcome = await client.send_with_fallback(
        [whatsapp(), sms()], deliver_within=60, tracker=tracker
    )
    [step] = outcome.steps
    assert step.ended == "delivered"
    assert outcome.delivered_by is qlara.Channel.WHATSAPP
    assert sends == ["whatsapp"]
