"""(d) Memory: send_many over a generator of 1,000,000 messages stays flat.

The messages are made lazily by a generator and sent through an in-process
transport (a canned answer), with ``rate_limit=None``; outcomes are counted
and dropped, as a caller streaming results to a file would. Reported: the
peak RSS growth over the run (``resource.getrusage``, after a warm-up), and
the current RSS every tenth of the way, to show it does not climb.
Target: growth <= 50 MB. ``--journal`` also writes a resumable journal.

    uv run python benchmarks/memory.py [--count 1000000] [--journal]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio

import qlara
from benchmarks._common import DESTINATION, KEY, StaticTransport, table, write

BASE_URL = "http://bench.invalid/api"


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def messages(count: int) -> Iterator[qlara.SmsMessage]:
    for index in range(count):
        yield qlara.SmsMessage(
            destination=DESTINATION, body=f"Message number {index}", sender="Bench"
        )


async def run(
    count: int, journal: Path | None
) -> tuple[float, float, list[tuple[int, float]], int]:
    async with qlara.AsyncQlara(
        api_key=KEY, base_url=BASE_URL, transport=StaticTransport(), rate_limit=None
    ) as client:
        async for _ in client.send_many(messages(1000)):  # warm-up: pools, caches, code paths
            pass
        gc.collect()
        before = peak_rss_mb()
        samples: list[tuple[int, float]] = [(0, current_rss_mb())]
        step = max(1, count // 10)
        ok = 0
        began = time.perf_counter()
        async with client.send_many(messages(count), journal=journal) as outcomes:
            async for outcome in outcomes:
                ok += outcome.ok
                if (outcome.index + 1) % step == 0:
                    samples.append((outcome.index + 1, current_rss_mb()))
        elapsed = time.perf_counter() - began
        return before, elapsed, samples, ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--journal", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        journal = Path(directory) / "run.jsonl" if args.journal else None
        before, elapsed, samples, ok = anyio.run(run, args.count, journal)
        journal_mb = journal.stat().st_size / 2**20 if journal is not None else 0.0
    growth = peak_rss_mb() - before
    rows = [[f"{done:,}", round(rss, 1)] for done, rss in samples]
    print(
        table(
            f"(d) memory over {args.count:,} messages{' with a journal' if args.journal else ''}",
            ["messages done", "current RSS (MB)"],
            rows,
        )
    )
    print(
        f"peak RSS growth: {growth:.1f} MB (target <= 50 MB); {ok:,} ok; {elapsed:.0f} s; "
        f"{args.count / elapsed:,.0f} msg/s"
    )
    path = write(
        "memory",
        {
            "count": args.count,
            "journal": args.journal,
            "journal_file_mb": journal_mb,
            "peak_rss_before_mb": before,
            "peak_rss_growth_mb": growth,
            "rss_samples_mb": samples,
            "ok": ok,
            "seconds": elapsed,
            "target_growth_mb": 50,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
