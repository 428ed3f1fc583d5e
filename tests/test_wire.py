"""Both HTTP backends over real loopback sockets: timeouts, pool, refusals, uploads, downloads."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import qlara
from qlara._request import Answer, Request
from tests.conftest import DESTINATION, FAST_RETRIES, KEY, accepted, bridge

MakeServed = Callable[..., qlara.AsyncQlara]


@pytest.fixture(params=["httpx", "aiohttp"])
async def make_served(request: pytest.FixtureRequest) -> AsyncIterator[MakeServed]:
    """Clients of either backend on real sockets, answered by a handler (tests/bridge.py)."""
    backend = str(request.param)
    clients: list[qlara.AsyncQlara] = []

    def make(handler: Callable[[httpx.Request], Any], **options: Any) -> qlara.AsyncQlara:
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("rate_limit", None)
        base_url = options.pop("base_url", None) or bridge().url_for(handler, None)
        client = qlara.AsyncQlara(KEY, base_url=base_url, http_backend=backend, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only (trio: test_aiohttp_refuses_trio)


class Seen:
    """Answers with ``answer`` and records every request."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def empty(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


def held_back(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("held back", request=request)


async def send(client: qlara.AsyncQlara, **options: Any) -> qlara.SendResult:
    return await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop", **options)


async def test_a_read_timeout_after_sending_is_unknown(make_served: MakeServed) -> None:
    """A send whose answer does not come in time is OutcomeUnknownError, sent once."""
    seen = Seen(held_back)
    client = make_served(seen)
    with anyio.fail_after(5), pytest.raises(qlara.OutcomeUnknownError) as caught:
        await send(client, timeout=httpx.Timeout(5.0, read=0.2))
    assert isinstance(caught.value.cause, qlara.APITimeoutError)
    assert "waiting for 127.0.0.1" in str(caught.value)
    assert len(seen.requests) == 1


async def test_a_read_timeout_on_a_get_is_retried(make_served: MakeServed) -> None:
    """The same timeout on an idempotent request is retried, then raised as APITimeoutError."""
    seen = Seen(held_back)
    client = make_served(seen, max_retries=1, timeout=0.2)
    with anyio.fail_after(5), pytest.raises(qlara.APITimeoutError):
        await client.request("GET", "/slow")
    assert len(seen.requests) == 2


async def test_a_full_pool_times_out_before_sending(make_served: MakeServed) -> None:
    """With 16 requests held, a 17th waits for the pool and fails as 'before it was sent'."""
    client = make_served(held_back, max_retries=0, timeout=httpx.Timeout(10.0, pool=0.2))
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for _ in range(16):
                group.start_soon(client.request, "GET", "/held")
            await anyio.sleep(0.1)
            with pytest.raises(qlara.APITimeoutError, match="before the request was sent"):
                await client.request("GET", "/one-more")
            group.cancel_scope.cancel()


async def test_a_refused_connection_is_retried_then_raised(
    make_served: MakeServed, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing listening: every attempt is 'could not connect', retried (even a send)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nobody listens there
    client = make_served(accepted(), base_url=f"http://127.0.0.1:{port}/api", max_retries=2)
    with (
        caplog.at_level(logging.DEBUG, logger="qlara"),
        pytest.raises(qlara.APIConnectionError, match="could not connect") as caught,
    ):
        await send(client, message_id="m-1")
    assert caught.value.message_id == "m-1"
    attempts = [r for r in caplog.records if "could not connect" in r.getMessage()]
    assert len(attempts) == 3


async def test_a_dropped_connection_mid_send_is_unknown(make_served: MakeServed) -> None:
    """The server reads the send and hangs up: it may have landed, so it is not repeated."""
    seen: list[httpx.Request] = []

    def drop(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadError("hang up")

    client = make_served(drop)
    with pytest.raises(qlara.OutcomeUnknownError, match="failed mid-request"):
        await send(client)
    assert len(seen) == 1


async def test_uploads_are_multipart_and_rewound_for_a_retry(make_served: MakeServed) -> None:
    """Files and fields arrive as multipart; a 503 sends the same bytes again; files stay open."""
    bodies: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        bodies.append(request)
        return httpx.Response(503 if len(bodies) == 1 else 201, json={"id": 7})

    client = make_served(platform)
    source = io.BytesIO(b"x" * 70_000)
    answer = await client.request(
        "POST",
        "/media",
        files={"file": ("photo.jpg", source, "image/jpeg"), "doc": b"%PDF-1.4"},
        data={"title": "Fall sale"},
    )
    assert answer.status_code == 201
    assert answer.json() == {"id": 7}
    assert len(bodies) == 2
    for request in bodies:
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        content = request.content
        assert b'name="file"; filename="photo.jpg"' in content
        assert b"Content-Type: image/jpeg" in content
        assert b"x" * 70_000 in content
        assert b"%PDF-1.4" in content
        assert b'name="title"' in content
        assert b"Fall sale" in content
    assert not source.closed


async def test_a_form_without_files_is_urlencoded(make_served: MakeServed) -> None:
    """``data`` alone goes as application/x-www-form-urlencoded."""
    seen = Seen(empty)
    client = make_served(seen)
    await client._http.execute(
        Request(method="POST", path="/form", form={"a": "1 2", "b": "é"}, answer=Answer.NOTHING)
    )
    assert seen.requests[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert httpx.QueryParams(seen.requests[0].content.decode()) == httpx.QueryParams(
        {"a": "1 2", "b": "é"}
    )


async def test_downloads_stream_to_a_file_or_come_as_bytes(
    make_served: MakeServed, tmp_path: Path
) -> None:
    """Answer.FILE streams the body to the path; Answer.BYTES returns it; errors still raise."""
    blob = bytes(range(256)) * 2048  # 512 KiB, several chunks

    def platform(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/missing"):
            return httpx.Response(404, json={"message": "gone"})
        return httpx.Response(200, content=blob, headers={"content-type": "text/csv"})

    client = make_served(platform)
    target = tmp_path / "export.csv"
    saved: Path = await client._http.execute(
        Request(method="GET", path="/export", answer=Answer.FILE, to=target)
    )
    assert saved == target
    assert target.read_bytes() == blob
    data: bytes = await client._http.execute(
        Request(method="GET", path="/export", answer=Answer.BYTES)
    )
    assert data == blob
    with pytest.raises(qlara.NotFoundError, match="gone"):
        await client._http.execute(
            Request(method="GET", path="/missing", answer=Answer.FILE, to=tmp_path / "x")
        )
    assert sorted(os.listdir(tmp_path)) == ["export.csv"]  # no partial file left


async def test_query_and_external_links(make_served: MakeServed) -> None:
    """Query pairs arrive decoded as given; a link elsewhere carries no credentials."""
    seen = Seen(empty)
    client = make_served(seen)
    query = (("q", "a b+c&d"), ("when", "2026-01-01T00:00:00+00:00"), ("ids", "1,2"))
    await client._http.execute(Request(method="GET", path="/search", query=query))
    assert list(seen.requests[0].url.params.multi_items()) == list(query)
    assert seen.requests[0].headers["x-api-key"] == KEY
    link = client.base_url + "/files/report.csv?token=t0k"
    await client._http.execute(Request(method="GET", path=link, external=True, answer=Answer.BYTES))
    assert seen.requests[1].url.params["token"] == "t0k"
    assert "x-api-key" not in seen.requests[1].headers
    assert "authorization" not in seen.requests[1].headers


async def test_the_aiohttp_backend_refuses_httpx_objects() -> None:
    """http_client or transport with aiohttp, or an unknown backend, fail at construction."""
    with pytest.raises(qlara.ConfigurationError, match="httpx objects"):
        qlara.AsyncQlara(KEY, http_backend="aiohttp", transport=httpx.MockTransport(accepted()))
    with pytest.raises(qlara.ConfigurationError, match="'httpx' or 'aiohttp'"):
        qlara.AsyncQlara(KEY, http_backend="requests")


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_aiohttp_refuses_trio() -> None:
    """Under trio, aiohttp is a ConfigurationError: at construction, or at first use."""
    with pytest.raises(qlara.ConfigurationError, match="asyncio only, and this is trio"):
        qlara.AsyncQlara(KEY, http_backend="aiohttp")
    client = await anyio.to_thread.run_sync(_built_outside_a_loop)
    with pytest.raises(qlara.ConfigurationError, match="asyncio only"):
        await client.sms.send(destination=DESTINATION, body="Hi", sender="Shop")
    await client.aclose()


def _built_outside_a_loop() -> qlara.AsyncQlara:
    return qlara.AsyncQlara(KEY, http_backend="aiohttp", rate_limit=None)


def test_the_sync_client_runs_on_aiohttp() -> None:
    """``Qlara(http_backend="aiohttp")`` sends over its asyncio portal, tenants included."""
    seen = Seen(accepted())
    url = bridge().url_for(seen, None)
    with qlara.Qlara(KEY, base_url=url, http_backend="aiohttp", rate_limit=None) as client:
        assert client.sms.send(destination=DESTINATION, body="Hi", sender="Shop").accepted
        tenant = client.with_options(api_key="other-key")
        assert tenant.sms.send(destination=DESTINATION, body="Hi", sender="Shop").accepted
    assert [r.headers["x-api-key"] for r in seen.requests] == [KEY, "other-key"]


async def test_client_request_returns_the_answer_as_it_came(make_served: MakeServed) -> None:
    """client.request: a RawResponse for a 2xx, PUT retried on 503, typed errors otherwise."""
    calls: list[str] = []

    def platform(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "PUT" and calls.count("PUT") == 1:
            return httpx.Response(503, json={"message": "busy"})
        if request.method == "DELETE":
            return httpx.Response(409, json={"message": "in use"})
        return httpx.Response(200, json={"ok": True}, headers={"X-Request-Id": "r-1"})

    client = make_served(platform)
    answer = await client.request("PUT", "/things/1", json={"name": "a"}, params={"dry": True})
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == "r-1"
    assert answer.json() == {"ok": True}
    assert calls == ["PUT", "PUT"]
    with pytest.raises(qlara.ConflictError, match="in use") as caught:
        await client.request("DELETE", "/things/1")
    assert caught.value.status_code == 409
    assert caught.value.headers["content-type"] == "application/json"


async def test_client_request_paths_arrive_the_same_on_both_backends(
    make_served: MakeServed,
) -> None:
    """A raw path is percent-encoded once, and a query written into it is kept beside params."""
    seen = Seen(empty)
    client = make_served(seen)
    await client.request("GET", "/x/a b/é/a%2Fb", params={"n": 2})
    await client.request("GET", "/search?q=a+b&empty=", params={"n": 2})
    assert seen.requests[0].url.raw_path == b"/api/x/a%20b/%C3%A9/a%2Fb?n=2"
    assert list(seen.requests[1].url.params.multi_items()) == [
        ("q", "a b"),
        ("empty", ""),
        ("n", "2"),
    ]
    for bad in ("/x#part", "/../x", "/x/./y", "/x/.."):
        with pytest.raises(qlara.ValidationError, match="path"):
            await client.request("GET", bad)
    assert len(seen.requests) == 2


async def test_a_file_object_is_sent_from_where_it_stands(make_served: MakeServed) -> None:
    """A file object read partway is sent from there, on a retry too (httpx seeks to 0)."""
    bodies: list[bytes] = []

    def platform(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(503 if len(bodies) == 1 else 200, json={})

    client = make_served(platform)
    source = io.BytesIO(b"SKIP-" + b"x" * 70_000 + b"-END")
    source.seek(5)
    await client.request("PUT", "/upload", files={"file": source})
    assert len(bodies) == 2
    for body in bodies:
        assert b"SKIP" not in body
        assert b"x" * 70_000 + b"-END" in body


async def test_a_callers_open_file_survives_a_retry(
    make_served: MakeServed, tmp_path: Path
) -> None:
    """An open file (or a path) is sent whole on every attempt; the file is left open."""
    bodies: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        bodies.append(request)
        return httpx.Response(503 if len(bodies) % 2 else 200, json={})

    client = make_served(platform)
    data = b"HELLO" * 30_000
    (tmp_path / "a.bin").write_bytes(data)
    with (tmp_path / "a.bin").open("rb") as source:
        await client.request("PUT", "/upload", files={"file": source})
        assert not source.closed
        assert source.read(5) == b""  # where a successful send leaves it: at its end
    await client.request("PUT", "/upload", files={"file": tmp_path / "a.bin"})
    assert len(bodies) == 4
    for request in bodies:
        assert data in request.content
        assert int(request.headers["content-length"]) == len(request.content)


async def test_a_link_with_raw_characters_works_on_both_backends(make_served: MakeServed) -> None:
    """A download link holding a space or an é is encoded once; its own escapes are kept."""
    seen = Seen(lambda r: httpx.Response(200, content=b"ok"))
    client = make_served(seen)
    link = client.base_url + "/files/my report é.csv?sig=a%2Fb%3D&x=1 2"
    got: bytes = await client._http.execute(
        Request(method="GET", path=link, external=True, answer=Answer.BYTES)
    )
    assert got == b"ok"
    assert (
        seen.requests[0].url.raw_path == b"/api/files/my%20report%20%C3%A9.csv?sig=a%2Fb%3D&x=1%202"
    )


async def test_a_netrc_entry_never_joins_the_credentials(
    make_served: MakeServed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With proxies in the environment, ~/.netrc adds no Authorization beside the key or Basic."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bob password hunter2\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    seen = Seen(accepted())
    client = make_served(seen)
    await send(client)
    await send(client.with_options(auth=qlara.BasicAuth("ada", "pw")))
    assert seen.requests[0].headers["x-api-key"] == KEY
    assert "authorization" not in seen.requests[0].headers
    assert seen.requests[1].headers["authorization"] == qlara.BasicAuth("ada", "pw").header()
    assert "x-api-key" not in seen.requests[1].headers


async def test_a_proxy_from_the_environment_carries_the_requests(
    make_served: MakeServed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY (with credentials) is used by both backends; NO_PROXY still applies to others."""
    seen = Seen(accepted())
    target = bridge().url_for(seen, None)
    proxy = target.split("/t")[0].replace("http://", "http://pa:pw@")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    client = make_served(seen, base_url="http://platform.invalid" + httpx.URL(target).path)
    await send(client)
    assert seen.requests[0].headers["proxy-authorization"] == "Basic cGE6cHc="
    assert seen.requests[0].headers["x-api-key"] == KEY


async def test_the_connect_timeout_bounds_a_stalled_name_lookup(
    make_served: MakeServed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DNS lookup that never answers is a timeout before sending, as httpx's connect timeout."""
    lookup = socket.getaddrinfo
    answer = threading.Event()

    def stalled(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("stalled.invalid", b"stalled.invalid"):
            answer.wait(10)
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    client = make_served(
        empty,
        base_url="http://stalled.invalid/api",
        timeout=httpx.Timeout(10.0, connect=0.2),
        max_retries=0,
    )
    try:
        with pytest.raises(qlara.APITimeoutError, match="before the request was sent"):
            await send(client)
    finally:
        answer.set()


async def test_paths_are_percent_encoded_alike(make_served: MakeServed) -> None:
    """A space or non-ASCII in a path is encoded as httpx encodes it; escapes stay as given."""
    seen = Seen(empty)
    client = make_served(seen)
    for path in ("/contacts/a b", "/contacts/è", "/contacts/a%2Fb", "/find?q=1 2"):
        await client.request("GET", path)
    assert [r.url.raw_path for r in seen.requests[:3]] == [
        b"/api/contacts/a%20b",
        b"/api/contacts/%C3%A8",
        b"/api/contacts/a%2Fb",
    ]
    # A query written into the path is read like params: a space may travel as + or %20.
    assert seen.requests[3].url.path == "/api/find"
    assert seen.requests[3].url.params["q"] == "1 2"


async def test_a_proxy_refusing_the_tunnel_is_a_connect_failure(
    make_served: MakeServed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 407 to CONNECT means nothing was sent: APIConnectionError, never an unknown outcome."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(refuse, "127.0.0.1", 0)
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.sockets[0].getsockname()[1]}")
        client = make_served(empty, base_url="https://platform.invalid/api", max_retries=0)
        with pytest.raises(qlara.APIConnectionError, match="could not connect") as caught:
            await send(client)
        assert not isinstance(caught.value, qlara.OutcomeUnknownError)
    finally:
        proxy.close()
        await proxy.wait_closed()
