"""Configuration: environment, credentials, lifecycle."""

from __future__ import annotations

import gc

import httpx
import pytest

import qlara
from tests.conftest import KEY, accepted


def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """QLARA_API_KEY and QLARA_BASE_URL configure a client built with no arguments."""
    monkeypatch.setenv("QLARA_API_KEY", "env-key")
    monkeypatch.setenv("QLARA_BASE_URL", "http://127.0.0.1:9999/api/")
    client = qlara.Qlara()
    assert client.base_url == "http://127.0.0.1:9999/api"
    client.close()


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without QLARA_BASE_URL the production API is used."""
    monkeypatch.delenv("QLARA_BASE_URL", raising=False)
    client = qlara.Qlara(KEY)
    assert client.base_url == "https://lora-api.agiletelecom.com/api"
    client.close()


@pytest.mark.parametrize("client_type", [qlara.AsyncQlara, qlara.Qlara])
def test_missing_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, client_type: type[object]
) -> None:
    """No key anywhere fails at construction, saying how to provide one."""
    monkeypatch.delenv("QLARA_API_KEY", raising=False)
    with pytest.raises(qlara.ConfigurationError, match="QLARA_API_KEY"):
        client_type()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"base_url": "lora-api.agiletelecom.com/api"}, "absolute"),
        ({"base_url": "ftp://example.test"}, "absolute"),
        ({"api_key": "   "}, "no API key"),
        ({"auth": qlara.BasicAuth("u", "p")}, "not both"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"rate_limit": 50}, "rate_limit"),
        ({"transport": httpx.MockTransport(accepted()), "http_client": object()}, "not both"),
    ],
)
def test_bad_options_fail_at_construction(options: dict[str, object], fragment: str) -> None:
    """Each impossible configuration raises ConfigurationError before any request."""
    options.setdefault("api_key", KEY)
    with pytest.raises(qlara.ConfigurationError, match=fragment):
        qlara.AsyncQlara(**options)  # type: ignore[arg-type]


def test_rate_limit_presets() -> None:
    """The plans' documented budgets are available by name."""
    assert qlara.RateLimit.production() == qlara.RateLimit(per_second=50, per_minute=1000)
    assert qlara.RateLimit.trial() == qlara.RateLimit(per_second=10, per_minute=100)
    with pytest.raises(qlara.ValidationError):
        qlara.RateLimit(per_second=0)


async def test_unclosed_client_warns_when_collected() -> None:
    """A client dropped without aclose warns with a ResourceWarning."""
    client = qlara.AsyncQlara(KEY, transport=httpx.MockTransport(accepted()))
    with pytest.warns(ResourceWarning, match="aclose"):  # noqa: PT031 - del then collect
        del client
        gc.collect()


async def test_closed_client_and_copies_do_not_warn() -> None:
    """A closed client, and a with_options copy, are collected silently."""
    client = qlara.AsyncQlara(KEY, transport=httpx.MockTransport(accepted()))
    copy = client.with_options(max_retries=0)
    del copy
    gc.collect()
    await client.aclose()
    del client
    gc.collect()


async def test_async_context_manager_closes() -> None:
    """Leaving 'async with' closes the pool."""
    async with qlara.AsyncQlara(KEY, transport=httpx.MockTransport(accepted())) as client:
        assert not client.is_closed
    assert client.is_closed


@pytest.mark.parametrize("key", ["sk_live_abc\u200b", "sk_live_SECR\u00c9T", "sk_live\nx"])
def test_unsendable_keys_fail_at_construction_without_quoting(key: str) -> None:
    """A key with a stray copy-paste character fails early, and the error never shows it."""
    for client_type in (qlara.AsyncQlara, qlara.Qlara):
        with pytest.raises(qlara.ConfigurationError) as caught:
            client_type(key)
        assert key not in str(caught.value)
        assert "sk_live" not in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "https://exa:mple.com/api"},
        {"base_url": "http://[::1/api"},
        {"base_url": "https://exa mple.com/api"},
        {"timeout": "abc"},
        {"timeout": float("nan")},
        {"timeout": -1},
        {"transport": "not a transport"},
        {"http_client": "not a client"},
        {"retry_policy": {"max_backoff": 3}},
    ],
)
def test_more_bad_options_fail_at_construction(options: dict[str, object]) -> None:
    """Wrong types and unusable URLs are ConfigurationErrors, not failures on first use."""
    with pytest.raises(qlara.ConfigurationError):
        qlara.AsyncQlara(KEY, **options)  # type: ignore[arg-type]
