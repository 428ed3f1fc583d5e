"""One client's side of a budget shared through Redis (``qlara.redis.SharedRateLimit``).

The decisions are the Lua scripts of ``_shared_lua``; this module runs them
and waits. Within a process, tasks book in turn behind an anyio lock (first
come, first served); across processes, Redis serves bookings in the order
they arrive, and each booked request sleeps locally until its start.

The pipeline's reports (``finished``, ``observe``, ``pause``) are plain
calls, made where awaiting is not possible (inside a cancellation, say), so
the Redis side of each runs as a background task of the event loop.

When Redis fails or is slow (each call has a short timeout), the member logs
one WARNING and falls back to a local limiter with ``fallback_share`` of the
budget; it probes Redis again at most once per ``PROBE_INTERVAL``. On its way
back it hands its recent local history to Redis and, for one more minute,
keeps its local share on top of the shared budget, so that a restarted Redis
with an empty log does not let the fleet spend the same minute twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
import math
import os
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import redis.asyncio as aioredis
import sniffio
from redis.exceptions import NoScriptError, RedisError

from qlara import _shared_clients
from qlara._errors import ConfigurationError
from qlara._ratelimit import ANSWER_POLL, RateLimit, RateLimiter, _header_int, event_loop_time
from qlara._shared_lua import BOOK, FINISH, PAUSE, REJOIN, Script, keys

if TYPE_CHECKING:
    from qlara.redis import SharedRateLimit

__all__ = ["PROBE_INTERVAL", "SharedLimiter", "fallback_limit"]

log = logging.getLogger("qlara.redis")

PROBE_INTERVAL = 1.0
"""Seconds between attempts to reach Redis again while falling back."""


def fallback_limit(limit: RateLimit, share: float) -> RateLimit:
    """``share`` of ``limit``, rounded down, at least one request per window."""
    return RateLimit(
        per_second=max(1, math.floor(limit.per_second * share)),
        per_minute=max(1, math.floor(limit.per_minute * share)),
        margin=limit.margin,
    )


class RedisUnavailableError(Exception):
    """Redis did not answer in time, or answered with an error."""


class _Booking:
    __slots__ = ("done", "id", "limiter")

    def __init__(self, limiter: SharedLimiter, booking_id: str) -> None:
        self.limiter = limiter
        self.id = booking_id
        self.done = False


_BOOKING: contextvars.ContextVar[_Booking | None] = contextvars.ContextVar(
    "qlara_shared_booking", default=None
)
_PREPAID: contextvars.ContextVar[SharedLimiter | None] = contextvars.ContextVar(
    "qlara_shared_prepaid", default=None
)


class SharedLimiter:
    """A client's limiter on a budget in Redis, with a local fallback."""

    def __init__(
        self,
        config: SharedRateLimit,
        name: str,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.limit: RateLimit = config.limit
        self.name = name
        self._keys = keys(name)
        self._clock = clock or event_loop_time
        self._sleep = sleep or anyio.sleep
        self._redis: aioredis.Redis | None = None if isinstance(config.redis, str) else config.redis
        self.fallback: RateLimiter = RateLimiter(
            fallback_limit(config.limit, config.fallback_share)
        )
        self._member = secrets.token_hex(6)
        self._pid = os.getpid()
        self._used = False  # whether we ran a command (on a client given to us)
        self._foreign_loop = False  # whether the given client's connections are another loop's
        self._counter = itertools.count(1)
        self._lock: anyio.Lock | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._offset = 0.0  # Redis's clock minus ours, from the last answer
        self._paused_until = -math.inf
        self.degraded: bool = False
        self._degraded_at = -math.inf
        self._next_probe = -math.inf
        self._guard_until = -math.inf
        self._latest = -math.inf  # the latest start Redis gave us, on our clock

    def __repr__(self) -> str:
        return f"SharedLimiter(name={self.name!r}, limit={self.limit!r}, degraded={self.degraded})"

    # -- Redis -----------------------------------------------------------------

    def _client(self) -> aioredis.Redis:
        self._used = True
        if self._redis is None:
            url = self.config.redis
            assert isinstance(url, str)
            # One client per URL and loop, shared by every key's limiter (_shared_clients).
            self._redis = _shared_clients.acquire(url, self.config.timeout)
        return self._redis

    async def _run(self, script: Script, keys: Sequence[str], *args: object) -> Any:
        """Run one script (EVALSHA, then EVAL if Redis does not know it), or raise."""
        client = self._client()
        try:
            with anyio.fail_after(self.config.timeout):
                try:
                    return await client.evalsha(script.sha, len(keys), *keys, *args)  # type: ignore[arg-type]
                except NoScriptError:
                    return await client.eval(script.source, len(keys), *keys, *args)  # type: ignore[arg-type]
        except (RedisError, OSError, TimeoutError) as exc:
            raise RedisUnavailableError(f"{script.name}: {type(exc).__name__}") from exc
        except RuntimeError as exc:
            if "loop" not in str(exc):
                raise
            # redis-py's connections belong to the loop that opened them: leave them be.
            self._foreign_loop = True
            raise ConfigurationError(
                "the redis.asyncio.Redis given to qlara.redis.SharedRateLimit has "
                "connections on another event loop; give it a client no other loop "
                "has used, or a URL (needed with qlara.Qlara, whose loop is its own)"
            ) from exc

    def _member_id(self) -> str:
        """This process's prefix of booking ids; a forked child (a prefork worker) draws its own."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._member = secrets.token_hex(6)
        return self._member

    def _limits(self) -> tuple[int, int, float, float]:
        limit = self.limit
        return limit.per_second, limit.per_minute, limit.margin, self.config.lease

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        """Run a report in the background; a failure only means Redis missed it."""

        async def quietly() -> None:
            try:
                await work
            except (RedisUnavailableError, ConfigurationError) as exc:
                log.debug("shared rate limit %s: a report did not reach Redis (%s)", self.name, exc)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            work.close()
            return
        task = loop.create_task(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the limiter interface ---------------------------------------------------

    async def acquire(self) -> None:
        """Wait until a request may start, then count it as in flight, fleet-wide."""
        if _PREPAID.get() is self:
            _PREPAID.set(None)
            return
        if sniffio.current_async_library() != "asyncio":
            raise ConfigurationError(
                "qlara.redis.SharedRateLimit runs on asyncio (it uses redis-py's asyncio "
                "client); under trio, use a qlara.RateLimit"
            )
        self._land()
        now = self._clock()
        if self.degraded and (now < self._next_probe or not await self._rejoin(now)):
            await self.fallback.acquire()
            return
        guarded = now < self._guard_until
        if guarded:
            await self.fallback.acquire()
        try:
            await self._book(guarded)
        except RedisUnavailableError as exc:
            self._degrade(exc)
            if not guarded:
                await self.fallback.acquire()

    async def _book(self, guarded: bool) -> None:
        if self._paused_until > self._clock():
            await self._sleep(self._paused_until - self._clock())
        if self._lock is None:
            self._lock = anyio.Lock()
        per_second, per_minute, margin, lease = self._limits()
        booking = _Booking(self, f"{self._member_id()}:{next(self._counter)}")
        async with self._lock:
            if self.degraded:
                # Another task of ours met the failure while we queued: do not wait it out again.
                raise RedisUnavailableError("book: Redis went away while this request queued")
            # Set before asking: if we are cancelled mid-call, ``finished`` releases it.
            _BOOKING.set(booking)
            while True:
                reply = await self._run(
                    BOOK, self._keys, "", booking.id, per_second, per_minute, margin, lease
                )
                if reply[0] in (b"go", "go"):  # a given client may decode answers to str
                    break
                await self._sleep(ANSWER_POLL)
        redis_now, start = float(reply[1]), float(reply[2])
        self._offset = redis_now - self._clock()
        self._latest = max(self._latest, start - self._offset)
        if not guarded:
            # Booked is as good as sent: should Redis go away, the fallback counts it.
            self.fallback.admit_now()
        if start > redis_now:
            try:
                await self._sleep(start - redis_now)
                await self._wait_out_pause()
            except BaseException:
                self.finished()
                raise

    async def _wait_out_pause(self) -> None:
        """A request booked ahead also waits for a 429's pause announced since."""
        try:
            with anyio.fail_after(self.config.timeout):
                value = await self._client().get(self._keys[2])
        except (RedisError, OSError, TimeoutError):
            return
        if value is not None:
            wait = float(value) - (self._clock() + self._offset)
            if wait > 0:
                await self._sleep(wait)

    def _land(self, remaining: int | None = None) -> None:
        """This task's request (if any) has arrived; tell Redis in the background."""
        booking = _BOOKING.get()
        booking_id = ""
        if booking is not None and not booking.done and booking.limiter is self:
            booking.done = True
            booking_id = booking.id
        if remaining is not None and remaining >= self.limit.per_second:
            remaining = None  # plenty left: nothing to fold in
        if booking_id or remaining is not None:
            per_second, per_minute, margin, lease = self._limits()
            flight, log_key, _, cap = self._keys
            self._spawn(
                self._run(
                    FINISH,
                    (flight, log_key, cap),
                    "",
                    booking_id,
                    "" if remaining is None else remaining,
                    per_second,
                    per_minute,
                    margin,
                    lease,
                )
            )

    def finished(self) -> None:
        """Report that this task's request ended (answered or failed). Idempotent."""
        self._land()
        self.fallback.finished()

    def observe(self, headers: Any) -> None:
        """Note an answer: its request has arrived; share ``X-RateLimit-Remaining``."""
        self._land(_header_int(headers, "x-ratelimit-remaining"))
        self.fallback.observe(headers)

    def pause(self, seconds: float) -> None:
        """Hold every request of every member for ``seconds`` (after a 429)."""
        seconds = max(0.0, seconds)
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self.fallback.pause(seconds)
        self._spawn(self._run(PAUSE, self._keys[2:3], "", seconds))

    async def reserve(self) -> contextvars.Token[SharedLimiter | None]:
        """Acquire now; the task's next ``acquire`` returns at once (see ``RateLimiter``)."""
        await self.acquire()
        return _PREPAID.set(self)

    def release(self, token: contextvars.Token[Any]) -> None:
        """Forget a reservation, used or not (the slot stays counted)."""
        _PREPAID.reset(token)

    async def aclose(self) -> None:
        """Let the reports in flight reach Redis, then close a client we opened."""
        if self._tasks:
            with anyio.move_on_after(self.config.timeout):
                await asyncio.gather(*self._tasks, return_exceptions=True)
        if isinstance(self.config.redis, str) and self._redis is not None:
            client, self._redis = self._redis, None
            await _shared_clients.release(self.config.redis, self.config.timeout, client)
        elif self._redis is not None and self._used and not self._foreign_loop:
            # Not ours to close. Its idle connections were opened on this loop, though,
            # which may be about to go (qlara.Qlara's own): drop them, so that the
            # owner's next call opens fresh ones on its own loop.
            self._used = False
            with anyio.move_on_after(self.config.timeout), contextlib.suppress(RedisError, OSError):
                await self._redis.connection_pool.disconnect(inuse_connections=False)

    # -- falling back and rejoining ------------------------------------------------

    def _degrade(self, exc: RedisUnavailableError) -> None:
        self._next_probe = self._clock() + PROBE_INTERVAL
        if self.degraded:
            return
        self.degraded = True
        now = self._degraded_at = self._clock()
        # Requests booked in Redis before it went away still go out, ours and (invisible
        # now) the others', up to about a window past the latest booking we saw. Until
        # those have aged out, our fallback sends nothing: it holds for two windows.
        window = 1.0 + self.limit.margin
        fallback = self.fallback.limit
        assert fallback is not None
        self.fallback.count_elsewhere(fallback.per_second, max(now, self._latest) + window)
        log.warning(
            "shared rate limit %s: Redis is unavailable (%s); this process now keeps to "
            "%d requests/s and %d/min (fallback_share=%s) until Redis is back",
            self.name,
            exc,
            fallback.per_second,
            fallback.per_minute,
            self.config.fallback_share,
        )

    async def _rejoin(self, now: float) -> bool:
        """Reach Redis again and hand it what we sent alone; ``False`` if it is still away."""
        self._next_probe = now + PROBE_INTERVAL
        window = 60.0 + self.limit.margin
        # Only what was sent alone: Redis may have kept the rest (it was unreachable, not lost).
        ends = self.fallback.recent(now, min(window, now - self._degraded_at))
        _, log_key, _, _ = self._keys
        prefix = f"{self._member_id()}:r{next(self._counter)}:"
        try:
            await self._run(
                REJOIN, (log_key,), "", prefix, self.limit.margin, self.config.lease, *ends
            )
        except RedisUnavailableError:
            return False
        self.degraded = False
        self._guard_until = now + window
        log.info("shared rate limit %s: Redis is back; sharing the budget again", self.name)
        return True
