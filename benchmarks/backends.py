"""(i) Client CPU per send over loopback: qlara on httpx and on aiohttp, raw clients, openai style.

Every contender posts the same SMS JSON to the simulator served on loopback in
a child process (so the server's CPU is not counted), with ``concurrency``
tasks each sending one message after another, and parses the JSON answer.
Measured: the client process's CPU time (``time.process_time``) per send.

- ``qlara httpx`` / ``qlara aiohttp``: ``client.sms.send`` with ``rate_limit=None``
  (the simulator enforces none), ``http_backend`` as named.
- ``qlara httpx-over-aiohttp``: qlara on httpx with an httpx transport that
  carries each request over aiohttp (what ``httpx-aiohttp`` does; this one
  reads answers whole, so it is a lower bound on that design's cost). It is the
  alternative to a native aiohttp wire, measured to choose between the two.
- ``raw httpx`` / ``raw aiohttp``: one client with the library's defaults, a
  UUID4 ``messageId`` per message, ``response.json()``.
- ``openai style``: what a Stainless SDK (openai-python) does per request on
  httpx: its large pool (1,000 connections, 100 kept alive), headers merged
  per request (``build_request`` with the auth and identity headers, not
  client defaults), a per-request timeout, ``send`` and ``json()``.

Rounds are interleaved and the order alternates. Goal: qlara on aiohttp
<= 0.4x qlara on httpx and <= 1.3x raw aiohttp at concurrency 16.

    uv run python benchmarks/backends.py [--sends 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
import httpx

import qlara
from benchmarks._common import DESTINATION, KEY, median, table, write
from benchmarks._server import served

PATH = "/message-server/sms/send"
HEADERS = {"X-Api-Key": KEY, "Accept": "application/json", "User-Agent": "bench"}
Sender = Callable[[], Awaitable[None]]


def payload() -> dict[str, str]:
    return {
        "destination": DESTINATION,
        "body": "Hello!",
        "sender": "Bench",
        "messageId": str(uuid.uuid4()),
    }


async def measure(send: Sender, count: int, concurrency: int) -> float:
    """CPU seconds per send of ``count`` sends by ``concurrency`` tasks (after a warm-up)."""
    for _ in range(concurrency):  # open the connections first
        await send()
    share = count // concurrency

    async def worker() -> None:
        for _ in range(share):
            await send()

    began = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - began) / (share * concurrency)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one aiohttp session (the httpx-aiohttp design)."""

    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=16), skip_auto_headers=("User-Agent",)
            )
        async with self.session.request(
            request.method,
            str(request.url),
            headers=[(k.decode(), v.decode()) for k, v in request.headers.raw],
            data=request.content,
            allow_redirects=False,
        ) as answer:
            content = await answer.read()
            return httpx.Response(
                answer.status, headers=list(answer.headers.items()), content=content
            )

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()


async def qlara_run(url: str, count: int, concurrency: int, backend: str) -> float:
    options: dict[str, Any] = {"http_backend": backend}
    if backend == "httpx-over-aiohttp":
        options = {"transport": AiohttpTransport()}
    async with qlara.AsyncQlara(KEY, base_url=url, rate_limit=None, **options) as client:

        async def send() -> None:
            result = await client.sms.send(destination=DESTINATION, body="Hello!", sender="Bench")
            assert result.accepted

        seconds = await measure(send, count, concurrency)
    if "transport" in options:
        await options["transport"].aclose()
    return seconds


async def raw_httpx(url: str, count: int, concurrency: int) -> float:
    async with httpx.AsyncClient(headers=HEADERS) as http:

        async def send() -> None:
            response = await http.post(url + PATH, json=payload())
            response.raise_for_status()
            assert response.json()["results"]["sms"]["accepted"]

        return await measure(send, count, concurrency)


async def openai_style(url: str, count: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    timeout = httpx.Timeout(600.0, connect=5.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, follow_redirects=True) as http:

        async def send() -> None:
            headers = {
                **HEADERS,
                "Content-Type": "application/json",
                "X-Stainless-Retry-Count": "0",
            }
            request = http.build_request(
                "POST", url + PATH, json=payload(), headers=headers, timeout=timeout
            )
            response = await http.send(request)
            response.raise_for_status()
            assert response.json()["results"]["sms"]["accepted"]

        return await measure(send, count, concurrency)


async def raw_aiohttp(url: str, count: int, concurrency: int) -> float:
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def send() -> None:
            async with session.post(url + PATH, json=payload()) as response:
                response.raise_for_status()
                assert (await response.json())["results"]["sms"]["accepted"]

        return await measure(send, count, concurrency)


Contender = Callable[[str, int, int], Coroutine[Any, Any, float]]


def _qlara(backend: str) -> Contender:
    async def run(url: str, count: int, concurrency: int) -> float:
        return await qlara_run(url, count, concurrency, backend)

    return run


CONTENDERS: dict[str, Contender] = {
    "qlara httpx": _qlara("httpx"),
    "qlara aiohttp": _qlara("aiohttp"),
    "qlara httpx-over-aiohttp": _qlara("httpx-over-aiohttp"),
    "raw httpx": raw_httpx,
    "raw aiohttp": raw_aiohttp,
    "openai style": openai_style,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    args = parser.parse_args(argv)
    names = list(CONTENDERS)
    samples = {c: {n: [] for n in names} for c in args.concurrency}  # type: dict[int, dict[str, list[float]]]
    with served() as url:
        for round_number in range(args.rounds):
            order = names if round_number % 2 == 0 else names[::-1]
            for concurrency in args.concurrency:
                for name in order:
                    seconds = asyncio.run(CONTENDERS[name](url, args.sends, concurrency))
                    samples[concurrency][name].append(seconds * 1e6)
    rows = []
    summary: dict[str, Any] = {}
    for concurrency, by_name in samples.items():
        base = median(by_name["qlara httpx"])
        raw = median(by_name["raw aiohttp"])
        for name, values in by_name.items():
            us = median(values)
            rows.append([concurrency, name, us, us / base, us / raw])
        summary[str(concurrency)] = {name: median(values) for name, values in by_name.items()}
    print(
        table(
            f"(i) client CPU per send over loopback, {args.sends} sends x {args.rounds} rounds",
            ["concurrency", "client", "median us/send", "vs qlara httpx", "vs raw aiohttp"],
            rows,
        )
    )
    c16 = summary.get("16")
    goals = None
    if c16 is not None:
        goals = {
            "aiohttp_vs_httpx": c16["qlara aiohttp"] / c16["qlara httpx"],
            "aiohttp_vs_raw_aiohttp": c16["qlara aiohttp"] / c16["raw aiohttp"],
            "targets": {"aiohttp_vs_httpx": 0.4, "aiohttp_vs_raw_aiohttp": 1.3},
        }
        print(f"concurrency 16: {goals}")
    path = write(
        "backends",
        {
            "sends": args.sends,
            "rounds": args.rounds,
            "aiohttp": aiohttp.__version__,
            "us_per_send": summary,
            "samples_us_per_send": {str(c): v for c, v in samples.items()},
            "goals_at_16": goals,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
