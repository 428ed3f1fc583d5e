"""(b) Throughput over real loopback HTTP: ``send_many`` vs hand-written httpx vs aiohttp.

Each contender sends the same SMS JSON to the simulator served on loopback
(``qlara.testing.serve``, in a child process by default so the server does not
share the client's GIL; ``--in-process`` to share it) at concurrency 1, 16 and
64. The hand-written loops are what a careful user writes: one client, a
semaphore, a task per message, the JSON answer parsed. qlara runs with its
defaults except ``rate_limit=None`` (the simulator enforces none). Rounds are
interleaved, the table shows medians of messages per second and the ratio to
hand-written httpx at the same concurrency, both as a ratio of medians and as
the median of per-round ratios ("paired"). Target: send_many >= 0.95x.

    uv run --group bench python benchmarks/throughput.py [--messages 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import httpx

import qlara
from benchmarks._common import DESTINATION, KEY, median, table, write
from benchmarks._server import served

PATH = "/message-server/sms/send"
HEADERS = {"X-Api-Key": KEY, "Content-Type": "application/json", "Accept": "application/json"}


def payload() -> dict[str, str]:
    return {
        "destination": DESTINATION,
        "body": "Hello from the benchmark!",
        "sender": "Bench",
        "messageId": str(uuid.uuid4()),
    }


async def qlara_send_many(base_url: str, count: int, concurrency: int) -> float:
    messages = (
        qlara.SmsMessage(destination=DESTINATION, body="Hello from the benchmark!", sender="Bench")
        for _ in range(count)
    )
    async with qlara.AsyncQlara(api_key=KEY, base_url=base_url, rate_limit=None) as client:
        await client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
        began = time.perf_counter()
        ok = 0
        async with client.send_many(messages, concurrency=concurrency) as outcomes:
            async for outcome in outcomes:
                ok += outcome.ok
        elapsed = time.perf_counter() - began
    assert ok == count, f"only {ok} of {count} accepted"
    return elapsed


async def httpx_semaphore(base_url: str, count: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    url = base_url + PATH

    async with httpx.AsyncClient(headers=HEADERS) as http:
        await http.post(url, json=payload())

        async def one() -> bool:
            async with semaphore:
                response = await http.post(url, json=payload())
                response.raise_for_status()
                return bool(response.json()["results"]["sms"]["accepted"])

        began = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - began
    assert all(results)
    return elapsed


async def aiohttp_semaphore(base_url: str, count: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    url = base_url + PATH
    connector = aiohttp.TCPConnector(limit=max(concurrency, 1))
    async with aiohttp.ClientSession(headers=HEADERS, connector=connector) as session:
        async with session.post(url, json=payload()) as response:
            await response.read()

        async def one() -> bool:
            async with semaphore, session.post(url, json=payload()) as response:
                response.raise_for_status()
                body = await response.json()
                return bool(body["results"]["sms"]["accepted"])

        began = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - began
    assert all(results)
    return elapsed


def paired(values: list[float], base: list[float]) -> float:
    """The median of per-round ratios: rounds run back to back, so a slow spell of
    the machine hits both sides of a ratio (a steadier number on a noisy host)."""
    return median([value / other for value, other in zip(values, base, strict=True)])


Contender = Callable[[str, int, int], Coroutine[Any, Any, float]]
CONTENDERS: dict[str, Contender] = {
    "httpx + semaphore": httpx_semaphore,
    "qlara send_many": qlara_send_many,
    "aiohttp + semaphore": aiohttp_semaphore,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args(argv)
    names = list(CONTENDERS)
    rates: dict[int, dict[str, list[float]]] = {}
    with served(in_process=args.in_process) as base_url:
        for concurrency in args.concurrency:
            # Sequential sends are slow; fewer keep the run short without changing the rate.
            count = args.messages if concurrency > 1 else max(300, args.messages // 2)
            samples = rates.setdefault(concurrency, {name: [] for name in names})
            for round_number in range(args.rounds):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    seconds = asyncio.run(CONTENDERS[name](base_url, count, concurrency))
                    samples[name].append(count / seconds)
    rows: list[list[Any]] = []
    for concurrency, samples in rates.items():
        base = samples["httpx + semaphore"]
        rows.extend(
            [concurrency, name, median(values), median(values) / median(base), paired(values, base)]
            for name, values in samples.items()
        )
    where = "in-process server" if args.in_process else "server in a child process"
    print(
        table(
            f"(b) throughput over loopback HTTP, {args.messages} messages, "
            f"{args.rounds} rounds, {where}",
            ["concurrency", "client", "median msg/s", "vs httpx", "paired"],
            rows,
        )
    )
    path = write(
        "throughput",
        {
            "messages": args.messages,
            "rounds": args.rounds,
            "server": where,
            "messages_per_second": {
                str(c): {name: median(v) for name, v in s.items()} for c, s in rates.items()
            },
            "ratio_send_many_to_httpx": {
                str(c): median(s["qlara send_many"]) / median(s["httpx + semaphore"])
                for c, s in rates.items()
            },
            "paired_ratio_send_many_to_httpx": {
                str(c): paired(s["qlara send_many"], s["httpx + semaphore"])
                for c, s in rates.items()
            },
            "samples": {str(c): s for c, s in rates.items()},
            "target_ratio": 0.95,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
