"""(c) Rate-limit use: how close send_many gets to the platform's budget, with no 429s.

The simulator enforces the production limit (50 requests in any second, 1,000
in any minute, sliding windows) and answers 429 beyond it; the client runs
with its default ``RateLimit.production()`` and ``send_many``. Two modes:

- ``virtual`` (default): in-process transport on trio's ``MockClock`` with
  autojump, so the client's limiter and the simulator share one virtual clock
  and 3,000 messages (about 140 virtual seconds) take a few wall seconds.
  No network jitter at all: this checks the limiter's arithmetic.
- ``real``: over loopback HTTP (``qlara.testing.serve``) in real time, with the
  jitter of a real socket and event loops. 3,000 messages take ~2.5 minutes.

Reported: the span from the first to the last accepted request, the best
span any client could achieve under the simulator's rule for that many
messages (the optimal greedy schedule), their ratio (target >= 97 %), the
rate in messages per minute, and the number of 429 answers (target 0).

    uv run python benchmarks/rate_limit.py [--mode virtual|real] [--messages 3000]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import anyio
import trio.testing

import qlara
import qlara.testing
from benchmarks._common import DESTINATION, KEY, table, write


def optimal_span(limit: qlara.RateLimit, count: int) -> float:
    """The shortest first-to-last span of ``count`` requests under the simulator's rule.

    Greedy is optimal for sliding windows: each request starts as soon as
    both windows have room, arrivals being exactly the start times.
    """
    starts: list[float] = []
    now = 0.0
    for _ in range(count):
        if len(starts) >= limit.per_second:
            now = max(now, starts[-limit.per_second] + 1.0)
        if len(starts) >= limit.per_minute:
            now = max(now, starts[-limit.per_minute] + 60.0)
        starts.append(now)
    return now


def messages(count: int) -> Any:
    return (
        qlara.SmsMessage(destination=DESTINATION, body=f"Hello {i}", sender="Bench")
        for i in range(count)
    )


async def drive(client: qlara.AsyncQlara, count: int, concurrency: int) -> int:
    ok = 0
    async with client.send_many(messages(count), concurrency=concurrency) as outcomes:
        async for outcome in outcomes:
            ok += outcome.ok
    return ok


def run_virtual(
    limit: qlara.RateLimit, count: int, concurrency: int
) -> tuple[qlara.testing.Simulator, int]:
    async def main() -> tuple[qlara.testing.Simulator, int]:
        sim = qlara.testing.Simulator(rate_limit=limit, clock=anyio.current_time)
        async with qlara.AsyncQlara(
            api_key=KEY, transport=sim.transport(), rate_limit=limit
        ) as client:
            ok = await drive(client, count, concurrency)
        return sim, ok

    clock = trio.testing.MockClock(autojump_threshold=0)
    return anyio.run(main, backend="trio", backend_options={"clock": clock})


def run_real(
    limit: qlara.RateLimit, count: int, concurrency: int
) -> tuple[qlara.testing.Simulator, int]:
    sim = qlara.testing.Simulator(rate_limit=limit)

    async def main(base_url: str) -> int:
        async with qlara.AsyncQlara(api_key=KEY, base_url=base_url, rate_limit=limit) as client:
            return await drive(client, count, concurrency)

    with qlara.testing.serve(sim) as server:
        ok = anyio.run(main, server.base_url)
    return sim, ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["virtual", "real"], default="virtual")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--per-second", type=int, default=50)
    parser.add_argument("--per-minute", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    limit = qlara.RateLimit(per_second=args.per_second, per_minute=args.per_minute)
    began = time.perf_counter()
    runner = run_virtual if args.mode == "virtual" else run_real
    sim, ok = runner(limit, args.messages, args.concurrency)
    wall = time.perf_counter() - began
    arrivals = sorted(message.accepted_at for message in sim.sent)
    span = arrivals[-1] - arrivals[0]
    best = optimal_span(limit, len(arrivals))
    rejected = sim.requests_seen - len(sim.sent)
    use = best / span if span > 0 else 1.0
    per_minute = (len(arrivals) - 1) / span * 60 if span > 0 else float("inf")
    rows: list[list[Any]] = [
        ["messages accepted", f"{ok} of {args.messages}"],
        ["429 answers", rejected],
        ["first-to-last span (s)", round(span, 3)],
        ["optimal span (s)", round(best, 3)],
        ["use of the allowed rate", f"{use:.2%}"],
        ["rate (msg/min)", round(per_minute, 1)],
        ["wall time (s)", round(wall, 1)],
    ]
    print(
        table(
            f"(c) rate-limit use, {args.per_second}/s and {args.per_minute}/min, {args.mode} clock",
            ["measure", "value"],
            rows,
        )
    )
    path = write(
        f"rate_limit_{args.mode}",
        {
            "mode": args.mode,
            "limit": {"per_second": args.per_second, "per_minute": args.per_minute},
            "client_margin_s": limit.margin,
            "messages": args.messages,
            "accepted": ok,
            "responses_429": rejected,
            "span_s": span,
            "optimal_span_s": best,
            "use_of_allowed_rate": use,
            "rate_per_minute": per_minute,
            "wall_s": wall,
            "targets": {"use_of_allowed_rate": 0.97, "responses_429": 0},
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
