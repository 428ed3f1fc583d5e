"""client.sms.legacy: the SMS Legacy format on the wire, its answer, and the simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import httpx
import pytest

import qlara
import qlara.testing
from tests.conftest import DESTINATION, KEY

MakeClient = Callable[..., qlara.AsyncQlara]
OTHER = "+393409999999"
WHOLESALE = {
    "globalId": "g-1",
    "accepted": True,
    "results": [
        {"destination": DESTINATION, "id": "a", "accepted": True, "statusCode": 200},
        {"destination": OTHER, "id": "b", "accepted": False, "statusCode": 403},
    ],
}


def recorder(
    answer: Any = WHOLESALE, status: int = 200
) -> tuple[list[httpx.Request], Callable[[httpx.Request], httpx.Response]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=answer)

    return seen, handler


async def test_send_posts_the_legacy_body(make_client: MakeClient) -> None:
    """send() POSTs /services/sms/send with the global flags and camelCase items."""
    seen, handler = recorder()
    client = make_client(handler)
    when = datetime(2026, 12, 8, 6, 0, 0, 2000, tzinfo=timezone(timedelta(hours=2)))
    item = qlara.LegacySms(
        ids=["a", "b"],
        destinations=[DESTINATION, OTHER],
        sender="Shop",
        body="Hello",
        udh_data="050003",
        scheduling=when,
    )
    result = await client.sms.legacy.send(
        [item],
        global_id="g-1",
        max_id_len=32,
        enable_concatenated=False,
        enable_unicode=True,
        enable_delivery=False,
        simulation=True,
        skip_rcs_override=True,
        extra_body={"custom": 1},
    )
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/api/services/sms/send"
    assert request.headers["x-api-key"] == KEY
    assert json.loads(request.content) == {
        "globalId": "g-1",
        "maxIdLen": 32,
        "enableConcatenated": False,
        "enableUnicode": True,
        "enableDelivery": False,
        "simulation": True,
        "skipRcsOverride": True,
        "messages": [
            {
                "ids": ["a", "b"],
                "destinations": [DESTINATION, OTHER],
                "sender": "Shop",
                "body": "Hello",
                "udhData": "050003",
                "scheduling": "2026-12-08 06:00:00.002+0200",
            }
        ],
        "custom": 1,
    }
    assert result.global_id == "g-1"
    assert result.accepted is True
    assert [(r.id, r.accepted, r.status_code) for r in result.results] == [
        ("a", True, 200),
        ("b", False, 403),
    ]
    assert result.for_id("b") is not None
    assert result.raw == WHOLESALE


async def test_unset_flags_are_not_sent_and_ids_are_made(make_client: MakeClient) -> None:
    """Flags left None are left out; items without ids get a UUID per destination and a globalId."""
    seen, handler = recorder({"accepted": 2})
    client = make_client(handler)
    item = qlara.LegacySms(destinations=[DESTINATION, OTHER], sender="Shop", body="Hi")
    result = await client.sms.legacy.send([item])
    body = json.loads(seen[0].content)
    assert set(body) == {"globalId", "messages"}
    ids = body["messages"][0]["ids"]
    assert len(set(ids)) == 2
    assert all(len(i) == 36 for i in [*ids, body["globalId"]])
    assert result.global_id == body["globalId"]
    assert result.accepted == 2
    assert result.results == ()


@pytest.mark.parametrize(
    ("answer", "ids"),
    [
        ([{"id": "a", "statusCode": 200}], [("a", True)]),
        ({"results": {"a": {"accepted": False}}}, [("a", False)]),
        ({"results": "odd", "globalId": 7}, []),
    ],
)
async def test_other_answer_shapes_are_tolerated(
    make_client: MakeClient, answer: Any, ids: list[tuple[str, bool]]
) -> None:
    """A bare list, results keyed by id, or odd fields: read leniently, raw kept."""
    _, handler = recorder(answer)
    client = make_client(handler)
    item = qlara.LegacySms(ids=["a"], destinations=[DESTINATION], sender="Shop", body="Hi")
    result = await client.sms.legacy.send([item])
    assert [(r.id, r.accepted) for r in result.results] == ids
    assert result.raw


async def test_unreadable_answer_is_outcome_unknown(make_client: MakeClient) -> None:
    """A 2xx that is not an object may have landed: OutcomeUnknownError with the globalId."""
    _, handler = recorder("ok")
    client = make_client(handler)
    item = qlara.LegacySms(ids=["a"], destinations=[DESTINATION], sender="Shop", body="Hi")
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await client.sms.legacy.send([item], global_id="g-9")
    assert caught.value.message_id == "g-9"


async def test_credit_reads_the_number(make_client: MakeClient) -> None:
    """credit() GETs /services/sms/credit and returns the EUR amount; no number is malformed."""
    seen, handler = recorder({"credit": 12.5})
    assert await make_client(handler).sms.legacy.credit() == 12.5
    assert (seen[0].method, seen[0].url.path) == ("GET", "/api/services/sms/credit")
    _, broken = recorder({"credit": "lots"})
    with pytest.raises(qlara.MalformedResponseError):
        await make_client(broken).sms.legacy.credit()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ids": ["a"], "destinations": [DESTINATION, OTHER]}, "ids"),
        ({"destinations": [DESTINATION, "3401234567"]}, "destinations[1]"),
        ({"destinations": []}, "destinations"),
        ({"destinations": [DESTINATION], "ids": [""]}, "ids[0]"),
        ({"destinations": [DESTINATION], "scheduling": datetime(2026, 1, 1)}, "scheduling"),
        ({"destinations": [DESTINATION], "sender": "a very long sender"}, "sender"),
        ({"destinations": [DESTINATION], "hex_body": True}, "body"),
    ],
)
def test_items_are_validated(fields: dict[str, Any], field: str) -> None:
    """A bad item is a ValidationError naming the field, at construction."""
    values = {"sender": "Shop", "body": "Hi", **fields}
    with pytest.raises(qlara.ValidationError) as caught:
        qlara.LegacySms(**values)
    assert caught.value.field == field


async def test_send_arguments_are_validated(make_client: MakeClient) -> None:
    """A bad list, item or flag, an id over max_id_len (64 unset) or repeated sends nothing."""
    seen, handler = recorder()
    client = make_client(handler)
    item = qlara.LegacySms(ids=["x" * 10], destinations=[DESTINATION], sender="Shop", body="Hi")
    for call, field in [
        (client.sms.legacy.send([]), "messages"),
        (client.sms.legacy.send(["nope"]), "messages[0]"),  # type: ignore[list-item]
        (client.sms.legacy.send([item], simulation="yes"), "simulation"),  # type: ignore[arg-type]
        (client.sms.legacy.send([item], max_id_len=5), "messages[0].ids[0]"),
        (client.sms.legacy.send([attrs.evolve(item, ids=["y" * 65])]), "messages[0].ids[0]"),
        (client.sms.legacy.send([item, attrs.evolve(item, body="Bye")]), "messages[1].ids[0]"),
    ]:
        with pytest.raises(qlara.ValidationError) as caught:
            await call
        assert caught.value.field == field
    assert seen == []


async def test_items_may_be_mappings(make_client: MakeClient) -> None:
    """A mapping of the item's fields (snake_case or camelCase) is read as a LegacySms."""
    seen, handler = recorder()
    client = make_client(handler)
    await client.sms.legacy.send(
        [
            {
                "ids": ["a"],
                "destinations": [DESTINATION],
                "sender": "Shop",
                "body": "Hi",
                "udhData": "05",
            }
        ]
    )
    assert json.loads(seen[0].content)["messages"][0]["udhData"] == "05"
    with pytest.raises(qlara.ValidationError) as caught:
        await client.sms.legacy.send([{"destinations": ["1"], "sender": "Shop", "body": "Hi"}])
    assert caught.value.field == "messages[0].destinations[0]"
    assert len(seen) == 1


