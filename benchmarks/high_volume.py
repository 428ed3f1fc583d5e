"""(f) and (g) High volume: send_many(sms_per_request=N) against the production budget.

(f) ``--mode loopback``: personalised SMS (each its own text) over loopback
HTTP to the simulator, served from a child process and enforcing the
production budget (50 requests in any second, 1,000 in any minute); the
client runs its default ``RateLimit.production()``. ``sms_per_request`` 100
sends 100,000 messages; ``sms_per_request`` 1 would take ~100 minutes for as
many, so it runs ``--single-count`` messages (2,000 by default) and its
figures are extrapolated (stated in the table). Reported per N: messages
handed over per minute (first request to last answer), the ceiling for that
many requests (the simulator's optimal greedy schedule, times N), their ratio,
429 answers (target 0), duplicates at the simulator (target 0), peak RSS.

(g) ``--mode virtual``: 1,000,000 personalised SMS with ``sms_per_request``
100 on trio's ``MockClock`` (autojump): the client's limiter and an
in-process platform share one virtual clock. The platform enforces the
production budget with the simulator's own per-key limiter and answers the
wholesale shape, counting the ids it receives instead of tracking them (the
full simulator would hold a million messages in this process, and the point
is the client's memory). Targets: <= 12 virtual minutes, 0 x 429, RSS growth
<= 50 MB; duplicates are ruled out by "ids received == inputs" together
with one ``ok`` outcome per input.

    uv run python -m benchmarks.high_volume --mode loopback [--count 100000]
    uv run python -m benchmarks.high_volume --mode virtual [--count 1000000]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import anyio
import httpx
import trio.testing

import qlara
import qlara.testing
from benchmarks._common import KEY, table, write
from benchmarks.memory import current_rss_mb, peak_rss_mb
from benchmarks.rate_limit import optimal_span
from qlara.testing._limits import KeyLimiter

LIMIT = qlara.RateLimit.production()


def messages(count: int) -> Iterator[qlara.SmsMessage]:
    for index in range(count):
        yield qlara.SmsMessage(
            destination=f"+3934{index % 10**8:08d}",
            body=f"Hello customer {index}, your code is {index * 7919 % 100000:05d}",
            sender="Bench",
        )


def _child(pipe: Connection) -> None:
    sim = qlara.testing.Simulator(rate_limit=LIMIT)
    with qlara.testing.serve(sim) as server:
        pipe.send(server.base_url)
        pipe.recv()
        with sim._lock:
            counts = sim.send_counts
            pipe.send(
                {
                    "requests": sim.requests_seen,
                    "tracked": len(sim.sent),
                    "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                }
            )


class Watch:
    """httpx event hooks: first request start, last answer, and the 429s."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last = 0.0
        self.limited = 0

    async def request(self, request: httpx.Request) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    async def response(self, response: httpx.Response) -> None:
        self.last = time.perf_counter()
        self.limited += response.status_code == 429


def loopback(count: int, per_request: int, concurrency: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(child,), daemon=True)
    process.start()
    try:
        base_url = str(parent.recv())
        watch = Watch()

        async def run() -> int:
            hooks: dict[str, list[Callable[..., Any]]] = {
                "request": [watch.request],
                "response": [watch.response],
            }
            async with (
                httpx.AsyncClient(event_hooks=hooks) as http,
                qlara.AsyncQlara(api_key=KEY, base_url=base_url, http_client=http) as client,
            ):
                ok = 0
                async with client.send_many(
                    messages(count), sms_per_request=per_request, concurrency=concurrency
                ) as outcomes:
                    async for outcome in outcomes:
                        ok += outcome.ok
                return ok

        began = time.perf_counter()
        ok = anyio.run(run)
        wall = time.perf_counter() - began
        parent.send("stop")
        stats = parent.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    assert watch.first is not None
    span = watch.last - watch.first
    requests = stats["requests"]
    best = optimal_span(LIMIT, requests)
    return {
        "sms_per_request": per_request,
        "messages": count,
        "ok": ok,
        "requests": requests,
        "span_s": span,
        "per_minute": count / span * 60,
        "ceiling_per_minute": count / best * 60 if best > 0 else float("inf"),
        "use_of_ceiling": best / span,
        "responses_429": watch.limited,
        "duplicates": stats["duplicates"],
        "tracked": stats["tracked"],
        "peak_rss_mb": peak_rss_mb(),
        "wall_s": wall,
    }


