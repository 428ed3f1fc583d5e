"""The simulator over real HTTP on loopback, its callbacks, and its ASGI view."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import qlara
from qlara.testing import Drop, Lifecycle, Server, SimRequest, SimResponse, Simulator, serve
from qlara.testing._server import serve_handler
from tests.conftest import DESTINATION, FAST_RETRIES, KEY


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[Server]:
    with serve(Simulator(clock=FakeClock())) as running:
        yield running


def exchange(port: int, payload: bytes, reads: int = 1) -> bytes:
    """Write raw bytes to the server and read ``reads`` answers' worth of bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"HTTP/1.1 ") < reads or not data.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


SMS = json.dumps({"destination": DESTINATION, "body": "Hi", "sender": "Shop"}).encode()


def post(extra_headers: bytes = b"", body: bytes = SMS) -> bytes:
    return (
        b"POST /api/message-server/sms/send HTTP/1.1\r\nHost: x\r\nX-Api-Key: k\r\n"
        b"Content-Type: application/json\r\n" + extra_headers + b"\r\n" + body
    )


def test_base_url_ends_in_api(server: Server) -> None:
    """serve() yields a server whose base_url is the API root on an ephemeral port."""
    assert server.base_url == f"http://127.0.0.1:{server.port}/api"
    assert server.port > 0
    assert isinstance(server.sim, Simulator)


def test_sync_client_sends_over_http(server: Server) -> None:
    """The blocking client sends over real HTTP and the simulator records it."""
    with qlara.Qlara(api_key=KEY, base_url=server.base_url, rate_limit=None) as client:
        result = client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
    assert result.accepted
    assert server.sim is not None
    assert server.sim.count(result.message_id) == 1


async def test_async_client_keeps_the_connection_alive(server: Server) -> None:
    """Many sends from one async client reuse kept-alive connections."""
    async with qlara.AsyncQlara(api_key=KEY, base_url=server.base_url, rate_limit=None) as c:
        for _ in range(20):
            assert (await c.sms.send(destination=DESTINATION, body="x", sender="S")).accepted


def test_keep_alive_serves_two_requests_on_one_socket(server: Server) -> None:
    """Two requests written on one connection get two answers."""
    length = b"Content-Length: %d\r\n" % len(SMS)
    data = exchange(server.port, post(length) + post(length), reads=2)
    assert data.count(b"HTTP/1.1 200 OK") == 2


