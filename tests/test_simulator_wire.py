"""The simulator's wire formats, checked with raw httpx: old dialect, tracking, webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qlara.testing import SimRequest, Simulator
from tests.conftest import DESTINATION, KEY

BASE = "http://sim/api"
STATUS = "/partner-gateway/v1/messages/status"
HOOK = "/partner-gateway/v1/webhooks/delivery-status"


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim() -> Simulator:
    return Simulator(clock=FakeClock(), callback=lambda _: None)


@pytest.fixture
async def raw(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers={"X-API-KEY": KEY}
    ) as client:
        yield client


async def sms(raw: httpx.AsyncClient, message_id: str, **extra: Any) -> httpx.Response:
    body = {"destination": DESTINATION, "body": "Hi", "sender": "Shop", "messageId": message_id}
    return await raw.post("/message-server/sms/send", json={**body, **extra})


async def test_quick_start_sms_is_answered_in_the_old_shape(raw: httpx.AsyncClient) -> None:
    """The Quick Start's SMS body gets the older list-shaped answer with customerMessageId."""
    response = await raw.post(
        "/message-server/sms/send",
        json={"phoneNumber": DESTINATION, "message": "Hello", "senderName": "MyCompany"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [
        {"phoneNumber": DESTINATION, "accepted": True, "channel": "sms", "statusCode": 200}
    ]
    assert body["customerMessageId"]
    assert body["messageId"] != body["customerMessageId"]


@pytest.mark.parametrize("channel", ["rcs", "whatsapp"])
async def test_quick_start_templates_are_accepted(
    raw: httpx.AsyncClient, sim: Simulator, channel: str
) -> None:
    """The Quick Start's templateId + variables bodies work for RCS and WhatsApp."""
    response = await raw.post(
        f"/message-server/{channel}/send",
        json={
            "phoneNumber": DESTINATION,
            "templateId": "template_123",
            "variables": {"name": "Mario"},
            "customerMessageId": "qs-1",
        },
    )
    assert response.json()["results"][0]["channel"] == channel
    assert response.json()["customerMessageId"] == "qs-1"
    assert sim.message("qs-1").dialect == "quickstart"


async def test_quick_start_sends_get_guide_style_callbacks(
    raw: httpx.AsyncClient, sim: Simulator
) -> None:
    """An old-dialect send is answered in the old shape, but its callbacks are the guide's."""
    await raw.post(HOOK, json={"callbackUrl": "http://127.0.0.1:9/hook"})
    await raw.post(
        "/message-server/sms/send",
        json={
            "phoneNumber": DESTINATION,
            "message": "Hello",
            "senderName": "MyCompany",
            "customerMessageId": "qs-cb",
        },
    )
    sim.advance(60)
    final = [e for e in sim.events if e.get("statusCode") == 3]
    assert len(final) == 1
    assert final[0]["eventType"] == "DELIVERY"
    assert final[0]["customerMessageId"] == "qs-cb"
    assert "status" not in final[0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phoneNumber": "0039340", "message": "x", "senderName": "A"}, "phoneNumber"),
        ({"phoneNumber": DESTINATION, "senderName": "A"}, "message"),
        ({"phoneNumber": DESTINATION, "message": "x"}, "senderName"),
    ],
)
async def test_quick_start_fields_are_validated(
    raw: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    """The old dialect's required fields answer 400 naming the field."""
    response = await raw.post("/message-server/sms/send", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(field)


async def test_malformed_json_is_400(raw: httpx.AsyncClient) -> None:
    """A body that is not JSON is a 400."""
    response = await raw.post(
        "/message-server/sms/send",
        content=b"{nope",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400


async def test_unknown_paths_and_methods(raw: httpx.AsyncClient) -> None:
    """Unknown paths are 404 and wrong methods 405 with Allow."""
    assert (await raw.get("/nothing/here")).status_code == 404
    response = await raw.get("/message-server/sms/send")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_head_answers_carry_no_body(raw: httpx.AsyncClient) -> None:
    """A HEAD request gets the status and headers a GET would, and an empty body."""
    for path in ("/message-server/sms/send", "/nothing/here", STATUS + "?ids=a&channel=SMS"):
        get, head = await raw.get(path), await raw.head(path)
        assert head.status_code == get.status_code
        assert head.content == b""
        assert get.content != b""


async def test_single_status_by_the_id_the_client_sent(
    raw: httpx.AsyncClient, sim: Simulator
) -> None:
    """Status is polled by the client's messageId; a wrong channel is 404."""
    await sms(raw, "order-7")
    sim.advance(5)
    response = await raw.get(f"{STATUS}/order-7", params={"channel": "SMS"})
    assert response.status_code == 200
    body = response.json()
    assert body["customerMessageId"] == "order-7"
    assert body["deliveryStatus"] == "DELIVERED"
    assert body["deliveryStatusDescription"]
    assert body["channel"] == "SMS"
    assert (await raw.get(f"{STATUS}/order-7", params={"channel": "RCS"})).status_code == 404
    assert (await raw.get(f"{STATUS}/nope", params={"channel": "SMS"})).status_code == 404
    missing = await raw.get(f"{STATUS}/order-7")
    assert missing.status_code == 400
    assert missing.json()["message"].startswith("channel")


async def test_batch_status_leaves_unknown_ids_out(raw: httpx.AsyncClient) -> None:
    """Batch status answers an array of the known ids; none known is 200 []."""
    await sms(raw, "a")
    await sms(raw, "b")
    response = await raw.get(STATUS, params={"ids": "a,b,zzz", "channel": "SMS"})
    assert sorted(item["customerMessageId"] for item in response.json()) == ["a", "b"]
    empty = await raw.get(STATUS, params={"ids": "zzz", "channel": "SMS"})
    assert (empty.status_code, empty.json()) == (200, [])


async def test_batch_status_with_an_absurd_query_is_414(raw: httpx.AsyncClient) -> None:
    """A query string longer than proxies allow is 414."""
    ids = ",".join(f"id-{n:06d}" for n in range(1000))
    response = await raw.get(STATUS, params={"ids": ids, "channel": "SMS"})
    assert response.status_code == 414


async def test_history_filters_and_pages(raw: httpx.AsyncClient, sim: Simulator) -> None:
    """History is a bare array filtered by channel, time and status, paged from 0."""
    for n in range(5):
        await sms(raw, f"h{n}")
    sim.advance(5)
    params = {"channel": "SMS", "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    page = await raw.get("/partner-gateway/v1/messages/history", params={**params, "limit": 2})
    assert [item["customerMessageId"] for item in page.json()] == ["h0", "h1"]
    last = await raw.get(
        "/partner-gateway/v1/messages/history", params={**params, "limit": 2, "page": 2}
    )
    assert [item["customerMessageId"] for item in last.json()] == ["h4"]
    assert last.json()[0]["deliveryStatus"] == "DELIVERED"
    errors = await raw.get(
        "/partner-gateway/v1/messages/history", params={**params, "status": "ERROR"}
    )
    assert errors.json() == []
    backwards = {**params, "from": params["to"], "to": params["from"]}
    assert (await raw.get("/partner-gateway/v1/messages/history", params=backwards)).json() == []


async def test_history_can_use_the_messages_wrapper() -> None:
    """history_shape='messages' wraps the items as UC-019 shows."""
    sim = Simulator(history_shape="messages")
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers={"X-Api-Key": KEY}
    ) as raw:
        await sms(raw, "w1")
        response = await raw.get(
            "/partner-gateway/v1/messages/history",
            params={"channel": "SMS", "from": "2000-01-01", "to": "2100-01-01"},
        )
    assert [m["customerMessageId"] for m in response.json()["messages"]] == ["w1"]


async def test_history_requires_its_parameters(raw: httpx.AsyncClient) -> None:
    """Missing from/to or a bad date is a 400 naming the parameter."""
    response = await raw.get("/partner-gateway/v1/messages/history", params={"channel": "SMS"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("from")
    response = await raw.get(
        "/partner-gateway/v1/messages/history",
        params={"channel": "SMS", "from": "yesterday", "to": "2100-01-01"},
    )
    assert response.json()["message"].startswith("from")


async def test_history_export_is_accepted(raw: httpx.AsyncClient, sim: Simulator) -> None:
    """A history export answers 202; without dates it is a 400."""
    body = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}
    response = await raw.post("/partner-gateway/v1/messages/history/export", json=body)
    assert response.status_code == 202
    assert len(sim.exports) == 1
    bad = await raw.post("/partner-gateway/v1/messages/history/export", json={})
    assert bad.status_code == 400


async def test_webhook_configuration_lifecycle(raw: httpx.AsyncClient, sim: Simulator) -> None:
    """Webhook config: 404 when none, 201 create, 409 twice, 200 update, 204 delete."""
    assert (await raw.get(HOOK)).status_code == 404
    assert (await raw.put(HOOK, json={"callbackUrl": "https://a.example/h"})).status_code == 404
    created = await raw.post(HOOK, json={"callbackUrl": "https://a.example/h"})
    assert created.status_code == 201
    assert created.json()["status"] == "ACTIVE"
    assert created.json()["id"].startswith("wh-")
    assert (await raw.post(HOOK, json={"callbackUrl": "https://b.example/h"})).status_code == 409
    updated = await raw.put(HOOK, json={"callbackUrl": "https://b.example/h"})
    assert updated.json()["callbackUrl"] == "https://b.example/h"
    assert (await raw.get(HOOK)).json()["callbackUrl"] == sim.webhook_url == "https://b.example/h"
    assert (await raw.delete(HOOK)).status_code == 204
    assert (await raw.delete(HOOK)).status_code == 404


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://example.com/hook", False),
        ("not a url", False),
        ("http://127.0.0.1:8000/hook", True),
        ("http://localhost/hook", True),
        ("https://example.com/hook", True),
    ],
)
async def test_webhooks_need_https_except_on_loopback(
    raw: httpx.AsyncClient, url: str, ok: bool
) -> None:
    """Only HTTPS callback URLs are accepted, plus plain HTTP on localhost."""
    response = await raw.post(HOOK, json={"callbackUrl": url})
    assert response.status_code == (201 if ok else 400)
    if not ok:
        assert response.json()["message"].startswith("callbackUrl")


async def test_quick_start_webhook_registration(raw: httpx.AsyncClient, sim: Simulator) -> None:
    """The old POST /api/webhooks/delivery-status {url, method} also configures the URL."""
    response = await raw.post(
        "/webhooks/delivery-status", json={"url": "https://x.example/h", "method": "POST"}
    )
    assert response.status_code == 201
    assert sim.webhook_url == "https://x.example/h"


async def test_remote_callbacks_are_not_posted_by_default(raw: httpx.AsyncClient) -> None:
    """Events for a non-loopback URL are recorded but not sent over the network."""
    sim = Simulator(clock=FakeClock())
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers={"X-Api-Key": KEY}
    ) as client:
        await client.post(HOOK, json={"callbackUrl": "https://example.com/hook"})
        await sms(client, "offline")
    sim.advance(5)
    assert [e["customerMessageId"] for e in sim.events] == ["offline"]
    assert sim.callback_stats == {"delivered": 0, "failed": 0, "dropped": 0}


def test_responses_carry_json_and_rate_headers() -> None:
    """With a rate limit every answer carries X-RateLimit-Limit and -Remaining."""
    import qlara
    from qlara.testing import SimRequest

    sim = Simulator(rate_limit=qlara.RateLimit.trial())
    request = SimRequest(
        "POST",
        "/api/message-server/sms/send",
        headers={"x-api-key": KEY, "content-type": "application/json"},
        body=json.dumps({"destination": DESTINATION, "body": "x", "sender": "S"}).encode(),
    )
    response = sim.handle(request)
    assert response.status == 200
    assert response.headers["x-ratelimit-limit"] == "100"
    assert response.headers["x-ratelimit-remaining"] == "99"
    assert response.json()["results"]["sms"]["accepted"] is True


async def test_nested_errors_use_wire_names(raw: httpx.AsyncClient) -> None:
    """A nested field is named as on the wire (fallbackSms.text, not fallback_sms.body)."""
    response = await raw.post(
        "/message-server/whatsapp/send",
        json={
            "destination": DESTINATION,
            "phoneNumberId": 5,
            "template": {"id": 42},
            "fallbackSms": {"sender": "Shop"},
        },
    )
    assert response.status_code == 400
    assert response.json()["message"] == "fallbackSms.text: is required"


def rcs(body: dict[str, Any]) -> dict[str, Any]:
    return {"destination": DESTINATION, "agentId": 10, "body": body}


def whatsapp(**extra: Any) -> dict[str, Any]:
    base = {"destination": DESTINATION, "phoneNumberId": 5, "template": {"id": 42}}
    fallback = {"fallbackSms": {"sender": "Shop", "text": "Hi"}} if "fallbackRcs" in extra else {}
    return {**base, **fallback, **extra}


LONG_LABEL = "A very long suggestion label beyond 25"
REPLY = {"type": "reply", "text": LONG_LABEL}


@pytest.mark.parametrize(
    ("channel", "body", "path"),
    [
        (
            "rcs",
            rcs({"type": "TEXT", "body": {"text": "Hi", "suggestions": [REPLY]}}),
            "body.body.suggestions[0].text",
        ),
        (
            "rcs",
            rcs({"type": "TEXT", "body": {"text": "Hi", "suggestions": [{"type": "reply"}]}}),
            "body.body.suggestions[0].text",
        ),
        (
            "rcs",
            rcs(
                {
                    "type": "TEXT",
                    "body": {
                        "text": "Hi",
                        "suggestions": [
                            {"type": "reply", "text": "ok"},
                            {"type": "dial", "text": "Call", "dial": {"phoneNumber": "12"}},
                        ],
                    },
                }
            ),
            "body.body.suggestions[1].dial.phoneNumber",
        ),
        ("rcs", rcs({"type": "TEXT", "body": {"text": 5}}), "body.body.text"),
        (
            "rcs",
            rcs({"type": "TEXT", "body": {"text": "Hi", "fallbackSms": {"sender": "S"}}}),
            "body.body.fallbackSms.text",
        ),
        (
            "rcs",
            rcs({"type": "CARD", "body": {"card": {"title": "t", "media": {"fileUrl": "x"}}}}),
            "body.body.card.media.fileUrl",
        ),
        (
            "rcs",
            rcs({"type": "CARD", "body": {"card": {"title": "t"}, "cardOrientation": "DIAGONAL"}}),
            "body.body.cardOrientation",
        ),
        (
            "rcs",
            rcs({"type": "CARD", "body": {"card": {"title": "t", "suggestions": [REPLY]}}}),
            "body.body.card.suggestions[0].text",
        ),
        (
            "rcs",
            rcs({"type": "CAROUSEL", "body": {"cards": [{"title": "a"}, {"title": 5}]}}),
            "body.body.cards[1].title",
        ),
        (
            "rcs",
            rcs({"type": "CAROUSEL", "body": {"cards": [{"title": "a"}, {"suggestions": []}]}}),
            "body.body.cards[1]",
        ),
        ("rcs", rcs({"type": "CAROUSEL", "body": {"cards": [{"title": "a"}]}}), "body.body.cards"),
        ("rcs", rcs({"type": "VIDEO", "body": {}}), "body.type"),
        ("rcs", rcs({"type": "TEXT"}), "body.body"),
        (
            "whatsapp",
            whatsapp(fallbackRcs={"agentId": 10, "templateId": 3, "body": {"type": "TEXT"}}),
            "fallbackRcs.body.body",
        ),
        (
            "whatsapp",
            whatsapp(
                fallbackRcs={
                    "agentId": 10,
                    "templateId": 3,
                    "body": {"type": "TEXT", "body": {"text": "x"}},
                }
            ),
            "fallbackRcs.body/fallbackRcs.templateId",
        ),
        (
            "whatsapp",
            whatsapp(
                fallbackRcs={
                    "agentId": 10,
                    "body": {"type": "TEXT", "body": {"text": "x", "suggestions": [REPLY]}},
                }
            ),
            "fallbackRcs.body.body.suggestions[0].text",
        ),
        ("whatsapp", whatsapp(fallbackRcs={"agentId": 0}), "fallbackRcs.agentId"),
        (
            "whatsapp",
            {**whatsapp(), "fallbackSms": {"sender": "Shop", "text": " "}},
            "fallbackSms.text",
        ),
        (
            "rcs",
            rcs(
                {"type": "TEXT", "body": {"text": "Hi", "fallbackSms": {"sender": "S", "text": ""}}}
            ),
            "body.body.fallbackSms.text",
        ),
        ("whatsapp", whatsapp(template={"name": "order_shipped"}), "template.language"),
        (
            "whatsapp",
            whatsapp(template={"id": 42, "parameters": ["a", None]}),
            "template.parameters[1]",
        ),
    ],
)
async def test_nested_errors_carry_the_full_wire_path(
    raw: httpx.AsyncClient, channel: str, body: dict[str, Any], path: str
) -> None:
    """A 400 for a nested field names its whole wire path, each segment once."""
    response = await raw.post(f"/message-server/{channel}/send", json=body)
    assert response.status_code == 400
    assert response.json()["message"].split(": ")[0] == path


async def test_suggestion_labels_keep_the_sdk_limit(raw: httpx.AsyncClient) -> None:
    """A suggestion label over 25 characters is refused as the SDK refuses it, with its path."""
    response = await raw.post(
        "/message-server/rcs/send",
        json=rcs({"type": "TEXT", "body": {"text": "Hi", "suggestions": [REPLY]}}),
    )
    assert response.json()["message"] == (
        "body.body.suggestions[0].text: must be at most 25 characters, got 38"
    )


async def test_rcs_fallback_may_name_only_the_agent(raw: httpx.AsyncClient) -> None:
    """A fallbackRcs with only agentId (all UC-005 documents) is accepted."""
    response = await raw.post(
        "/message-server/whatsapp/send", json=whatsapp(fallbackRcs={"agentId": 10})
    )
    assert response.status_code == 200
    assert response.json()["results"]["whatsapp"]["accepted"] is True


KEYS = st.sampled_from(
    ["type", "body", "text", "suggestions", "card", "cards", "media", "fileUrl", "title",
     "fallbackSms", "sender", "dial", "phoneNumber", "url", "cardOrientation", "cardWidth"]
)  # fmt: skip
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["TEXT", "CARD", "CAROUSEL", "reply", "dial", "url", "x" * 30, "", "Hi"]),
)
JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(body=JSON, in_fallback=st.booleans())
def test_any_rcs_body_is_answered_with_a_path(body: Any, in_fallback: bool) -> None:
    """Whatever an RCS body holds, the answer is a 200 or a 400 whose path starts at it."""
    sim = Simulator(rate_limit=None, callback=lambda _: None)
    if in_fallback:
        channel, data, start = (
            "whatsapp",
            whatsapp(fallbackRcs={"agentId": 10, "body": body}),
            "fallbackRcs",
        )
    else:
        channel, data, start = "rcs", rcs(body), "body"
    request = SimRequest(
        "POST",
        f"/api/message-server/{channel}/send",
        headers={"x-api-key": KEY, "content-type": "application/json"},
        body=json.dumps(data).encode(),
    )
    response = sim.handle(request)
    assert response.status in (200, 400)
    if response.status == 400:
        assert response.json()["message"].startswith(start)
