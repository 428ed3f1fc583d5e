"""The shared rate limit's decisions, as Lua scripts that Redis runs atomically.

The reading is the local limiter's (``qlara._ratelimit``): no span of one
second holds more than ``per_second`` arrivals, nor a span of sixty seconds
more than ``per_minute``; a request in flight counts as arriving at any
moment, a finished one as having arrived by the time its answer came back.
Every member of a fleet runs the same script on the same keys, one decision
per call, with Redis's own ``TIME`` as the clock, so members whose clocks
disagree still agree on the schedule.

Keys of one budget (``{name}`` is a Redis Cluster hash tag: one slot for all):

- ``qlara:rl:{name}:flight``: sorted set, one member per request admitted and
  not yet answered; its score is when its lease runs out (its start plus
  ``lease``). A member that crashed never reports, and at that time the
  request counts as having arrived (should its answer come later after all,
  the answer's time replaces the lease's end).
- ``qlara:rl:{name}:log``: sorted set of answered requests, scored by when
  their answer came back (an upper bound of their arrival); entries older
  than a minute are trimmed.
- ``qlara:rl:{name}:pause``: after a 429, until when every member waits.
- ``qlara:rl:{name}:cap``: hash (``until``, ``left``) while the platform's
  ``X-RateLimit-Remaining`` says fewer requests are left than the log allows.

Each script refreshes the expiry of what it writes, so a budget nobody uses
disappears about a minute (plus the lease) after its last request.

``BOOK`` admits one request: it computes the earliest start the windows allow
and reserves it at once, possibly in the future; the member sleeps until
then. Reserving in order of arrival at Redis makes the fleet first come,
first served. The first argument of every script is the clock: empty for
Redis's ``TIME``; tests pass a number to drive the maths on a fake clock.
"""

from __future__ import annotations

import hashlib

__all__ = ["BOOK", "FINISH", "PAUSE", "REJOIN", "Script", "keys"]


def keys(name: str) -> tuple[str, str, str, str]:
    """The flight, log, pause and cap keys of the budget called ``name``."""
    base = f"qlara:rl:{{{name}}}"
    return f"{base}:flight", f"{base}:log", f"{base}:pause", f"{base}:cap"


class Script:
    """A Lua script and its SHA-1, for ``EVALSHA`` with ``EVAL`` as the fallback."""

    __slots__ = ("name", "sha", "source")

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = _PRELUDE + source
        self.sha = hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()


_PRELUDE = """
local function clock(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function fmt(x) return string.format('%.6f', x) end
local function settle(flight, log, now, margin)
  -- Leases that ran out: those requests count as arrived when the lease ended.
  local stale = redis.call('ZRANGEBYSCORE', flight, '-inf', fmt(now), 'WITHSCORES')
  for i = 1, #stale, 2 do
    redis.call('ZADD', log, stale[i + 1], stale[i])
  end
  if #stale > 0 then redis.call('ZREMRANGEBYSCORE', flight, '-inf', fmt(now)) end
  -- Answers older than the longest window no longer hold anything back.
  redis.call('ZREMRANGEBYSCORE', log, '-inf', '(' .. fmt(now - 60 - margin))
end
local function idle_ms(margin, lease, ahead)
  return math.ceil((61 + margin + lease + ahead) * 1000)
end
"""

