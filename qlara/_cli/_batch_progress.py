"""What ``qlara batch`` says while it runs: requests, waits for the rate window, how to resume."""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from typing import Any

import anyio

import qlara
from qlara._cli._ui import Progress
from qlara._ratelimit import RateLimiter

__all__ = ["rate_note", "resume_command", "watch"]


def resume_command(argv: Sequence[str]) -> str:
    """The command line that continues this run: the same arguments plus ``--resume``.

    An ``--api-key`` is left out (it would land in the terminal's history);
    the command then reads ``QLARA_API_KEY``.
    """
    kept: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word == "--api-key":
            skip = True
            continue
        if word.startswith("--api-key=") or word == "--resume":
            continue
        kept.append(word)
    return shlex.join(["qlara", *kept, "--resume"])


def rate_note(wait: float, requests: int | None) -> str:
    """The progress note: requests sent, and the wait for the next rate-limit slot."""
    parts = [] if requests is None else [f"{requests} requests"]
    if math.isfinite(wait) and wait >= 1:
        parts.append(f"waiting for the rate limit, next slot in {math.ceil(wait)} s")
    return " · ".join(parts)


async def watch(client: qlara.AsyncQlara, bar: Progress, outcomes: Any) -> None:
    """Every half second: requests so far, and whether the rate window holds us."""
    limiter = client._http.limiter
    while True:
        await anyio.sleep(0.5)
        # A limiter shared through Redis cannot tell without asking Redis: no wait shown.
        wait = (
            limiter.next_start() - anyio.current_time() if isinstance(limiter, RateLimiter) else 0.0
        )
        bar.note(rate_note(wait, outcomes.requests))
