"""(e) The sync facade from 8 threads against the async client with 8 tasks.

Both send the same SMS through one shared client, 8 at a time: ``Qlara``
called from 8 threads (every call crosses the client's portal to its event
loop thread) and ``AsyncQlara`` awaited by 8 tasks. Also ``send_many`` with
concurrency 8, blocking iterator against async iterator. By default the
simulator is served on loopback from a child process; ``--in-process`` uses
a canned in-process transport instead, which isolates the portal's CPU cost.
Rounds interleave; medians of messages per second. Target: sync >= 0.9x async.

    uv run python benchmarks/sync_threads.py [--messages 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

import qlara
from benchmarks._common import DESTINATION, KEY, StaticTransport, median, table, write
from benchmarks._server import served

WORKERS = 8
BODY = "Hello from the benchmark!"


def options(base_url: str | None) -> dict[str, Any]:
    if base_url is None:
        return {
            "api_key": KEY,
            "base_url": "http://bench.invalid/api",
            "transport": StaticTransport(),
            "rate_limit": None,
        }
    return {"api_key": KEY, "base_url": base_url, "rate_limit": None}


def messages(count: int) -> Any:
    return (
        qlara.SmsMessage(destination=DESTINATION, body=BODY, sender="Bench") for _ in range(count)
    )


def async_tasks(base_url: str | None, count: int) -> float:
    async def main() -> float:
        async with qlara.AsyncQlara(**options(base_url)) as client:
            await client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
            share, extra = divmod(count, WORKERS)

            async def worker(sends: int) -> None:
                for _ in range(sends):
                    await client.sms.send(destination=DESTINATION, body=BODY, sender="Bench")

            began = time.perf_counter()
            async with anyio.create_task_group() as group:
                for number in range(WORKERS):
                    group.start_soon(worker, share + (number < extra))
            return time.perf_counter() - began

    return anyio.run(main)


def sync_threads(base_url: str | None, count: int) -> float:
    with qlara.Qlara(**options(base_url)) as client:
        client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
        share, extra = divmod(count, WORKERS)

        def worker(sends: int) -> None:
            for _ in range(sends):
                client.sms.send(destination=DESTINATION, body=BODY, sender="Bench")

        threads = [
            threading.Thread(target=worker, args=(share + (n < extra),)) for n in range(WORKERS)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began


def async_send_many(base_url: str | None, count: int) -> float:
    async def main() -> float:
        async with qlara.AsyncQlara(**options(base_url)) as client:
            await client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
            began = time.perf_counter()
            async for _ in client.send_many(messages(count), concurrency=WORKERS):
                pass
            return time.perf_counter() - began

    return anyio.run(main)


def sync_send_many(base_url: str | None, count: int) -> float:
    with qlara.Qlara(**options(base_url)) as client:
        client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
        began = time.perf_counter()
        for _ in client.send_many(messages(count), concurrency=WORKERS):
            pass
        return time.perf_counter() - began


CONTENDERS: dict[str, Callable[[str | None, int], float]] = {
    "async, 8 tasks": async_tasks,
    "sync, 8 threads": sync_threads,
    "async send_many(8)": async_send_many,
    "sync send_many(8)": sync_send_many,
}
PAIRS = {"sync, 8 threads": "async, 8 tasks", "sync send_many(8)": "async send_many(8)"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args(argv)
    names = list(CONTENDERS)
    samples: dict[str, list[float]] = {name: [] for name in names}

    def measure(base_url: str | None) -> None:
        for round_number in range(args.rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(args.messages / CONTENDERS[name](base_url, args.messages))

    if args.in_process:
        measure(None)
    else:
        with served() as base_url:
            measure(base_url)
    rows: list[list[Any]] = []
    ratios: dict[str, float] = {}
    for name, values in samples.items():
        baseline = PAIRS.get(name)
        ratio = median(values) / median(samples[baseline]) if baseline else 1.0
        if baseline:
            ratios[name] = ratio
        rows.append([name, median(values), ratio])
    where = "in-process transport" if args.in_process else "loopback, server in a child process"
    print(
        table(
            f"(e) sync facade vs async, {args.messages} messages x {args.rounds} rounds, {where}",
            ["client", "median msg/s", "vs async"],
            rows,
        )
    )
    path = write(
        "sync_threads" + ("_in_process" if args.in_process else ""),
        {
            "messages": args.messages,
            "rounds": args.rounds,
            "where": where,
            "messages_per_second": {name: median(v) for name, v in samples.items()},
            "ratios": ratios,
            "samples": samples,
            "target_ratio": 0.9,
            "httpx": httpx.__version__,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
