"""The quick start of the README works against a mock platform."""

from __future__ import annotations

from collections.abc import Callable

import qlara
from tests.conftest import DESTINATION, accepted


async def test_sms_send_returns_the_verdict(make_client: Callable[..., qlara.AsyncQlara]) -> None:
    """A send answers with the id it sent and the per-channel verdict."""
    client = make_client(accepted())
    result = await client.sms.send(destination=DESTINATION, body="Hello!", sender="Shop")
    assert result.accepted
    assert result.results[qlara.Channel.SMS].parts == 1
    assert result.message_id == result.platform_message_id
