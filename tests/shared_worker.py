"""One member of a fleet, run in its own process by tests/test_shared_limit.py.

``member`` builds a client on a shared rate limit, reports ``ready``, waits
for ``go`` (so that members start together), sends ``count`` SMS through
``send_many``, and reports how many were accepted and what it logged.
The processes come from a forkserver that has imported qlara once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from multiprocessing.synchronize import Event
from queue import Queue
from typing import Any

import qlara
import qlara.redis

PRELOAD = ["qlara", "qlara.redis", "qlara.testing", "redis.asyncio", "tests.shared_worker"]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


async def run(options: dict[str, Any], go: Event, results: Queue[Any]) -> int:
    limit = qlara.RateLimit(per_second=options["per_second"], per_minute=options["per_minute"])
    shared = qlara.redis.SharedRateLimit(
        options["redis"],
        limit,
        name=options.get("name"),
        fallback_share=options.get("fallback_share", 0.25),
    )
    messages = (
        qlara.SmsMessage(destination="+393401234567", body=f"{options['tag']} {i}", sender="Fleet")
        for i in range(options["count"])
    )
    ok = 0
    async with qlara.AsyncQlara(
        api_key=options["key"], base_url=options["base_url"], rate_limit=shared, max_retries=10
    ) as client:
        results.put(("ready", options["tag"]))
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        async with client.send_many(messages, concurrency=options["concurrency"]) as outcomes:
            async for outcome in outcomes:
                ok += outcome.ok
    return ok


def member(options: dict[str, Any], go: Event, results: Queue[Any]) -> None:
    records = Records()
    logger = logging.getLogger("qlara.redis")
    logger.addHandler(records)
    logger.setLevel(logging.INFO)
    ok = asyncio.run(run(options, go, results))
    results.put(("done", options["tag"], ok, records.lines))


def context() -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
