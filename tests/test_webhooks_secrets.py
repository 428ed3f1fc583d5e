"""Callback URLs: their secret token is never printed, and whitespace never registered."""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara._cli import main
from qlara._redact import mask_url
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import KEY

MakeClient = Callable[..., qlara.AsyncQlara]
SECRET = "s3cr3t-hook-token"
URL = f"https://example.com/hook?token={SECRET}&team=ops"


@pytest.fixture
def server() -> Iterator[Server]:
    with serve(Simulator(lifecycle=Lifecycle.instant())) as running:
        yield running


def refuse_all(sent: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    return handler


def test_webhook_config_repr_masks_query_values() -> None:
    """``repr(WebhookConfig)`` shows ``?token=***``; the attribute keeps the real URL."""
    config = qlara.WebhookConfig(callback_url=URL, id="wh-1", status="ACTIVE")
    assert SECRET not in repr(config)
    assert "token=***&team=***" in repr(config)
    assert config.callback_url == URL


async def test_webhooks_set_returns_the_real_url_and_logs_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Setting a URL with a token keeps it whole on the result, and no log line shows it."""
    caplog.set_level(logging.DEBUG, logger="qlara")
    sim = Simulator()
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        config = await client.webhooks.set(URL)
        again = await client.webhooks.get()
    assert config.callback_url == URL
    assert again is not None
    assert again.callback_url == URL
    assert SECRET not in caplog.text
    assert SECRET not in repr(again)


@pytest.mark.parametrize(
    "url",
    [
        f"http://example.com/hook?token={SECRET}",  # plain http to a real host
        f"https://example.com:99999/hook?token={SECRET}",  # bad port
        f"ftp://example.com/hook?token={SECRET}",
        f"https://example.com/hook?token={SECRET}\n",
    ],
)
async def test_bad_url_errors_mask_the_token(make_client: MakeClient, url: str) -> None:
    """The ``ValidationError`` for a bad callback URL shows it with its query masked."""
    sent: list[httpx.Request] = []
    client = make_client(refuse_all(sent))
    with pytest.raises(qlara.ValidationError) as caught:
        await client.webhooks.set(url)
    assert SECRET not in str(caught.value)
    assert "token=***" in str(caught.value)
    assert sent == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hook?token=abc\n",
        " https://example.com/hook",
        "https://example.com/hook\t",
        "https://example.com/my hook",
        "https://example.com/hook?token=a b",
        "https://exa\nmple.com/hook",
    ],
)
@pytest.mark.parametrize("method", ["set", "create", "update"])
async def test_urls_with_whitespace_are_refused(
    make_client: MakeClient, url: str, method: str
) -> None:
    """Whitespace anywhere in a callback URL is a ``ValidationError``; nothing is sent."""
    sent: list[httpx.Request] = []
    client = make_client(refuse_all(sent))
    with pytest.raises(qlara.ValidationError, match="whitespace") as caught:
        await getattr(client.webhooks, method)(url)
    assert caught.value.field == "url"
    assert sent == []


def test_cli_webhooks_set_and_get_mask_the_token(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """``qlara webhooks set/get`` print the URL masked, as text and as JSON."""
    options = ["--api-key", KEY, "--base-url", server.base_url]
    assert main(["webhooks", "set", URL, *options]) == 0
    assert main(["webhooks", "get", *options]) == 0
    assert main(["webhooks", "get", "--json", *options]) == 0
    printed = capsys.readouterr()
    assert SECRET not in printed.out + printed.err
    assert printed.out.count("token=***") == 3


def test_cli_refused_url_error_masks_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    """A refused URL's one-line CLI error shows the token masked."""
    url = f"http://example.com/hook?token={SECRET}"
    assert main(["webhooks", "set", url, "--api-key", KEY]) == 2
    printed = capsys.readouterr()
    assert SECRET not in printed.out + printed.err
    assert "token=***" in printed.err


@given(
    token=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=12),
    others=st.lists(st.sampled_from(["a=1", "b=two", "flag", "c="]), max_size=3),
    userinfo=st.sampled_from(["", "user@", "user:pw-secret-xyz@"]),
)
def test_mask_url_never_shows_a_query_value(token: str, others: list[str], userinfo: str) -> None:
    """Whatever the query holds, the masked URL shows names only, and never a password."""
    query = "&".join([f"token={token}", *others])
    masked = mask_url(f"https://{userinfo}hooks.example.com/q/events/?{query}")
    assert token not in masked
    assert "pw-secret-xyz" not in masked
    assert masked.startswith("https://")
    assert "token=***" in masked
