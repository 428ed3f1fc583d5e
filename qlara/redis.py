"""``qlara.redis``: one API key's budget shared by a fleet of processes through Redis.

Needs the ``redis`` extra (``pip install 'qlara[redis]'``, redis-py 5 or later,
and a Redis server 5 or later)::

    limit = qlara.redis.SharedRateLimit("redis://localhost:6379/0")
    client = qlara.AsyncQlara(api_key=..., rate_limit=limit)

Every process and machine that uses the same ``name`` (by default a digest of
the API key, never the key) shares one budget, with the strict arrival windows
of the local ``qlara.RateLimit``; a 429 seen by one member pauses all, and an
``X-RateLimit-Remaining`` lower than the fleet's own count caps all. The keys
it writes are listed in ``qlara._shared_lua`` and in the README.

It runs on asyncio (redis-py's asyncio client), so it serves ``AsyncQlara``
on asyncio and the blocking ``Qlara`` (whose loop is asyncio). With ``Qlara``,
pass a URL, not a client: the connections are opened on the client's own loop
(a ``redis.asyncio.Redis`` whose connections belong to another loop raises
``qlara.ConfigurationError``).
"""

from __future__ import annotations

import copy

try:
    import redis as _redis_py
    import redis.asyncio as _aioredis
    from redis.asyncio.connection import parse_url as _parse_url
except ImportError as _missing:  # pragma: no cover - exercised by CI's core-import check
    raise ImportError(
        "qlara.redis needs redis-py 5 or later: pip install 'qlara[redis]'"
    ) from _missing

from qlara._errors import ValidationError
from qlara._limiter import SharedLimitFactory
from qlara._ratelimit import RateLimit
from qlara._shared_limit import SharedLimiter

# redis-py 4 has an asyncio client too, but not all we call (``aclose``, say).
_FOUND = str(getattr(_redis_py, "__version__", "unknown"))
if not _FOUND.partition(".")[0].isdigit() or int(_FOUND.partition(".")[0]) < 5:
    raise ImportError(
        f"qlara.redis needs redis-py 5 or later (found {_FOUND}): pip install 'qlara[redis]'"
    )

__all__ = ["SharedRateLimit"]

_PRODUCTION = RateLimit.production()
_MAX_NAME = 100


def _seconds(field: str, value: object, *, upper: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= upper:
        raise ValidationError(field, f"must be seconds in (0, {upper:g}], got {value!r}")
    return float(value)


def _check_name(name: object) -> str | None:
    if name is None:
        return None
    if (
        not isinstance(name, str)
        or not 0 < len(name) <= _MAX_NAME
        or not name.isascii()
        or not name.isprintable()
        or any(char in name for char in "{} ")
    ):
        raise ValidationError(
            "name",
            f"must be 1 to {_MAX_NAME} printable ASCII characters without spaces or braces",
        )
    return name


class SharedRateLimit(SharedLimitFactory):
    """A budget shared through Redis; pass it as ``rate_limit=`` to either client.

    Args:
        redis: a Redis URL (``"redis://host:6379/0"``, ``"rediss://..."``), or a
            ``redis.asyncio.Redis`` you own (the SDK never closes it; closing the
            client drops only the idle connections it opened on its own loop).
        limit: the key's budget, for the whole fleet.
        name: the budget's name in Redis keys (``qlara:rl:{name}:...``); members
            with the same name share a budget. Defaults to 16 hex digits of a
            SHA-256 of the API key (or Basic credentials), never the key itself.
            A name belongs to the client's own key: a ``with_options(api_key=...)``
            copy that inherits this limit uses its own key's default name.
        fallback_share: while Redis is unreachable, each process keeps to this
            share of ``limit`` on its own (rounded down, at least 1 per window).
            The default 0.25 keeps four processes within budget; a fleet of
            ``n`` should use ``1 / n`` to draw no 429 even then.
        timeout: seconds each Redis call may take before the member falls back.
        lease: seconds after which a request nobody reported on (its process
            crashed) counts as having arrived, freeing its place in the budget.

    Raises:
        ValidationError: a value out of range, naming the argument.
    """

    def __init__(
        self,
        redis: str | _aioredis.Redis,
        limit: RateLimit = _PRODUCTION,
        *,
        name: str | None = None,
        fallback_share: float = 0.25,
        timeout: float = 0.5,
        lease: float = 10.0,
    ) -> None:
        if not isinstance(redis, (str, _aioredis.Redis)):
            raise ValidationError("redis", "must be a Redis URL or a redis.asyncio.Redis")
        if isinstance(redis, str) and not redis.startswith(("redis://", "rediss://", "unix://")):
            # Not quoted: a URL may hold a password.
            raise ValidationError("redis", "must be a redis://, rediss:// or unix:// URL")
        if isinstance(redis, str):
            try:
                _parse_url(redis)  # a bad port or database fails here, not at the first send
            except ValueError as exc:  # redis-py's reasons name the part, never the password
                raise ValidationError("redis", f"is not a valid Redis URL: {exc}") from None
        if not isinstance(limit, RateLimit):
            raise ValidationError("limit", "must be a qlara.RateLimit")
        share = fallback_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise ValidationError("fallback_share", f"must be in (0, 1], got {share!r}")
        self.redis = redis
        self.limit = limit
        self.name: str | None = _check_name(name)
        self.fallback_share: float = float(share)
        self.timeout: float = _seconds("timeout", timeout, upper=60)
        self.lease: float = _seconds("lease", lease, upper=3600)

    def __repr__(self) -> str:
        # Neither the URL (it may hold a password) nor anything derived from the key.
        name = "<from the API key>" if self.name is None else repr(self.name)
        return (
            f"SharedRateLimit(limit={self.limit!r}, name={name}, "
            f"fallback_share={self.fallback_share}, timeout={self.timeout}, lease={self.lease})"
        )

    def for_another_key(self) -> SharedRateLimit:
        """The same settings, the budget named by the other key's digest (a name is one key's)."""
        if self.name is None:
            return self
        unnamed = copy.copy(self)
        unnamed.name = None
        return unnamed

    def bind(self, credential_digest: str) -> SharedLimiter:
        """The limiter of one client (called by the client, with its key's digest)."""
        return SharedLimiter(self, self.name or credential_digest)