class CountingPlatform(httpx.AsyncBaseTransport):
    """The production budget (the simulator's limiter) on the virtual clock; ids counted."""

    def __init__(self) -> None:
        self.limiter = KeyLimiter(LIMIT)
        self.ids = 0
        self.limited = 0
        self.requests = 0
        self.first: float | None = None
        self.last = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        now = anyio.current_time()
        verdict = self.limiter.check(KEY, now)
        if not verdict.admitted:
            self.limited += 1
            body = {"status": 429, "message": "Rate limit exceeded", "retryAfter": 1}
            return httpx.Response(429, json=body)
        self.requests += 1
        self.first = now if self.first is None else self.first
        self.last = now
        data = json.loads(await request.aread())
        results = []
        for item in data["messages"]:
            for message_id, destination in zip(item["ids"], item["destinations"], strict=True):
                results.append(
                    {
                        "destination": destination,
                        "id": message_id,
                        "accepted": True,
                        "statusCode": 200,
                    }
                )
        self.ids += len(results)
        answer = {"globalId": data["globalId"], "accepted": True, "results": results}
        headers = {"x-ratelimit-remaining": str(verdict.remaining)}
        return httpx.Response(200, json=answer, headers=headers)


def virtual(count: int, per_request: int, concurrency: int) -> dict[str, Any]:
    platform = CountingPlatform()

    async def run() -> tuple[int, int, float, list[float]]:
        async with qlara.AsyncQlara(api_key=KEY, transport=platform) as client:
            seen = bytearray(count)
            ok = 0
            samples: list[float] = []
            gc.collect()
            before = current_rss_mb()
            async with client.send_many(
                messages(count), sms_per_request=per_request, concurrency=concurrency
            ) as outcomes:
                async for outcome in outcomes:
                    seen[outcome.index] += 1
                    ok += outcome.ok
                    if ok % (count // 10 or 1) == 0:
                        samples.append(current_rss_mb())
            once = sum(1 for n in seen if n == 1)
            return ok, once, before, samples

    clock = trio.testing.MockClock(autojump_threshold=0)
    began = time.perf_counter()
    ok, once, before, samples = anyio.run(run, backend="trio", backend_options={"clock": clock})
    wall = time.perf_counter() - began
    span = platform.last - (platform.first or 0.0)
    best = optimal_span(LIMIT, platform.requests)
    return {
        "sms_per_request": per_request,
        "messages": count,
        "ok": ok,
        "one_outcome_each": once == count,
        "ids_received": platform.ids,
        "requests": platform.requests,
        "virtual_minutes": span / 60,
        "per_minute": count / span * 60,
        "use_of_ceiling": best / span,
        "responses_429": platform.limited,
        "rss_before_mb": before,
        "rss_growth_mb": max(samples, default=before) - before,
        "rss_samples_mb": samples,
        "wall_s": wall,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["loopback", "virtual"], default="loopback")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--single-count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--packed-concurrency", type=int, default=None, help="for N=100 (default --concurrency)"
    )
    args = parser.parse_args(argv)
    if args.mode == "virtual":
        count = args.count or 1_000_000
        result = virtual(count, 100, args.concurrency)
        rows = [[k, v] for k, v in result.items() if k != "rss_samples_mb"]
        print(
            table(f"(g) {count:,} SMS, 100 per request, virtual clock", ["measure", "value"], rows)
        )
        targets = {"virtual_minutes": 12, "responses_429": 0, "rss_growth_mb": 50}
        print(f"wrote {write('high_volume_virtual', {**result, 'targets': targets})}")
        return
    count = args.count or 100_000
    packed = loopback(count, 100, args.packed_concurrency or args.concurrency)
    single = loopback(args.single_count, 1, args.concurrency)
    # One per request: the budget is the ceiling, so 100,000 take as long as
    # 100,000 requests do at the measured use of it.
    single["extrapolated_minutes_for_count"] = (
        optimal_span(LIMIT, count) / single["use_of_ceiling"] / 60
    )
    rows = []
    for run in (single, packed):
        rows.append(
            [
                run["sms_per_request"],
                f"{run['messages']:,}" + (" (measured)" if run is single else ""),
                run["requests"],
                round(run["span_s"], 1),
                round(run["per_minute"]),
                round(run["ceiling_per_minute"]),
                f"{run['use_of_ceiling']:.1%}",
                run["responses_429"],
                run["duplicates"],
                round(run["peak_rss_mb"], 1),
            ]
        )
    print(
        table(
            "(f) personalised SMS over loopback, production budget",
            [
                "N",
                "messages",
                "requests",
                "span s",
                "msg/min",
                "ceiling msg/min",
                "of ceiling",
                "429",
                "dup",
                "peak RSS MB",
            ],
            rows,
        )
    )
    print(
        f"N=1 extrapolated to {count:,} messages: "
        f"{single['extrapolated_minutes_for_count']:.0f} minutes; "
        f"N=100 took {packed['span_s'] / 60:.1f} minutes "
        f"({single['extrapolated_minutes_for_count'] * 60 / packed['span_s']:.0f}x faster)"
    )
    goals = {"use_of_ceiling": 0.9, "responses_429": 0, "duplicates": 0}
    payload = {"single": single, "packed": packed, "targets": goals}
    print(f"wrote {write('high_volume_loopback', payload)}")


if __name__ == "__main__":
    main()
