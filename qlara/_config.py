"""Resolving a client's options once, at construction, so mistakes surface there.

Both clients call ``resolve``: the sync facade must fail in its constructor
(not on the first call, inside the portal thread) when the key is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from qlara._auth import BasicAuth, Secret
from qlara._errors import ConfigurationError
from qlara._limiter import SharedLimitFactory
from qlara._models._validate import show
from qlara._ratelimit import RateLimit
from qlara._retry import RetryPolicy
from qlara._version import __version__

DEFAULT_BASE_URL = "https://lora-api.agiletelecom.com/api"
USER_AGENT = f"qlara-python/{__version__}"
DEFAULT_RATE_LIMIT = RateLimit.production()


@attrs.frozen(kw_only=True)
class ClientConfig:
    base_url: str
    credential: Secret = attrs.field(repr=False)
    auth_kind: str
    timeout: Any
    max_retries: int
    retry_policy: RetryPolicy
    rate_limit: RateLimit | SharedLimitFactory | None
    http_client: Any = attrs.field(repr=False)
    transport: Any = attrs.field(repr=False)
    http_backend: str = "httpx"

    def headers(self) -> Mapping[str, str]:
        """Auth and identification, added to every request by the SDK itself."""
        name = "X-Api-Key" if self.auth_kind == "api_key" else "Authorization"
        return {
            name: self.credential.reveal(),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }


HTTP_BACKENDS = ("httpx", "aiohttp")


def check_http_backend(value: object, *, http_client: Any, transport: Any) -> str:
    """``"httpx"`` (the default) or ``"aiohttp"`` (the ``qlara[aiohttp]`` extra, asyncio only)."""
    if value not in HTTP_BACKENDS:
        raise ConfigurationError(f"http_backend must be 'httpx' or 'aiohttp', got {value!r}")
    if value == "aiohttp":
        if http_client is not None or transport is not None:
            raise ConfigurationError(
                "http_client and transport are httpx objects; they cannot be combined "
                "with http_backend='aiohttp'"
            )
        import importlib.util  # noqa: PLC0415 - only for this backend

        if importlib.util.find_spec("aiohttp") is None:
            raise ConfigurationError(
                "http_backend='aiohttp' needs aiohttp: pip install 'qlara[aiohttp]'"
            )
    return str(value)


def credentials(
    api_key: str | None, auth: BasicAuth | None, *, from_env: bool
) -> tuple[Secret, str]:
    """The credential and its kind (``"api_key"`` or ``"basic"``), checked.

    ``from_env`` lets a missing key come from ``QLARA_API_KEY`` (the
    constructors); a ``with_options`` copy must name its credentials.
    """
    if api_key is not None and auth is not None:
        raise ConfigurationError("give either api_key or auth=BasicAuth(...), not both")
    if auth is not None:
        if not isinstance(auth, BasicAuth):
            raise ConfigurationError("auth must be a qlara.BasicAuth(username, password)")
        return Secret(auth.header()), "basic"
    if api_key is None and not from_env:
        raise ConfigurationError("give api_key=... or auth=BasicAuth(...)")
    return _api_key(api_key), "api_key"


def _base_url(value: str | None) -> str:
    url = value if value is not None else os.environ.get("QLARA_BASE_URL") or DEFAULT_BASE_URL
    problem = f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}, got {url!r}"
    if not isinstance(url, str) or not url.isascii() or not url.isprintable() or " " in url:
        raise ConfigurationError(problem)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ConfigurationError(f"{problem} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(problem)
    return url.rstrip("/")


def _api_key(value: str | None) -> Secret:
    key = value if value is not None else os.environ.get("QLARA_API_KEY")
    if not isinstance(key, str) or not key.strip():
        raise ConfigurationError(
            "no API key: pass api_key=..., set the QLARA_API_KEY environment "
            "variable, or pass auth=qlara.BasicAuth(username, password)"
        )
    key = key.strip()
    if not key.isascii() or not key.isprintable():
        # Never quote the key: the message ends up in logs.
        raise ConfigurationError(
            "the API key has characters that cannot go in an HTTP header (non-ASCII "
            "or control characters); check for a stray character from a copy-paste"
        )
    return Secret(key)


def check_timeout(value: object) -> None:
    """A number of seconds >= 0, an httpx.Timeout, or None for no limit."""
    if value is None or hasattr(value, "as_dict"):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigurationError(
            f"timeout must be seconds >= 0 or an httpx.Timeout, got {show(value)}"
        )


def check_copy_rate_limit(value: object) -> None:
    """``with_options(rate_limit=...)``, when given: what the constructors take."""
    if value is not None and not isinstance(value, (RateLimit, SharedLimitFactory)):
        raise ConfigurationError(
            "rate_limit must be a qlara.RateLimit, a qlara.redis.SharedRateLimit or None"
        )


def check_max_retries(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, got {show(value)}")


def resolve(
    *,
    api_key: str | None,
    base_url: str | None,
    auth: BasicAuth | None,
    timeout: Any,
    max_retries: int,
    retry_policy: RetryPolicy | None,
    rate_limit: RateLimit | SharedLimitFactory | None,
    http_client: Any,
    transport: Any,
    http_backend: str = "httpx",
) -> ClientConfig:
    credential, kind = credentials(api_key, auth, from_env=True)
    check_max_retries(max_retries)
    check_timeout(timeout)
    if http_client is not None and transport is not None:
        raise ConfigurationError("give either http_client or transport, not both")
    if http_client is not None and not hasattr(http_client, "build_request"):
        raise ConfigurationError("http_client must be an httpx.AsyncClient")
    if transport is not None and not hasattr(transport, "handle_async_request"):
        raise ConfigurationError("transport must be an httpx.AsyncBaseTransport")
    if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
        raise ConfigurationError("retry_policy must be a qlara.RetryPolicy")
    if rate_limit is not None and not isinstance(rate_limit, (RateLimit, SharedLimitFactory)):
        raise ConfigurationError(
            "rate_limit must be a qlara.RateLimit, a qlara.redis.SharedRateLimit or None"
        )
    return ClientConfig(
        base_url=_base_url(base_url),
        credential=credential,
        auth_kind=kind,
        timeout=timeout,
        max_retries=max_retries,
        retry_policy=retry_policy or RetryPolicy(),
        rate_limit=rate_limit,
        http_client=http_client,
        transport=transport,
        http_backend=check_http_backend(http_backend, http_client=http_client, transport=transport),
    )