def make_sim(**options: Any) -> qlara.testing.Simulator:
    options.setdefault("lifecycle", qlara.testing.Lifecycle.instant())
    return qlara.testing.Simulator(**options)


async def test_simulator_tracks_each_id_and_calls_back() -> None:
    """Each id of a Legacy request is its own SMS: status by id, one callback each."""
    events: list[dict[str, Any]] = []
    sim = make_sim(callback=events.append)
    sim.mark_number(OTHER, "REJECTED")
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport()) as client:
        item = qlara.LegacySms(
            ids=["a", "b", "c"],
            destinations=[DESTINATION, OTHER, "+393401111111"],
            sender="Shop",
            body="Hi",
        )
        result = await client.sms.legacy.send([item], global_id="g")
        assert result.global_id == "g"
        assert result.accepted is False
        assert [(r.id, r.accepted, r.status_code) for r in result.results] == [
            ("a", True, 200),
            ("b", False, 403),
            ("c", True, 200),
        ]
        statuses = await client.messages.statuses(["a", "b", "c"], channel="SMS")
        assert {s.customer_message_id: s.status for s in statuses} == {
            "a": qlara.DeliveryStatus.DELIVERED,
            "c": qlara.DeliveryStatus.DELIVERED,
        }
        status = await client.messages.status("a", channel=qlara.Channel.SMS)
        assert status.status is qlara.DeliveryStatus.DELIVERED
        assert await client.sms.legacy.credit() == sim.credit
    delivered = [e["customerMessageId"] for e in events if e.get("eventType") == "DELIVERY"]
    assert sorted(delivered) == ["a", "c"]
    assert sim.message("a").dialect == "legacy"


