"""What ``rate_limit=`` accepts, and the limiter a client builds from it.

A client's pipeline (``_http.py``) asks a ``Limiter`` before every attempt and
reports back on it. ``rate_limit=`` takes a ``RateLimit`` (a limiter local to
the client), ``None`` (no limiter), or a ``SharedLimitFactory``, such as
``qlara.redis.SharedRateLimit``, which builds a limiter shared by every process
on one budget. The factory is bound when the client is built, and gets a digest
of the client's credential, never the credential itself, to name the budget.
"""

from __future__ import annotations

import abc
import contextvars
import hashlib
from typing import Any, Protocol

from qlara._auth import Secret
from qlara._ratelimit import RateLimit, RateLimiter

__all__ = ["Limiter", "SharedLimitFactory", "credential_digest", "make_limiter"]


class Limiter(Protocol):
    """What the pipeline needs of a rate limiter (``RateLimiter`` is the local one)."""

    async def acquire(self) -> None: ...

    def finished(self) -> None: ...

    def observe(self, headers: Any) -> None: ...

    def pause(self, seconds: float) -> None: ...

    async def reserve(self) -> contextvars.Token[Any]: ...

    def release(self, token: contextvars.Token[Any]) -> None: ...

    async def aclose(self) -> None: ...


class SharedLimitFactory(abc.ABC):
    """A budget that lives outside the client; ``bind`` builds one client's limiter."""

    @abc.abstractmethod
    def bind(self, credential_digest: str) -> Limiter:
        """The limiter of one client whose credential has this digest."""

    def for_another_key(self) -> SharedLimitFactory:
        """This budget's settings for a ``with_options`` copy with another key that inherits it.

        A budget is per key: one named after the client's key must not become
        the other key's too (``SharedRateLimit`` drops its ``name``).
        """
        return self


def credential_digest(credential: Secret) -> str:
    """A short, stable, one-way name for a credential (16 hex digits of SHA-256)."""
    data = b"qlara-rate-limit:" + credential.reveal().encode()
    return hashlib.sha256(data).hexdigest()[:16]


def make_limiter(rate_limit: RateLimit | SharedLimitFactory | None, credential: Secret) -> Limiter:
    """The limiter for a client built with this ``rate_limit`` and credential."""
    if isinstance(rate_limit, SharedLimitFactory):
        return rate_limit.bind(credential_digest(credential))
    return RateLimiter(rate_limit)
