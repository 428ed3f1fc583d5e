"""Delivery tracking end to end against the simulator: polling, webhooks, callbacks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

import qlara
from qlara import webhooks
from qlara.testing import Lifecycle, Simulator

S = qlara.DeliveryStatus
NUMBERS = [f"+3934012345{n:02d}" for n in range(6)]


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def sim(events: list[dict[str, Any]]) -> Simulator:
    return Simulator(lifecycle=Lifecycle(sent_after=1, final_after=5), callback=events.append)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[qlara.AsyncQlara]:
    async with qlara.AsyncQlara("test-key", transport=sim.transport(), rate_limit=None) as client:
        yield client


async def send(client: qlara.AsyncQlara, destination: str = NUMBERS[0]) -> str:
    result = await client.sms.send(destination=destination, body="Your code is 1234", sender="Shop")
    assert result.accepted
    return result.message_id


async def test_status_follows_the_lifecycle(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """A polled status moves from SENT to DELIVERED as the simulator's clock advances."""
    message_id = await send(client)
    sim.advance(2)
    assert (await client.messages.status(message_id, channel="SMS")).status is S.SENT
    sim.advance(5)
    status = await client.messages.status(message_id, channel="SMS")
    assert status.status is S.DELIVERED
    assert status.customer_message_id == message_id
    assert status.channel is qlara.Channel.SMS
    with pytest.raises(qlara.NotFoundError):
        await client.messages.status(message_id, channel="RCS")


async def test_statuses_and_wait_for_final(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """Many messages polled at once, failures included; wait_for_final sees them all final."""
    sim.mark_number(NUMBERS[1], "ERROR")
    sim.mark_number(NUMBERS[2], "EXPIRED")
    ids = [await send(client, number) for number in NUMBERS[:3]]
    sim.advance(10)
    statuses = await client.messages.statuses([*ids, "never-sent"], channel="SMS")
    assert [s.status for s in statuses] == [S.DELIVERED, S.ERROR, S.EXPIRED]
    final = await client.messages.wait_for_final(ids, channel="SMS", timeout=1)
    assert all(s.is_final for s in final)


@pytest.mark.parametrize("shape", ["array", "messages"])
async def test_history_against_the_simulator(shape: str) -> None:
    """History pages through every sent message in either documented shape."""
    sim = Simulator(lifecycle=Lifecycle.instant(), history_shape=shape)
    async with qlara.AsyncQlara("k", transport=sim.transport(), rate_limit=None) as client:
        ids = {await send(client, number) for number in NUMBERS}
        start = sim.wall() - timedelta(hours=1)
        end = sim.wall() + timedelta(hours=1)
        seen = [
            item.customer_message_id
            async for item in client.messages.history(channel="SMS", from_=start, to=end, limit=4)
        ]
    assert sorted(seen) == sorted(ids)


async def test_webhook_set_round_trip(client: qlara.AsyncQlara, sim: Simulator) -> None:
    """set() creates, set() again updates through the 409, get() reads, delete() removes."""
    first = await client.webhooks.set("https://hooks.example.com/a")
    assert first.status == "ACTIVE"
    assert first.id is not None
    second = await client.webhooks.set("https://hooks.example.com/b")
    assert second.callback_url == "https://hooks.example.com/b"
    assert sim.webhook_url == "https://hooks.example.com/b"
    current = await client.webhooks.get()
    assert current is not None
    assert current.callback_url == "https://hooks.example.com/b"
    await client.webhooks.delete()
    assert await client.webhooks.get() is None
    assert sim.webhook_url is None


async def test_callbacks_reach_the_receiver_and_tracker(
    client: qlara.AsyncQlara, sim: Simulator, events: list[dict[str, Any]]
) -> None:
    """The simulator's callbacks, POSTed to asgi_app, fold into the tracker per message."""
    tracker = webhooks.DeliveryTracker()
    app = webhooks.asgi_app(tracker.feed, token="t0k")
    sim.mark_number(NUMBERS[1], "ERROR")
    delivered, failed = await send(client, NUMBERS[0]), await send(client, NUMBERS[1])
    tracker.track(delivered)
    tracker.track(failed)
    sim.advance(10)
    assert events
    for event in [*events, *events]:  # every callback twice: duplicates are harmless
        assert await post(app, json.dumps(event).encode(), b"token=t0k") == 200
    assert tracker.status(delivered) is S.DELIVERED
    assert tracker.status(failed) is S.ERROR
    assert tracker.pending() == []


async def test_per_part_receipts_and_reads_from_the_simulator(
    events: list[dict[str, Any]],
) -> None:
    """Per-part SMS receipts fold into one DELIVERED; RCS READ events mark messages read."""
    sim = Simulator(
        lifecycle=Lifecycle(sent_after=0, final_after=1, per_part_receipts=True, read_after=1),
        callback=events.append,
    )
    tracker = webhooks.DeliveryTracker()
    async with qlara.AsyncQlara("k", transport=sim.transport(), rate_limit=None) as client:
        result = await client.sms.send(destination=NUMBERS[0], body="x" * 400, sender="Shop")
        rcs = await client.rcs.send(
            destination=NUMBERS[1], agent_id=10, body=qlara.RcsText(text="Hi")
        )
        sim.advance(3)
    parsed = [webhooks.parse(event) for event in events]
    parts = [
        e
        for e in parsed
        if isinstance(e, webhooks.DeliveryEvent) and e.sent_message_id == result.message_id
    ]
    assert len(parts) == result.results[qlara.Channel.SMS].parts
    for event in parsed:
        tracker.feed(event)
    assert tracker.status(result.message_id) is S.DELIVERED
    state = tracker.get(rcs.message_id)
    assert state is not None
    assert (state.status, state.read) == (S.DELIVERED, True)


async def post(app: webhooks.WebhookReceiver, body: bytes, query: bytes) -> int:
    inbox = [{"type": "http.request", "body": body, "more_body": False}]
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send_(message: Any) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {"type": "http", "method": "POST", "headers": [], "query_string": query}
    await app(scope, receive, send_)
    return status[0]


def test_callbacks_over_loopback_http() -> None:
    """The simulator POSTs real HTTP callbacks to asgi_app on loopback; the tracker sees them."""
    from qlara.testing._asgi import asgi_handler
    from qlara.testing._server import serve_handler

    tracker = webhooks.DeliveryTracker()
    app = webhooks.asgi_app(tracker.feed, token="t0k", max_body=4096)
    sim = Simulator(lifecycle=Lifecycle(sent_after=0, final_after=1))
    with (
        serve_handler(asgi_handler(app)) as hook,
        qlara.Qlara("k", transport=sim.transport(), rate_limit=None) as client,
    ):
        client.webhooks.set(f"{hook.url}/qlara/events?token=t0k")
        result = client.sms.send(destination=NUMBERS[0], body="Hi", sender="Shop")
        sim.advance(2)
        assert sim.wait_for_callbacks(5)
        assert sim.callback_stats["delivered"] >= 1
        with httpx.Client(base_url=hook.url) as http:
            assert http.post("/qlara/events", content=b"{}").status_code == 401
            wrong = http.post("/qlara/events?token=nope", content=b"{}")
            assert wrong.status_code == 401
            garbage = http.post("/qlara/events?token=t0k", content=b"<xml/>")
            assert garbage.status_code == 400
            big = http.post("/qlara/events?token=t0k", content=b" " * 5000)
            assert big.status_code == 413
            assert http.get("/qlara/events?token=t0k").status_code == 405
    sim.close()
    assert tracker.status(result.message_id) is S.DELIVERED
