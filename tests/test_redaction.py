"""The API key never shows: not in reprs, errors, tracebacks or logs."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import httpx
import pytest

import qlara
from tests.conftest import DESTINATION, KEY, accepted

pytestmark = pytest.mark.both_backends


def test_reprs_hide_credentials() -> None:
    """repr of clients and credentials never contains the secret."""
    async_client = qlara.AsyncQlara(KEY, transport=httpx.MockTransport(accepted()))
    sync_client = qlara.Qlara(KEY, transport=httpx.MockTransport(accepted()))
    basic = qlara.BasicAuth("ada", "hunter2")
    for text in (repr(async_client), str(async_client), repr(sync_client), repr(basic)):
        assert KEY not in text
        assert "hunter2" not in text
    assert "ada" in repr(basic)
    sync_client.close()
    import asyncio

    asyncio.run(async_client.aclose())


async def test_errors_and_tracebacks_hide_the_key(
    make_client: Callable[..., qlara.AsyncQlara],
) -> None:
    """A failed send's error, its cause chain and its traceback never print the key."""

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    client = make_client(broken)
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await client.sms.send(destination=DESTINATION, body="x", sender="Shop")
    text = "".join(traceback.format_exception(caught.value))
    assert KEY not in text
    assert KEY not in repr(caught.value)


async def test_status_errors_hide_the_key(make_client: Callable[..., qlara.AsyncQlara]) -> None:
    """A 401's error carries the response, never the request headers."""
    client = make_client(lambda request: httpx.Response(401, json={"message": "bad key"}))
    with pytest.raises(qlara.AuthenticationError) as caught:
        await client.sms.send(destination=DESTINATION, body="x", sender="Shop")
    err = caught.value
    assert KEY not in "".join(traceback.format_exception(err))
    assert KEY not in repr(err.headers) + repr(err.body) + str(err)


async def test_debug_log_has_no_secret_or_personal_data(
    make_client: Callable[..., qlara.AsyncQlara], caplog: pytest.LogCaptureFixture
) -> None:
    """One DEBUG line per attempt with method, path, status: no key, text or number."""
    client = make_client(accepted())
    with caplog.at_level(logging.DEBUG, logger="qlara"):
        await client.sms.send(destination=DESTINATION, body="secret text", sender="Shop")
    records = [r for r in caplog.records if r.name.startswith("qlara")]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "POST /message-server/sms/send -> 200" in line
    assert getattr(records[0], "qlara.status") == 200
    assert getattr(records[0], "qlara.attempt") == 1
    everything = caplog.text + repr(records[0].__dict__)
    for secret in (KEY, "secret text", DESTINATION, DESTINATION[1:]):
        assert secret not in everything
