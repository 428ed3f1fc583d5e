"""(j) Many tenant keys through one client and pool: time vs the per-key optimum, 429s, RSS.

Part 1, the budget: ``--keys`` tenant keys (200), each with its own budget of
``--per-second`` requests a second, both in the client (``with_options(api_key=k,
rate_limit=...)``) and in the simulator (same limit, per key, enforced: a
request over it is a 429). Every tenant sends ``--messages`` (20) SMS through
one client, all tenants at once (concurrency 16, one pool). The per-key
optimum is the time the budget alone imposes on one key:
``ceil(messages / per_second) - 1`` seconds (the first second's burst starts at
once). Reported: total wall time, its ratio to that optimum, 429s the
simulator sent (goal: 0), peak RSS of the client process.

Part 2, what a copy costs: client CPU per send of ``client.with_options(api_key=k)``
made afresh and sending once, cycling through the keys (limiters already made
after the first lap), against the same sends on the client itself; and
whether a copy opened anything (it must share the pool).

Each backend runs in its own child process (clean RSS), ``--rounds`` times;
medians.

    uv run python benchmarks/tenants.py [--keys 200] [--messages 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import resource
import time
from typing import Any

import qlara
import qlara.testing
from benchmarks._common import DESTINATION, median, table, write

BACKENDS = ("httpx", "aiohttp")


def _child(pipe: Any, options: dict[str, Any]) -> None:
    per_second = options["per_second"]
    limit = (
        None if per_second is None else qlara.RateLimit(per_second=per_second, per_minute=10_000)
    )
    sim = qlara.testing.Simulator(rate_limit=limit)
    with qlara.testing.serve(sim) as server:
        pipe.send(server.base_url)
        pipe.recv()
        pipe.send(None)


class Served:
    """The simulator in a child process, enforcing each key's budget (``None``: no limit)."""

    def __init__(self, per_second: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self._process = context.Process(
            target=_child, args=(child, {"per_second": per_second}), daemon=True
        )

    def __enter__(self) -> str:
        self._process.start()
        if not self._parent.poll(60):
            raise RuntimeError("the simulator process did not start")
        return str(self._parent.recv())

    def __exit__(self, *exc: object) -> None:
        self._parent.send("stop")
        self._parent.poll(10)
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


class Count429(logging.Handler):
    """Counts the attempts the platform answered 429 (one debug line per attempt)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += getattr(record, "qlara.status", None) == 429


async def budget_run(
    url: str, backend: str, keys: int, messages: int, per_second: int
) -> dict[str, Any]:
    limit = qlara.RateLimit(per_second=per_second, per_minute=10_000)
    refused = 0
    seen = Count429()
    logger = logging.getLogger("qlara")
    logger.addHandler(seen)
    logger.setLevel(logging.DEBUG)

    async with qlara.AsyncQlara(
        "warm-up-key", base_url=url, http_backend=backend, rate_limit=limit, max_retries=5
    ) as client:
        tenants = [
            client.with_options(api_key=f"tenant-{i:04d}", rate_limit=limit) for i in range(keys)
        ]
        await client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
        work: asyncio.Queue[qlara.AsyncQlara] = asyncio.Queue()
        for _ in range(messages):  # round-robin: every tenant has work from the start
            for tenant in tenants:
                work.put_nowait(tenant)

        async def worker() -> None:
            nonlocal refused
            while not work.empty():
                tenant = work.get_nowait()
                try:
                    await tenant.sms.send(destination=DESTINATION, body="Hello!", sender="Bench")
                except qlara.RateLimitError:
                    refused += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(16 * 8)))
        elapsed = time.perf_counter() - began
        limiters = client._http.connection.limiters
    optimum = math.ceil(messages / per_second) - 1
    return {
        "seconds": elapsed,
        "optimum_seconds": optimum,
        "ratio": elapsed / optimum if optimum else math.nan,
        "limiters": limiters,
        "answered_429": seen.count,
        "failed_429": refused,
    }


async def copy_cost(url: str, backend: str, keys: int, sends: int) -> dict[str, Any]:
    async with qlara.AsyncQlara(
        "plain-key", base_url=url, http_backend=backend, rate_limit=None
    ) as client:
        wire = client._http.connection.wire
        names = [f"copy-{i:04d}" for i in range(keys)]
        for name in names:  # first lap: every key's limiter exists
            await client.with_options(api_key=name).sms.send(
                destination=DESTINATION, body="Hi", sender="Bench"
            )

        async def plain(i: int) -> None:
            await client.sms.send(destination=DESTINATION, body="Hi", sender="Bench")

        async def copied(i: int) -> None:
            tenant = client.with_options(api_key=names[i % keys])
            assert tenant._http.connection.wire is wire
            await tenant.sms.send(destination=DESTINATION, body="Hi", sender="Bench")

        results = {}
        for label, send in (("plain send", plain), ("copy + send", copied)):
            share = sends // 16

            async def worker(offset: int, send: Any = send, share: int = share) -> None:
                for i in range(share):
                    await send(offset * share + i)

            began = time.process_time()
            await asyncio.gather(*(worker(w) for w in range(16)))
            results[label] = (time.process_time() - began) / (share * 16) * 1e6
        results["limiters"] = client._http.connection.limiters
    return results


def _trial(pipe: Any, args: dict[str, Any]) -> None:
    budget = asyncio.run(
        budget_run(args["url"], args["backend"], args["keys"], args["messages"], args["per_second"])
    )
    logging.getLogger("qlara").setLevel(logging.WARNING)  # part 2 measures CPU: no debug lines
    cost = asyncio.run(copy_cost(args["free_url"], args["backend"], args["keys"], args["sends"]))
    budget["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipe.send({**budget, **cost})


def trial(**args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_trial, args=(child, args))
    process.start()
    while not parent.poll(1):
        if not process.is_alive():
            raise RuntimeError("the trial failed (its traceback is above)")
    result: dict[str, Any] = parent.recv()
    process.join(10)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--per-second", type=int, default=5)
    parser.add_argument("--sends", type=int, default=3200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    runs: dict[str, list[dict[str, Any]]] = {b: [] for b in BACKENDS}
    for round_number in range(args.rounds):
        order = BACKENDS if round_number % 2 == 0 else BACKENDS[::-1]
        for backend in order:
            # A fresh simulator per trial: its per-key windows start empty.
            with Served(args.per_second) as url, Served(None) as free_url:
                runs[backend].append(
                    trial(
                        url=url,
                        free_url=free_url,
                        backend=backend,
                        keys=args.keys,
                        messages=args.messages,
                        per_second=args.per_second,
                        sends=args.sends,
                    )
                )
    fields = ["seconds", "ratio", "answered_429", "rss_mib", "plain send", "copy + send"]
    rows = [[b, *(median([r[f] for r in runs[b]]) for f in fields)] for b in BACKENDS]
    print(
        table(
            f"(j) {args.keys} keys x {args.messages} messages at {args.per_second}/s per key, "
            f"one pool; optimum {math.ceil(args.messages / args.per_second) - 1} s "
            f"({args.rounds} rounds)",
            [
                "backend",
                "total s",
                "vs optimum",
                "429s",
                "peak RSS MiB",
                "plain us/send",
                "copy+send us",
            ],
            rows,
        )
    )
    path = write(
        "tenants",
        {
            "keys": args.keys,
            "messages": args.messages,
            "per_second": args.per_second,
            "rounds": args.rounds,
            "medians": {b: {f: median([r[f] for r in runs[b]]) for f in fields} for b in BACKENDS},
            "runs": runs,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
