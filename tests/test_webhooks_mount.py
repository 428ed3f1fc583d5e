"""The receiver under a Starlette/FastAPI mount: served, and a misconfiguration named.

The scopes below are what Starlette's ``Mount("/qlara/events", app)`` passes
to the mounted app: ``root_path`` set to the mount, and ``path`` either the
whole path (Starlette >= 0.33) or the rest of it (older versions).
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest

from qlara import webhooks

TOKEN = "hook-secret-42"
DELIVERY = json.dumps(
    {"eventType": "DELIVERY", "messageId": "m-1", "status": "DELIVERED", "channel": "SMS"}
).encode()


async def call(
    app: webhooks.WebhookReceiver, *, method: str, path: str, root_path: str
) -> tuple[int, dict[str, Any]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": f"token={TOKEN}".encode(),
        "headers": [(b"content-type", b"application/json")],
    }
    inbox = [{"type": "http.request", "body": DELIVERY if method == "POST" else b""}]
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], json.loads(answer["body"])


@pytest.mark.parametrize("path", ["/qlara/events/", "/"])
async def test_a_mounted_receiver_takes_callbacks(path: str) -> None:
    """Under a mount, in either Starlette scope style, a POST with the token is received."""
    events: list[webhooks.WebhookEvent] = []
    app = webhooks.asgi_app(events.append, token=TOKEN)
    status, _ = await call(app, method="POST", path=path, root_path="/qlara/events")
    assert status == 200
    assert len(events) == 1


@pytest.mark.parametrize("path", ["/qlara/events/", "/"])
async def test_a_get_at_a_mount_names_the_trailing_slash_fix(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A GET under a mount gets a 405 naming the slash and add_route fixes, warned once."""
    caplog.set_level(logging.WARNING, logger="qlara")
    app = webhooks.asgi_app(lambda event: None, token=TOKEN)
    for _ in range(3):
        status, body = await call(app, method="GET", path=path, root_path="/qlara/events")
        assert status == 405
        assert "/qlara/events/ (with the trailing slash)" in body["error"]
        assert 'app.add_route("/qlara/events"' in body["error"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "307" in warnings[0].getMessage()
    assert "/qlara/events/" in warnings[0].getMessage()
    assert TOKEN not in caplog.text


async def test_a_get_outside_a_mount_gets_a_plain_405(caplog: pytest.LogCaptureFixture) -> None:
    """Served at the root, a GET's 405 says to register the URL the receiver is served at."""
    caplog.set_level(logging.WARNING, logger="qlara")
    app = webhooks.asgi_app(lambda event: None)
    status, body = await call(app, method="GET", path="/hook", root_path="")
    assert status == 405
    assert "got a GET at /hook" in body["error"]
    assert "mount" not in body["error"]
    assert TOKEN not in caplog.text
