"""The simulator reads JSON bodies as strictly as a Spring server; the SDK always declares them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import httpx
import pytest

import qlara
from qlara.testing import Simulator
from tests.conftest import DESTINATION, KEY, accepted

BASE = "https://lora-api.agiletelecom.com/api"
SMS = {"destination": DESTINATION, "body": "Hi", "sender": "Shop"}
JSON_ENDPOINTS = [
    ("POST", "/message-server/sms/send"),
    ("POST", "/message-server/rcs/send"),
    ("POST", "/message-server/whatsapp/send"),
    ("POST", "/partner-gateway/v1/webhooks/delivery-status"),
    ("PUT", "/partner-gateway/v1/webhooks/delivery-status"),
    ("POST", "/partner-gateway/v1/messages/history/export"),
]


@pytest.fixture
async def raw() -> AsyncIterator[httpx.AsyncClient]:
    sim = Simulator()
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers={"X-API-KEY": KEY}
    ) as client:
        yield client


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]
)
async def test_a_body_not_declared_json_is_415(
    raw: httpx.AsyncClient, method: str, path: str, content_type: str
) -> None:
    """``text/plain`` or a form on a JSON endpoint is 415 with a Spring-style error body."""
    response = await raw.request(
        method, path, content=json.dumps(SMS).encode(), headers={"content-type": content_type}
    )
    assert response.status_code == 415
    body = response.json()
    assert body["status"] == 415
    assert body["error"] == "Unsupported Media Type"
    assert content_type in body["message"]
    assert body["path"] == "/api" + path


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
async def test_a_body_without_content_type_is_415(
    raw: httpx.AsyncClient, method: str, path: str
) -> None:
    """A body with no Content-Type is read as octet-stream, and refused like Spring does."""
    response = await raw.request(method, path, content=json.dumps(SMS).encode())
    assert response.status_code == 415
    assert "application/octet-stream" in response.json()["message"]


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
@pytest.mark.parametrize("content", [b"", b"  \n"])
async def test_an_empty_body_is_reported_missing(
    raw: httpx.AsyncClient, method: str, path: str, content: bytes
) -> None:
    """An empty body's 400 says the body is missing, not that a ``body`` field is wrong."""
    response = await raw.request(
        method, path, content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Required request body is missing"


async def test_json_with_a_charset_or_a_json_suffix_is_read(raw: httpx.AsyncClient) -> None:
    """``application/json; charset=utf-8`` and ``application/*+json`` are JSON."""
    for content_type in ("application/json; charset=utf-8", "application/vnd.qlara+json"):
        response = await raw.post(
            "/message-server/sms/send",
            content=json.dumps(SMS).encode(),
            headers={"content-type": content_type},
        )
        assert response.status_code == 200, content_type


async def test_the_sdk_declares_every_json_body() -> None:
    """Every SDK call that sends a body marks it ``application/json``."""
    seen: list[httpx.Request] = []
    answer = accepted()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "webhooks" in request.url.path:
            return httpx.Response(200, json={"callbackUrl": "https://x.test/h", "id": "w"})
        if "export" in request.url.path:
            return httpx.Response(202, json={"exportId": "e", "status": "PENDING"})
        return answer(request)

    transport = httpx.MockTransport(handler)
    async with qlara.AsyncQlara(KEY, transport=transport, rate_limit=None) as client:
        await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
        await client.rcs.send(destination=DESTINATION, agent_id=1, body=qlara.RcsText(text="Hi"))
        await client.whatsapp.send(
            destination=DESTINATION, phone_number_id=5, template=qlara.WhatsAppTemplate(id=1)
        )
        await client.webhooks.create("https://x.test/h")
        await client.webhooks.update("https://x.test/h")
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        await client.messages.export_history(start=start, end=start)
    with_body = [request for request in seen if request.content]
    assert len(with_body) == 6
    for request in with_body:
        assert request.headers["content-type"] == "application/json", request.url
