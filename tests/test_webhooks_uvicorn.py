"""The webhook receiver under a real uvicorn on loopback: never a 5xx, memory bounded.

uvicorn runs ``tests/_receiver_app.py`` in a child process (its own memory,
its own stderr, where an "Exception in ASGI application" would show); the
tests talk to it with httpx and with raw sockets for the bodies httpx will
not send (slow, cut off, lying about their length, not HTTP at all). Every
network step has a timeout, so a hang fails instead of stalling CI. The
client side runs on asyncio only: the server is what is under test.
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import attrs
import httpx
import pytest

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio"])

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "uvicorn-test-token-7d1c"
MAX_BODY = 1024 * 1024
PATH = f"/qlara/events?token={TOKEN}"
DELIVERY = {"eventType": "DELIVERY", "messageId": "m1", "statusCode": 3, "channel": "SMS"}


@attrs.define
class Receiver:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    """uvicorn serving the receiver in a child process, stopped (and its stderr checked) after."""
    stderr_path = tmp_path_factory.mktemp("uvicorn") / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests._receiver_app", TOKEN],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "uvicorn did not start within 20 s"
        port = int(process.stdout.readline())
        yield Receiver(port=port, process=process)
    finally:
        if process.stdout is not None:
            process.stdout.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    errors = stderr_path.read_text(errors="replace")
    assert "Traceback" not in errors, errors
    assert "Exception in ASGI application" not in errors, errors


async def _stats(client: httpx.AsyncClient, receiver: Receiver) -> dict[str, int]:
    answer = await client.get(f"{receiver.url}/stats")
    assert answer.status_code == 200
    stats: dict[str, int] = answer.json()
    return stats


async def _raw(receiver: Receiver, *pieces: bytes, gap: float = 0.0, close: bool = False) -> bytes:
    """Send ``pieces`` over one connection (``gap`` seconds apart); the answer, or b"" if none."""
    with anyio.fail_after(10):
        stream = await anyio.connect_tcp("127.0.0.1", receiver.port)
        async with stream:
            for piece in pieces:
                await stream.send(piece)
                if gap:
                    await anyio.sleep(gap)
            if close:
                return b""
            answer = b""
            with (
                anyio.move_on_after(5),
                contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError),
            ):
                while b"\r\n\r\n" not in answer or not _complete(answer):
                    answer += await stream.receive()
            return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def _request(body: bytes, *, length: int | None = None, path: str = PATH) -> bytes:
    declared = len(body) if length is None else length
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode() + body


async def test_a_thousand_concurrent_callbacks_are_all_answered_and_handled(
    receiver: Receiver,
) -> None:
    """1,000 callbacks at once: every one gets a 200 and the handler sees every event."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=0)
    with anyio.fail_after(60):
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            before = (await _stats(client, receiver))["events"]
            statuses: list[int] = []

            async def one(index: int) -> None:
                body = {**DELIVERY, "messageId": f"m{index}"}
                answer = await client.post(f"{receiver.url}{PATH}", json=body)
                statuses.append(answer.status_code)

            async with anyio.create_task_group() as group:
                for index in range(1000):
                    group.start_soon(one, index)
            assert statuses == [200] * 1000
            while (await _stats(client, receiver))["events"] < before + 1000:  # noqa: ASYNC110
                await anyio.sleep(0.01)  # the handler runs after the answer, in another process
            stats = await _stats(client, receiver)
            assert stats["events"] == before + 1000
            print(f"receiver RSS after 1,000 concurrent callbacks: {stats['rss_kib']} KiB")


async def test_bodies_around_the_limit(receiver: Receiver) -> None:
    """Exactly 1 MiB is read; 1 MiB + 1 is a 413, declared or chunked, and memory stays bounded."""
    padding = MAX_BODY - len(json.dumps({**DELIVERY, "pad": ""}).encode())
    exact = json.dumps({**DELIVERY, "pad": "x" * padding}).encode()
    assert len(exact) == MAX_BODY
    over = exact[:-1] + b" }"
    assert len(over) == MAX_BODY + 1
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.post(f"{receiver.url}{PATH}", content=exact)).status_code == 200
        baseline = (await _stats(client, receiver))["rss_kib"]
        for _ in range(20):
            answer = await client.post(f"{receiver.url}{PATH}", content=over)
            assert answer.status_code == 413

            async def chunks() -> Iterator[bytes]:  # type: ignore[misc]
                for start in range(0, len(over), 64 * 1024):
                    yield over[start : start + 64 * 1024]

            answer = await client.post(f"{receiver.url}{PATH}", content=chunks())
            assert answer.status_code == 413
        grown = (await _stats(client, receiver))["rss_kib"] - baseline
    print(f"receiver RSS growth over 40 oversized bodies: {grown} KiB")
    assert grown < 16 * 1024, f"RSS grew by {grown} KiB over 40 oversized bodies"


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    receiver: Receiver,
) -> None:
    """A Content-Length of 1 GiB is answered 413 at once, without waiting for the body."""
    answer = await _raw(receiver, _request(b"{", length=1024**3))
    assert _status(answer) == 413


async def test_slow_and_partial_bodies(receiver: Receiver) -> None:
    """A body trickled in pieces is handled; one cut off mid-way leaves the server healthy."""
    request = _request(json.dumps(DELIVERY).encode())
    pieces = [request[i : i + 20] for i in range(0, len(request), 20)]
    assert _status(await _raw(receiver, *pieces, gap=0.02)) == 200
    for cut in (len(request) - 5, len(request) // 2, 10):
        await _raw(receiver, request[:cut], close=True)
    assert _status(await _raw(receiver, request)) == 200


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/qlara/events", {}),
        ("/qlara/events?token=wrong", {}),
        ("/qlara/events?token=", {}),
        (f"/qlara/events?token={TOKEN.upper()}", {}),
        (f"/qlara/events?token={TOKEN}x", {}),
        ("/qlara/events", {"X-Webhook-Token": "wrong"}),
        ("/qlara/events", {"X-Webhook-Token": ""}),
    ],
)
async def test_wrong_tokens_are_refused(
    receiver: Receiver, path: str, headers: dict[str, str]
) -> None:
    """A missing, empty, wrong or altered token is a 401, in the query or the header."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(f"{receiver.url}{path}", json=DELIVERY, headers=headers)
    assert answer.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b"{" * 10,
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"eventType": ["DELIVERY"], "messageId": {"a": 1}}).encode(),
        json.dumps(
            {"eventType": "DELIVERY", "timestamp": "yesterday", "statusCode": 1e309}
        ).encode(),
    ],
)
async def test_garbage_bodies_are_never_a_5xx(receiver: Receiver, body: bytes) -> None:
    """Garbage gets a 4xx (or a 200 when it still parses as some event), never a 5xx."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(f"{receiver.url}{PATH}", content=body)
    assert answer.status_code < 500
    assert answer.status_code in {200, 400}


@pytest.mark.parametrize(
    "raw",
    [
        b"HELLO\r\n\r\n",
        b"GET /qlara/events HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /qlara/events HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"POST /qlara/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # a TLS hello on the plain port
    ],
)
async def test_broken_http_is_never_a_5xx(receiver: Receiver, raw: bytes) -> None:
    """Requests that are not proper HTTP are refused by the server or the app, never with a 5xx."""
    answer = await _raw(receiver, raw)
    assert _status(answer) < 500
    assert _status(await _raw(receiver, _request(json.dumps(DELIVERY).encode()))) == 200