async def test_simulator_counts_one_request_against_the_budget() -> None:
    """A request of many messages uses one slot of the key's budget."""
    sim = make_sim(rate_limit=qlara.RateLimit(per_second=5, per_minute=10))
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=None) as client:
        numbers = [f"+3934000000{i:02d}" for i in range(50)]
        item = qlara.LegacySms(destinations=numbers, sender="Shop", body="Hi")
        raw = await client.request("POST", "/services/sms/send", json={"messages": [_wire(item)]})
        assert raw.headers["x-ratelimit-remaining"] == "9"
    assert len(sim.sent) == 50


def _wire(item: qlara.LegacySms) -> dict[str, Any]:
    return {"destinations": list(item.destinations), "sender": item.sender, "body": item.body}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 14),
        ({"messages": [{"sender": "S", "body": "x"}]}, 13),
        ({"messages": [{"destinations": ["123"], "sender": "S", "body": "x"}]}, 4),
        (
            {"messages": [{"destinations": [DESTINATION], "ids": [], "sender": "S", "body": "x"}]},
            15,
        ),
        ({"messages": [{"destinations": [DESTINATION], "body": "x"}]}, 10),
        ({"messages": [{"destinations": [DESTINATION], "sender": "S"}]}, 6),
        ({"messages": [{"destinations": [DESTINATION], "sender": "S" * 12, "body": "x"}]}, 18),
        ({"messages": [{"destinations": [DESTINATION], "sender": "S", "body": "x" * 2000}]}, 7),
        ({"globalId": 5, "messages": [{"destinations": [DESTINATION]}]}, 20),
        ({"maxIdLen": 0, "messages": []}, 21),
        (
            {
                "messages": [
                    {"destinations": [DESTINATION], "sender": "S", "body": "x", "udhData": "z"}
                ]
            },
            22,
        ),
        (
            {
                "messages": [
                    {
                        "destinations": [DESTINATION],
                        "sender": "S",
                        "body": "x",
                        "scheduling": "soon",
                    }
                ]
            },
            23,
        ),
        (
            {
                "messages": [
                    {"destinations": [DESTINATION], "sender": "S", "body": "x", "hexBody": True}
                ]
            },
            24,
        ),
    ],
)
async def test_simulator_answers_legacy_error_codes(body: dict[str, Any], code: int) -> None:
    """Invalid requests answer 400 with the JSend-style body and the documented Legacy code."""
    sim = make_sim()
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=None) as client:
        with pytest.raises(qlara.BadRequestError) as caught:
            await client.request("POST", "/services/sms/send", json=body)
    error = caught.value.body
    assert error["status"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert sim.sent == []


async def test_simulator_refuses_a_request_over_its_size_limit() -> None:
    """A body over max_request_bytes answers 413 and tracks nothing."""
    sim = make_sim()
    sim.max_request_bytes = 100
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=None) as client:
        item = qlara.LegacySms(destinations=[DESTINATION], sender="Shop", body="x" * 200)
        with pytest.raises(qlara.APIStatusError) as caught:
            await client.sms.legacy.send([item])
    assert caught.value.status_code == 413
    assert sim.sent == []


def test_sync_legacy_send_and_credit() -> None:
    """The blocking client.sms.legacy sends and reads the credit."""
    sim = make_sim()
    with qlara.Qlara(KEY, transport=sim.transport()) as client:
        item = qlara.LegacySms(ids=["s1"], destinations=[DESTINATION], sender="Shop", body="Hi")
        result = client.sms.legacy.send([item])
        assert result.results[0].accepted is True
        assert client.sms.legacy.credit() == sim.credit
    assert sim.count("s1") == 1


@pytest.mark.parametrize(
    ("response", "accepted"),
    [
        (httpx.Response(200), None),
        (httpx.Response(202), None),
        (httpx.Response(200, json={"status": "ok"}), True),
        (
            httpx.Response(200, json={"status": "error", "message": "Wrong sender", "code": 18}),
            False,
        ),
    ],
)
async def test_minimal_answers_are_read(
    make_client: MakeClient, response: httpx.Response, accepted: bool | None
) -> None:
    """An empty 2xx or a bare JSend status is an answer, not an unknown outcome."""
    client = make_client(lambda request: response)
    item = qlara.LegacySms(ids=["a"], destinations=[DESTINATION], sender="Shop", body="Hi")
    result = await client.sms.legacy.send([item], global_id="g-1")
    assert result.global_id == "g-1"
    assert result.accepted is accepted
    assert result.results == ()
