"""One run of a journaled send_many, killed and resumed by ``tests/_soak.py``.

    python -m tests._soak_child BASE_URL JOURNAL COUNT SEED CONCURRENCY

Prints one JSON line per outcome it is handed (index, message id, ok, error
type), flushed, then "works" on it for a millisecond before it asks for the
next one (so some kills land while the caller holds an outcome); exits 0
when the run is complete. Odd seeds iterate in the plain form (rounds), even ones inside
``async with`` (pipelined), so kills land in both.
"""

from __future__ import annotations

import json
import sys

import anyio

from tests._soak import client, make_inputs

CALLER_WORK = 0.001


async def _emit(outcome: object) -> None:
    error = getattr(outcome, "error", None)
    line = {
        "index": getattr(outcome, "index", None),
        "message_id": getattr(outcome, "message_id", None),
        "ok": getattr(outcome, "ok", None),
        "error": None if error is None else type(error).__name__,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    await anyio.sleep(CALLER_WORK)  # the caller's own work on the outcome


async def main(base_url: str, journal: str, count: int, seed: int, concurrency: int) -> None:
    messages = make_inputs(count, seed)
    async with client(base_url, timeout=0.25) as sdk:
        batch = sdk.send_many(messages, concurrency=concurrency, journal=journal)
        if seed % 2:
            async for outcome in batch:
                await _emit(outcome)
        else:
            async with batch as outcomes:
                async for outcome in outcomes:
                    await _emit(outcome)


if __name__ == "__main__":
    url, path, size, seed_text, width = sys.argv[1:6]
    anyio.run(main, url, path, int(size), int(seed_text), int(width))
