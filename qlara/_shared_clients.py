"""The Redis clients that ``SharedLimiter``s opened from a URL, one per loop and URL.

A partner platform's client keeps one shared limiter per tenant key; each
opening its own ``redis.asyncio.Redis`` cost one connection pool (and at least
one connection) per key, per process. Limiters of one URL and timeout on one
event loop share one client here, counted, and the last to close closes it.
Clients belong to the loop that opened them (and to the process: a forked
child opens its own), so the table is per loop, and forgets a loop once it is
gone.
"""

from __future__ import annotations

import asyncio
import os
import weakref

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

__all__ = ["acquire", "release"]


class _Opened:
    __slots__ = ("client", "users")

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self.users = 0


_Where = tuple[str, float, int]  # URL, timeout, pid
_OPENED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Where, _Opened]] = (
    weakref.WeakKeyDictionary()
)


def acquire(url: str, timeout: float) -> aioredis.Redis:
    """The running loop's client of ``url`` (opened now if none is), counted once more."""
    opened = _OPENED.setdefault(asyncio.get_running_loop(), {})
    where = (url, timeout, os.getpid())
    entry = opened.get(where)
    if entry is None:
        entry = opened[where] = _Opened(
            aioredis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
        )
    entry.users += 1
    return entry.client


async def release(url: str, timeout: float, client: aioredis.Redis) -> None:
    """One user fewer; the last one closes the client."""
    try:
        opened = _OPENED.get(asyncio.get_running_loop(), {})
    except RuntimeError:  # no loop running: nothing can share it any more
        opened = {}
    where = (url, timeout, os.getpid())
    entry = opened.get(where)
    if entry is not None and entry.client is client:
        entry.users -= 1
        if entry.users > 0:
            return
        del opened[where]
    await client.aclose()
