"""The ASGI receiver, driven with real ASGI calls: answers first, checks tokens and sizes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qlara
from qlara import webhooks

DELIVERY = json.dumps(
    {"eventType": "DELIVERY", "messageId": "m1", "statusCode": 3, "channel": "SMS"}
).encode()


@attrs.define
class Exchange:
    status: int | None = None
    headers: dict[bytes, bytes] = attrs.field(factory=dict)
    body: bytes = b""
    messages: list[dict[str, Any]] = attrs.field(factory=list)

    @property
    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    app: webhooks.WebhookReceiver,
    body: bytes = DELIVERY,
    *,
    method: str = "POST",
    chunks: Sequence[bytes] | None = None,
    headers: Sequence[tuple[str, str]] = (),
    query: bytes = b"",
    content_length: bool = True,
) -> Exchange:
    parts = list(chunks) if chunks is not None else [body]
    wire_headers = [(b"content-type", b"application/json")]
    if content_length and chunks is None:
        wire_headers.append((b"content-length", str(len(body)).encode()))
    wire_headers += [(name.lower().encode(), value.encode()) for name, value in headers]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": "/hooks/qlara",
        "raw_path": b"/hooks/qlara",
        "query_string": query,
        "root_path": "",
        "headers": wire_headers,
        "client": ("203.0.113.7", 40000),
        "server": ("hooks.example.com", 443),
    }
    inbox = [
        {"type": "http.request", "body": chunk, "more_body": index < len(parts) - 1}
        for index, chunk in enumerate(parts)
    ]
    exchange = Exchange()

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        exchange.messages.append(message)
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = dict(message["headers"])
        elif message["type"] == "http.response.body":
            exchange.body += message.get("body", b"")

    await app(scope, receive, send)
    return exchange


class Recorder:
    """A sync handler that notes the events, its thread, and whether the answer had gone out."""

    def __init__(self) -> None:
        self.events: list[webhooks.WebhookEvent] = []
        self.threads: list[int] = []

    def __call__(self, event: webhooks.WebhookEvent) -> None:
        self.events.append(event)
        self.threads.append(threading.get_ident())


async def test_answers_200_then_runs_a_sync_handler_in_a_thread() -> None:
    """A valid POST gets 200 and the plain handler runs afterwards, off the event loop."""
    recorder = Recorder()
    exchange = await call(webhooks.asgi_app(recorder))
    assert exchange.status == 200
    assert exchange.json == {"received": True}
    assert exchange.headers[b"content-length"] == str(len(exchange.body)).encode()
    [event] = recorder.events
    assert isinstance(event, webhooks.DeliveryEvent)
    assert event.status is qlara.DeliveryStatus.DELIVERED
    assert recorder.threads != [threading.get_ident()]


async def test_the_answer_goes_out_before_the_handler_runs() -> None:
    """The response is complete before the handler is called (the platform must not wait)."""
    sent: list[dict[str, Any]] = []
    seen_when_called: list[list[str]] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen_when_called.append([m["type"] for m in sent])

    inbox = [{"type": "http.request", "body": DELIVERY, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    app = webhooks.asgi_app(handler)
    await app({"type": "http", "method": "POST", "headers": [], "query_string": b""}, receive, send)
    assert seen_when_called == [["http.response.start", "http.response.body"]]
    assert sent[-1]["more_body"] is False


async def test_async_handler_is_awaited() -> None:
    """A coroutine handler runs on the event loop."""
    got: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        got.append(event)

    exchange = await call(webhooks.asgi_app(handler), b'{"eventType": "READ", "messageId": "m"}')
    assert exchange.status == 200
    assert isinstance(got[0], webhooks.ReadEvent)


async def test_handler_errors_are_logged_not_500(caplog: pytest.LogCaptureFixture) -> None:
    """A failing handler is logged with the event type; the platform still got its 200."""

    def handler(event: webhooks.WebhookEvent) -> None:
        raise RuntimeError("database down")

    with caplog.at_level(logging.ERROR, logger="qlara"):
        exchange = await call(webhooks.asgi_app(handler))
    assert exchange.status == 200
    [record] = caplog.records
    assert record.name == "qlara._webhooks._asgi"  # logging.getLogger(__name__), under "qlara"
    assert "DeliveryEvent" in record.getMessage()
    assert record.exc_info is not None
    assert "+39" not in record.getMessage()


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ((), b"", 401),
        ((("X-Webhook-Token", "wrong"),), b"", 401),
        ((), b"token=wrong", 401),
        ((), b"token=", 401),
        ((("X-Webhook-Token", "s3cret-token"),), b"", 200),
        ((), b"token=s3cret-token", 200),
        ((), b"a=1&token=s3cret%2Dtoken", 200),
        ((("x-webhook-token", "wrong"),), b"token=s3cret-token", 200),
    ],
)
async def test_token(headers: Sequence[tuple[str, str]], query: bytes, expected: int) -> None:
    """The token is accepted from the query or the header; missing or wrong gets 401."""
    recorder = Recorder()
    app = webhooks.asgi_app(recorder, token="s3cret-token")
    exchange = await call(app, headers=headers, query=query)
    assert exchange.status == expected
    assert len(recorder.events) == (1 if expected == 200 else 0)


async def test_declared_oversize_is_refused_unread() -> None:
    """A Content-Length above max_body gets 413 without reading the body."""
    recorder = Recorder()
    app = webhooks.asgi_app(recorder, max_body=64)
    exchange = await call(app, b"{" + b" " * 100 + b"}")
    assert exchange.status == 413
    assert recorder.events == []


async def test_streamed_oversize_is_refused() -> None:
    """A chunked body growing past max_body gets 413 even without Content-Length."""
    recorder = Recorder()
    app = webhooks.asgi_app(recorder, max_body=64)
    exchange = await call(app, chunks=[b'{"eventType": "READ",', b" " * 40, b'"x": 1}'])
    assert exchange.status == 413
    ok = await call(app, chunks=[b'{"eventType": ', b'"READ"}'])
    assert ok.status == 200
    assert isinstance(recorder.events[0], webhooks.ReadEvent)


@pytest.mark.parametrize("body", [b"", b"garbage", b"[]", b"\xff\xfe", b'"x"', b"{"])
async def test_garbage_gets_400_never_5xx(body: bytes) -> None:
    """A body that is not a JSON object is answered 400, and the handler is not called."""
    recorder = Recorder()
    exchange = await call(webhooks.asgi_app(recorder), body)
    assert exchange.status == 400
    assert "error" in exchange.json
    assert recorder.events == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"eventType": "DELIVERY", "messageId": "m", "price": ' + b"9" * 400 + b"}", 200),
        (b'{"eventType": "DELIVERY", "statusCode": ' + b"9" * 400 + b"}", 200),
        (b'{"eventType": "DELIVERY", "timestamp": ' + b"9" * 400 + b"}", 200),
        (b'{"eventType": "DELIVERY", "messageId": ' + b"9" * 5000 + b"}", 400),
    ],
)
async def test_huge_numbers_never_get_5xx(body: bytes, expected: int) -> None:
    """Numbers too large for a float still parse; one too long for Python to read is a 400."""
    recorder = Recorder()
    exchange = await call(webhooks.asgi_app(recorder), body)
    assert exchange.status == expected
    assert len(recorder.events) == (1 if expected == 200 else 0)


@settings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=64)
    | st.builds(
        lambda key, digits: f'{{"eventType": "DELIVERY", "{key}": {digits}}}'.encode(),
        st.sampled_from(["price", "statusCode", "numPart", "timestamp", "messageId"]),
        st.integers(1, 5000).map(lambda n: "9" * n),
    )
)
async def test_any_body_gets_200_or_400(body: bytes) -> None:
    """Whatever the body, the receiver answers 200 or 400, never 5xx or an exception."""
    exchange = await call(webhooks.asgi_app(lambda event: None), body)
    assert exchange.status in (200, 400)


async def test_text_headers_and_body_from_a_lax_server_are_read() -> None:
    """Header names, values and a body given as str instead of bytes are read, not a 500."""
    recorder = Recorder()
    app = webhooks.asgi_app(recorder, token="s3cret")
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "http.request", "body": '{"eventType": "READ", "messageId": "m"}'}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": "",
        "headers": [("X-Webhook-Token", "s3cret"), ("content-length", "x")],
    }
    await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200]
    assert isinstance(recorder.events[0], webhooks.ReadEvent)


async def test_bad_content_length_is_read_anyway() -> None:
    """A non-numeric Content-Length is ignored; the streamed size still counts."""
    recorder = Recorder()
    exchange = await call(webhooks.asgi_app(recorder), headers=[("content-length", "lots")])
    assert exchange.status == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD", "DELETE"])
async def test_only_post(method: str) -> None:
    """Other methods get 405 with an Allow header."""
    exchange = await call(webhooks.asgi_app(Recorder()), method=method)
    assert exchange.status == 405
    assert exchange.headers[b"allow"] == b"POST"


async def test_client_disconnect_mid_body() -> None:
    """A caller that goes away mid-body gets no answer and triggers no handler."""
    recorder = Recorder()
    app = webhooks.asgi_app(recorder)
    exchange = Exchange()
    inbox = [{"type": "http.request", "body": b'{"eve', "more_body": True}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        exchange.messages.append(message)

    await app({"type": "http", "method": "POST", "headers": []}, receive, send)
    assert exchange.messages == []
    assert recorder.events == []


async def test_lifespan() -> None:
    """Startup and shutdown are acknowledged, so servers that require lifespan are happy."""
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await webhooks.asgi_app(Recorder())({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_websocket_is_closed() -> None:
    """A websocket connection is refused with a close."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    await webhooks.asgi_app(Recorder())({"type": "websocket"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_bad_arguments() -> None:
    """A handler that is not callable, an empty token or a bad size is refused at once."""
    with pytest.raises(qlara.ValidationError, match="handler"):
        webhooks.asgi_app("print")  # type: ignore[arg-type]
    with pytest.raises(qlara.ValidationError, match="token"):
        webhooks.asgi_app(Recorder(), token="")
    with pytest.raises(qlara.ValidationError, match="max_body"):
        webhooks.asgi_app(Recorder(), max_body=0)