def test_chunked_bodies_and_expect_continue(server: Server) -> None:
    """A chunked body with Expect: 100-continue (as curl sends) is read correctly."""
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMS), SMS)
    data = exchange(
        server.port,
        post(b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n", chunked),
        reads=2,
    )
    assert data.startswith(b"HTTP/1.1 100 Continue")
    assert b"HTTP/1.1 200 OK" in data


def test_connection_close_is_honoured(server: Server) -> None:
    """Connection: close ends the connection after the answer."""
    data = exchange(server.port, post(b"Content-Length: %d\r\nConnection: close\r\n" % len(SMS)))
    assert b"connection: close" in data


def test_garbage_is_a_400(server: Server) -> None:
    """A request line that is not HTTP answers 400 and closes."""
    assert exchange(server.port, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400")


def read_until_closed(port: int, payload: bytes) -> bytes:
    """Write raw bytes and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


CHUNKED = b"Transfer-Encoding: chunked\r\n"


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\n",
        b"-5\r\nabcde\r\n0\r\n\r\n",
        b"\xff\r\n",
        b"5\r\nabcdeXX0\r\n\r\n",
        b"ffffffffffffffffffff\r\n",
        b"3 4\r\nabc\r\n0\r\n\r\n",
    ],
)
def test_chunked_garbage_is_a_400_and_a_clean_close(
    server: Server, chunks: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """A chunked body that breaks the framing answers 400, closes, and logs no crash."""
    data = read_until_closed(server.port, post(CHUNKED, chunks))
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"connection: close" in data
    time.sleep(0.02)  # let the server thread finish the connection before looking at the log
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_head_answers_carry_no_body(server: Server) -> None:
    """A HEAD answer has headers only, so the next answer on the connection follows at once."""
    head = b"HEAD /api/message-server/sms/send HTTP/1.1\r\nHost: x\r\nX-Api-Key: k\r\n\r\n"
    second = post(b"Content-Length: %d\r\nConnection: close\r\n" % len(SMS))
    data = read_until_closed(server.port, head + second)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 405")
    assert rest.startswith(b"HTTP/1.1 200 OK")


def test_dropped_connections_reach_the_client(server: Server) -> None:
    """A Drop fault closes the socket; the SDK reports the outcome as unknown."""
    assert server.sim is not None
    server.sim.faults.queue("*", Drop(processed=True))
    with (
        qlara.Qlara(
            api_key=KEY, base_url=server.base_url, rate_limit=None, retry_policy=FAST_RETRIES
        ) as client,
        pytest.raises(qlara.OutcomeUnknownError),
    ):
        client.sms.send(destination=DESTINATION, body="Hi", sender="Shop", message_id="d1")
    assert server.sim.count("d1") == 1


def test_callbacks_are_posted_to_a_loopback_receiver() -> None:
    """With a webhook on localhost, DELIVERY callbacks arrive over HTTP."""
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    async def receiver(request: SimRequest) -> SimResponse:
        received.append(json.loads(request.body))
        arrived.set()
        return SimResponse(200)

    sim = Simulator(lifecycle=Lifecycle.instant())
    with (
        serve_handler(receiver) as hook,
        serve(sim) as server,
        qlara.Qlara(api_key=KEY, base_url=server.base_url, rate_limit=None) as client,
    ):
        httpx.post(
            server.base_url + "/partner-gateway/v1/webhooks/delivery-status",
            json={"callbackUrl": hook.url + "/hook"},
            headers={"X-Api-Key": KEY},
        ).raise_for_status()
        result = client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
        assert arrived.wait(5)
        assert sim.wait_for_callbacks(5)
    assert received[0]["customerMessageId"] == result.message_id
    assert received[0]["statusCode"] == 3
    assert sim.callback_stats["delivered"] == 1


def test_failing_receivers_are_retried_then_given_up(caplog: pytest.LogCaptureFixture) -> None:
    """A receiver answering 500 is retried, each failure logged at DEBUG by its module's logger."""
    caplog.set_level(logging.DEBUG, logger="qlara")
    calls: list[int] = []

    async def receiver(request: SimRequest) -> SimResponse:
        calls.append(1)
        return SimResponse(500)

    sim = Simulator(lifecycle=Lifecycle.instant())
    with serve_handler(receiver) as hook:
        sim.webhook = {"callbackUrl": hook.url + "/hook"}
        sim.inject_inbound(DESTINATION, "hello")
        assert sim.wait_for_callbacks(10)
    sim.close()
    assert len(calls) == 4
    assert sim.callback_stats["failed"] == 1
    failures = [r for r in caplog.records if "callback attempt" in r.getMessage()]
    assert [r.name for r in failures] == ["qlara.testing._dispatch"] * 4
    assert all(r.levelno == logging.DEBUG for r in failures)


async def test_asgi_view_answers_like_the_transport() -> None:
    """sim.asgi_app() serves the same endpoints to any ASGI server."""
    sim = Simulator()
    transport = httpx.ASGITransport(app=sim.asgi_app())
    async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=None) as client:
        result = await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
    assert result.accepted
    assert sim.count(result.message_id) == 1


@pytest.mark.parametrize("view", ["asgi", "loopback"])
async def test_ids_with_slashes_are_found_by_every_view(view: str) -> None:
    """An id holding '/' and '..' is looked up as given over ASGI and real HTTP, not as ``y``."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    with contextlib.ExitStack() as stack:
        if view == "asgi":
            options: dict[str, Any] = {"transport": httpx.ASGITransport(app=sim.asgi_app())}
        else:
            options = {"base_url": stack.enter_context(serve(sim)).base_url}
        async with qlara.AsyncQlara(api_key=KEY, rate_limit=None, **options) as client:
            await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop", message_id="y")
            assert (await client.messages.status("y", channel="SMS")).customer_message_id == "y"
            with pytest.raises(qlara.NotFoundError):
                await client.messages.status("x/../y", channel="SMS")


def test_closing_drops_callbacks_for_a_gone_receiver() -> None:
    """Closing with callbacks queued for a dead receiver is quick and counts them dropped."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    with serve_handler(ok_receiver) as hook:
        url = hook.url
    sim.webhook = {"callbackUrl": url + "/hook"}
    for n in range(50):
        sim.inject_inbound(DESTINATION, f"reply {n}")
    started = time.monotonic()
    sim.close()
    assert time.monotonic() - started < 3
    stats = sim.callback_stats
    assert stats["delivered"] == 0
    assert stats["dropped"] + stats["failed"] == 50


async def ok_receiver(request: SimRequest) -> SimResponse:
    return SimResponse(200)