BOOK = Script(
    "book",
    """
-- KEYS: flight, log, pause, cap
-- ARGV: clock, id, per_second, per_minute, margin, lease
-- -> {'go', now, start} (the request is reserved from start on)
-- or {'full', now} (requests in flight fill a window: ask again after an answer)
local now = clock(ARGV[1])
local per_second, per_minute = tonumber(ARGV[3]), tonumber(ARGV[4])
local margin, lease = tonumber(ARGV[5]), tonumber(ARGV[6])
settle(KEYS[1], KEYS[2], now, margin)
local open = redis.call('ZCARD', KEYS[1])
local count = redis.call('ZCARD', KEYS[2])
local slot = now
local pause = tonumber(redis.call('GET', KEYS[3]))
if pause and pause > slot then slot = pause end
local windows = {{1 + margin, per_second}, {60 + margin, per_minute}}
for _, window in ipairs(windows) do
  -- The budget-th latest arrival bound, requests in flight counting as latest.
  local rank = window[2] - open
  if rank <= 0 then return {'full', fmt(now)} end
  if count >= rank then
    local bound = redis.call('ZREVRANGE', KEYS[2], rank - 1, rank - 1, 'WITHSCORES')
    local earliest = tonumber(bound[2]) + window[1]
    if earliest > slot then slot = earliest end
  end
end
local cap = redis.call('HMGET', KEYS[4], 'until', 'left')
local cap_until, cap_left = tonumber(cap[1]) or 0, tonumber(cap[2]) or 0
if cap_left <= 0 and slot < cap_until then slot = cap_until end
if slot < cap_until then redis.call('HINCRBY', KEYS[4], 'left', -1) end
redis.call('ZADD', KEYS[1], fmt(slot + lease), ARGV[2])
local ttl = idle_ms(margin, lease, slot - now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return {'go', fmt(now), fmt(slot)}
""",
)

FINISH = Script(
    "finish",
    """
-- KEYS: flight, log, cap
-- ARGV: clock, id (or ''), remaining (or ''), per_second, per_minute, margin, lease
-- The request has arrived by now; fold in the platform's X-RateLimit-Remaining.
local now = clock(ARGV[1])
local per_second, per_minute = tonumber(ARGV[4]), tonumber(ARGV[5])
local margin, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
-- A request whose lease ran out is in the log already, at its lease's end; it was
-- alive after all, and may have arrived as late as now: move it there.
if ARGV[2] ~= '' and (redis.call('ZREM', KEYS[1], ARGV[2]) == 1
    or redis.call('ZSCORE', KEYS[2], ARGV[2])) then
  redis.call('ZADD', KEYS[2], fmt(now), ARGV[2])
  local ttl = idle_ms(margin, lease, 0)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if ARGV[3] ~= '' then
  local remaining = tonumber(ARGV[3])
  local open = redis.call('ZCARD', KEYS[1])
  local ours = per_minute
  for _, window in ipairs({{1 + margin, per_second}, {60 + margin, per_minute}}) do
    local recent = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now - window[1]), '+inf')
    local left = window[2] - open - recent
    if left < ours then ours = left end
  end
  -- Fewer left than our log allows: someone outside the fleet spends this key.
  if remaining < per_second and remaining < ours then
    if remaining < 0 then remaining = 0 end
    local cap = redis.call('HMGET', KEYS[3], 'until', 'left')
    local cap_until, cap_left = tonumber(cap[1]) or 0, tonumber(cap[2]) or 0
    if now < cap_until and cap_left < remaining then remaining = cap_left end
    redis.call('HSET', KEYS[3], 'until', fmt(now + 1 + margin), 'left', remaining)
    redis.call('PEXPIRE', KEYS[3], math.ceil((1 + margin) * 1000))
  end
end
return fmt(now)
""",
)

PAUSE = Script(
    "pause",
    """
-- KEYS: pause
-- ARGV: clock, seconds
-- After a 429: every member waits until now + seconds (the later of two pauses wins).
local now = clock(ARGV[1])
local seconds = tonumber(ARGV[2])
local until_ = now + seconds
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < until_ then
  redis.call('SET', KEYS[1], fmt(until_), 'PX', math.max(1, math.ceil(seconds * 1000)))
end
return fmt(now)
""",
)

REJOIN = Script(
    "rejoin",
    """
-- KEYS: log
-- ARGV: clock, id prefix, margin, lease, then the ages (seconds) of the requests
-- this member sent on its own while Redis was away, so that a Redis restarted
-- with an empty log does not let the fleet spend that budget again.
local now = clock(ARGV[1])
local margin, lease = tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 5, #ARGV do
  redis.call('ZADD', KEYS[1], fmt(now - tonumber(ARGV[i])), ARGV[2] .. (i - 4))
end
if #ARGV >= 5 then redis.call('PEXPIRE', KEYS[1], idle_ms(margin, lease, 0)) end
return fmt(now)
""",
)