async def test_tracker_feed_as_handler() -> None:
    """The README's one-liner: a tracker's feed is a valid handler."""
    tracker = webhooks.DeliveryTracker()
    exchange = await call(webhooks.asgi_app(tracker.feed))
    assert exchange.status == 200
    assert tracker.status("m1") is qlara.DeliveryStatus.DELIVERED


async def test_handler_runs_even_if_the_answer_cannot_be_sent() -> None:
    """A caller that hangs up before the 200 does not lose the event."""
    recorder = Recorder()
    inbox = [{"type": "http.request", "body": DELIVERY, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        raise OSError("connection reset")

    scope = {"type": "http", "method": "POST", "headers": [], "query_string": b""}
    await webhooks.asgi_app(recorder)(scope, receive, send)
    assert len(recorder.events) == 1


@pytest.mark.parametrize(
    ("method", "query", "body"),
    [
        ("GET", b"token=s3cret", DELIVERY),  # 405
        ("POST", b"token=wrong", DELIVERY),  # 401
        ("POST", b"token=s3cret", b"x" * 2000),  # 413
        ("POST", b"token=s3cret", b"not json"),  # 400
    ],
)
async def test_a_refusal_the_server_cannot_send_is_not_an_application_error(
    method: str, query: bytes, body: bytes
) -> None:
    """When the server refuses our 4xx (it already answered a broken request), the app returns."""
    inbox = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        raise RuntimeError("can't handle event type Response when state=MUST_CLOSE")

    scope = {"type": "http", "method": method, "headers": [], "query_string": query}
    app = webhooks.asgi_app(Recorder(), token="s3cret", max_body=1000)
    await app(scope, receive, send)  # no exception: uvicorn would log it as an app crash
