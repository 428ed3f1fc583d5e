"""Configuring the account's webhook: HTTPS only, and set() survives the 409."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import qlara
from tests.conftest import FAST_RETRIES, KEY

PATH = "/api/partner-gateway/v1/webhooks/delivery-status"
URL = "https://hooks.example.com/qlara?token=s3cret"
Make = Callable[..., qlara.AsyncQlara]


class Account:
    """A fake platform holding at most one webhook, as the reference documents."""

    def __init__(self, existing: str | None = None) -> None:
        self.url = existing
        self.calls: list[tuple[str, dict[str, Any] | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == PATH
        body: dict[str, Any] = json.loads(request.content) if request.content else {}
        self.calls.append((request.method, body or None))
        config = {"id": "wh-7f8a9b0c", "status": "ACTIVE", "createdAt": "2026-04-09T10:00:00Z"}
        if request.method == "POST":
            if self.url is not None:
                return httpx.Response(409, json={"message": "Webhook already configured"})
            self.url = body["callbackUrl"]
            return httpx.Response(201, json={**config, "callbackUrl": self.url})
        if self.url is None:
            return httpx.Response(404, json={"message": "No webhook"})
        if request.method == "PUT":
            self.url = body["callbackUrl"]
            return httpx.Response(200, json={"callbackUrl": self.url})
        if request.method == "DELETE":
            self.url = None
            return httpx.Response(204)
        return httpx.Response(200, json={**config, "callbackUrl": self.url})


async def test_create_reads_the_configuration(make_client: Make) -> None:
    """create() posts the callbackUrl and reads the 201 answer."""
    account = Account()
    client = make_client(account)
    config = await client.webhooks.create(URL)
    assert config == qlara.WebhookConfig(
        callback_url=URL,
        id="wh-7f8a9b0c",
        status="ACTIVE",
        created_at=datetime(2026, 4, 9, 10, tzinfo=timezone.utc),
    )
    assert account.calls == [("POST", {"callbackUrl": URL})]


async def test_set_creates_when_there_is_none(make_client: Make) -> None:
    """set() on an account without a webhook is one POST."""
    account = Account()
    client = make_client(account)
    assert (await client.webhooks.set(URL)).callback_url == URL
    assert [method for method, _ in account.calls] == ["POST"]


async def test_set_updates_on_409(make_client: Make) -> None:
    """set() falls back to PUT when the platform says one is already configured."""
    account = Account(existing="https://old.example.com/hook")
    client = make_client(account)
    config = await client.webhooks.set(URL)
    assert config.callback_url == URL
    assert account.calls == [("POST", {"callbackUrl": URL}), ("PUT", {"callbackUrl": URL})]
    with pytest.raises(qlara.ConflictError):
        await client.webhooks.create(URL)


async def test_get_update_delete(make_client: Make) -> None:
    """get() reads it, update() changes it, delete() removes it and get() then says None."""
    account = Account(existing=URL)
    client = make_client(account)
    current = await client.webhooks.get()
    assert current is not None
    assert current.callback_url == URL
    updated = await client.webhooks.update("https://new.example.com/hook")
    assert updated.callback_url == "https://new.example.com/hook"
    await client.webhooks.delete()
    assert await client.webhooks.get() is None
    with pytest.raises(qlara.NotFoundError):
        await client.webhooks.update(URL)
    with pytest.raises(qlara.NotFoundError):
        await client.webhooks.delete()


async def test_empty_put_answer_echoes_the_url(make_client: Make) -> None:
    """A PUT answered with no body still returns the configuration that was set."""
    client = make_client(lambda r: httpx.Response(200))
    assert (await client.webhooks.update(URL)).callback_url == URL


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/qlara",
        "ftp://hooks.example.com/qlara",
        "hooks.example.com/qlara",
        "https://",
        "",
        "http://localhost.evil.com/",
        "https://example.com:99999/",
        None,
    ],
)
async def test_https_is_required(make_client: Make, url: Any) -> None:
    """Anything but an https:// URL (or http to localhost) is refused before sending."""
    account = Account()
    client = make_client(account)
    for call in (client.webhooks.create, client.webhooks.update, client.webhooks.set):
        with pytest.raises(qlara.ValidationError) as caught:
            await call(url)
        assert caught.value.field == "url"
    assert account.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/hooks",
        "http://127.0.0.1:8000/hooks",
        "http://[::1]:8000/hooks",
        "http://app.localhost/hooks",
    ],
)
async def test_plain_http_to_localhost_is_allowed(make_client: Make, url: str) -> None:
    """Local development (the simulator, a tunnel's local end) may use plain http."""
    client = make_client(Account())
    assert (await client.webhooks.create(url)).callback_url == url


@pytest.mark.parametrize("body", [[], "ok", {"id": "wh-1"}, {"callbackUrl": 42}])
async def test_malformed_answers(make_client: Make, body: Any) -> None:
    """An answer that is not a webhook configuration is a MalformedResponseError."""
    client = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(qlara.MalformedResponseError):
        await client.webhooks.get()


def test_sync_set_round_trip() -> None:
    """The blocking client configures the webhook the same way."""
    account = Account(existing="https://old.example.com/hook")
    with qlara.Qlara(
        KEY, transport=httpx.MockTransport(account), rate_limit=None, retry_policy=FAST_RETRIES
    ) as client:
        assert client.webhooks.set(URL).callback_url == URL
        current = client.webhooks.get()
        assert current is not None
        assert current.callback_url == URL
        client.webhooks.delete()
        assert client.webhooks.get() is None


async def test_odd_descriptive_fields_are_left_out(make_client: Make) -> None:
    """An id given as an object or a createdAt too large for a date is None, not a crash."""
    body = {"callbackUrl": URL, "id": {"v": 1}, "createdAt": 10**400, "status": "ACTIVE"}
    client = make_client(lambda r: httpx.Response(200, json=body))
    config = await client.webhooks.get()
    assert config is not None
    assert (config.callback_url, config.id, config.created_at) == (URL, None, None)
